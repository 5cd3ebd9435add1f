#include "pipeline/config_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "core/file.h"
#include "core/text.h"
#include "http/http_client.h"

namespace statusbridge::pipeline::config_internal {

Status Error(const std::string& path, const std::string& message) {
  return Status::InvalidArgument((path.empty() ? "config" : path) + ": " + message);
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Quote(std::string_view value) { return "\"" + EscapeText(value) + "\""; }

std::string Describe(const YamlNode& node) {
  switch (node.type()) {
    case YamlNode::Type::kMap:
      return "a map";
    case YamlNode::Type::kSequence:
      return "a list";
    case YamlNode::Type::kScalar:
      return "a single value";
    case YamlNode::Type::kNull:
      break;
  }
  return "nothing";
}

std::string OrList(const std::vector<std::string_view>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == items.size() ? " or " : ", ");
    out += items[i];
  }
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool HasSpaceOrControl(std::string_view s) {
  bool space = std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isspace(u) || std::iscntrl(u);
  });
  return space || HasControlCharacter(s) || !IsValidUtf8(s);
}

// The loop copies text up to each '$' and decides what the '$' starts; every append is checked
// against `max_bytes` before it is made, hence the length.
Result<std::string> ExpandEnv(std::string_view text, const EnvLookup& env, size_t max_bytes) {
  const Status too_long = Status::InvalidArgument("must be at most " + std::to_string(max_bytes) +
                                                  " bytes (got more after ${...} expansion)");
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  size_t i = 0;
  while (i < text.size()) {
    // Everything up to the next '$' is copied as it is.
    size_t dollar = std::min(text.find('$', i), text.size());
    if (dollar - i > max_bytes - out.size()) {
      return too_long;
    }
    out.append(text.substr(i, dollar - i));
    i = dollar;
    if (i == text.size()) {
      break;
    }
    if (text.compare(i, 3, "$${") == 0) {
      if (out.size() + 2 > max_bytes) {
        return too_long;
      }
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      if (out.size() + 1 > max_bytes) {
        return too_long;
      }
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(
          "unterminated \"${\" (close it with \"}\", or write \"$${\" for a literal \"${\")");
    }
    std::string_view name = text.substr(i + 2, close - i - 2);
    if (!IsIdentifier(name)) {
      return Status::InvalidArgument("invalid environment variable name " + Quote(name) +
                                     " in \"${...}\"");
    }
    std::optional<std::string> value = env(name);
    if (!value) {
      return Status::InvalidArgument("environment variable " + std::string(name) + " is not set");
    }
    if (value->size() > max_bytes - out.size()) {
      return too_long;
    }
    out += *value;
    i = close + 1;
  }
  return out;
}

std::optional<double> ParseNumber(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
  }
  return ParseFiniteDouble(s);
}

std::string FormatNumber(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(v);
}

std::optional<Field> MapView::Get(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) {
      return Field{Child(path_, key), v};
    }
  }
  return std::nullopt;
}

Result<MapView> MapView::OpenImpl(const Field& field, const std::vector<std::string_view>* known) {
  MapView view;
  view.path_ = field.path;
  if (field.node.IsNull()) {
    return view;
  }
  if (!field.node.IsMap()) {
    return Error(field.path, "expected a map, got " + Describe(field.node));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < field.node.size(); ++i) {
    YamlNode key_node = field.node.key(i);
    if (!key_node.IsScalar()) {
      return Error(field.path, "keys must be plain names, got " + Describe(key_node));
    }
    std::string key(key_node.scalar());
    // The key goes into every path below: it must print as it is, and not be huge.
    if (key.size() > kMaxNameBytes) {
      return Error(Child(field.path, EscapeText(key, 40)),
                   "a key must be at most " + std::to_string(kMaxNameBytes) + " bytes (got " +
                       std::to_string(key.size()) + ")");
    }
    if (!IsValidUtf8(key) || HasControlCharacter(key)) {
      return Error(Child(field.path, EscapeText(key, 40)),
                   "a key must be valid UTF-8 without control characters");
    }
    if (!seen.insert(key).second) {
      return Error(Child(field.path, key), "duplicate key");
    }
    if (known != nullptr && std::find(known->begin(), known->end(), key) == known->end()) {
      std::optional<std::string> guess = DidYouMean(key, *known);
      std::string hint =
          guess ? "did you mean \"" + *guess + "\"?" : "expected one of: " + Join(*known, ", ");
      return Error(Child(field.path, key), "unknown key (" + hint + ")");
    }
    view.entries_.emplace_back(std::move(key), field.node.value(i));
  }
  return view;
}

std::vector<std::string_view> PresentKeys(const MapView& map,
                                          const std::vector<std::string_view>& candidates) {
  std::vector<std::string_view> present;
  for (std::string_view key : candidates) {
    if (map.Has(key)) {
      present.push_back(key);
    }
  }
  return present;
}

Result<std::string> ValueReader::Text(const Field& f, std::string_view what,
                                      const TextRule& rule) const {
  if (f.node.IsNull()) {
    return Error(f.path, "has no value");
  }
  if (!f.node.IsScalar()) {
    return Error(f.path, "expected " + std::string(what) + ", got " + Describe(f.node));
  }
  std::string_view raw = f.node.scalar();
  if (raw.size() > rule.max_bytes && raw.find("${") == std::string_view::npos) {
    return Error(f.path, "must be at most " + std::to_string(rule.max_bytes) + " bytes (got " +
                             std::to_string(raw.size()) + ")");
  }
  auto expanded = ExpandEnv(raw, env_, rule.max_bytes);
  if (!expanded.ok()) {
    return Error(f.path, expanded.status().message());
  }
  expanded_bytes_ += expanded->size();
  if (expanded_bytes_ > kMaxExpandedBytes) {
    return Error(f.path, "the config's values add up to more than " +
                             FormatByteSize(kMaxExpandedBytes) +
                             " after ${...} expansion (aliases count each time they are used)");
  }
  if (rule.secret) {
    return expanded;
  }
  if (!IsValidUtf8(*expanded)) {
    return Error(f.path, "must be valid UTF-8 (got " + Quote(*expanded) + ")");
  }
  if (HasControlCharacter(*expanded, rule.multi_line ? "\t\n\r" : "")) {
    return Error(f.path, std::string("must not contain control characters") +
                             (rule.multi_line ? " other than tabs and line breaks" : "") +
                             " (got " + Quote(*expanded) + ")");
  }
  return expanded;
}

Result<std::string> ValueReader::NonEmptyText(const Field& f, const TextRule& rule) const {
  SB_ASSIGN_OR_RETURN(std::string s, Text(f, "a string", rule));
  if (s.empty()) {
    return Error(f.path, "must not be empty");
  }
  return s;
}

Result<std::string> ValueReader::Required(const MapView& map, std::string_view key,
                                          const TextRule& rule) const {
  auto f = map.Get(key);
  if (!f) {
    return Error(Child(map.path(), key), "is required");
  }
  return NonEmptyText(*f, rule);
}

Result<double> ValueReader::Number(const Field& f) const {
  SB_ASSIGN_OR_RETURN(std::string s, Text(f, "a number", kNameText));
  auto v = ParseNumber(s);
  if (!v) {
    return Error(f.path, "expected a number, got " + Quote(s));
  }
  return *v;
}

Result<int> ValueReader::WholeNumber(const Field& f, int min, int max) const {
  SB_ASSIGN_OR_RETURN(double n, Number(f));
  if (n != std::floor(n) || n < min || n > max) {
    return Error(f.path, "must be a whole number between " + std::to_string(min) + " and " +
                             std::to_string(max) + " (got " + FormatNumber(n) + ")");
  }
  return static_cast<int>(n);
}

Result<Seconds> ValueReader::Duration(const Field& f) const {
  SB_ASSIGN_OR_RETURN(std::string s, Text(f, "a duration", kNameText));
  auto d = ParseDuration(Trim(s));
  if (!d.ok()) {
    return Error(f.path, d.status().message());
  }
  return *d;
}

Result<std::string> ValueReader::HttpUrl(const Field& f) const {
  SB_ASSIGN_OR_RETURN(std::string url, NonEmptyText(f, kUrlText));
  // ParseUrl quotes the URL in its errors; never echo one that carries credentials.
  size_t scheme_end = url.find("://");
  size_t authority_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (url.substr(0, authority_end).find('@') != std::string::npos) {
    return Error(f.path, "credentials in URLs are not supported");
  }
  auto parsed = http::ParseUrl(url);
  if (!parsed.ok()) {
    return Error(f.path, parsed.status().message());
  }
  // "https://host/v1/" and "https://host/v1" mean the same; callers append "/pages/...".
  while (url.size() > authority_start && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace statusbridge::pipeline::config_internal
