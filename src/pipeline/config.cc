#include "pipeline/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "aws/logs_client.h"
#include "core/file.h"
#include "core/text.h"
#include "http/http_client.h"
#include "pipeline/expression.h"
#include "pipeline/yaml_tree.h"

namespace statusbridge::pipeline {
namespace {

constexpr Seconds kMinInterval{10};
constexpr Seconds kMaxInterval{86400};
constexpr Seconds kMaxPeriod{86400};
constexpr Seconds kMaxDelay{86400};
constexpr Seconds kMaxStatuspageTimeout{600};
// Statuspage documents 1 request per second per API key; above that it answers 420/429. The
// bounds only refuse absurd values (a request every 100 s is the slowest useful pace).
constexpr double kMinRequestsPerSecond = 0.01;
constexpr double kMaxRequestsPerSecond = 10;
constexpr int kMaxDimensions = 30;
constexpr int kMaxPointsPerRequestLimit = 100000;
constexpr size_t kMaxConfigBytes = 16 << 20;
constexpr size_t kMaxKeyFileBytes = 64 << 10;
// Value sizes, after ${NAME} expansion (docs/config.md, "Limits"). Any value; all the values of
// one config together (a few big variables, or aliases, cannot make a huge config out of a small
// file); names, ids and keys; what CloudWatch allows for namespaces, metric and dimension names,
// and dimension values; a metric's expression; URLs; file paths.
constexpr size_t kMaxValueBytes = 64 << 10;
constexpr size_t kMaxExpandedBytes = kMaxConfigBytes;
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxCloudWatchNameBytes = 255;
constexpr size_t kMaxDimensionValueBytes = 1024;
constexpr size_t kMaxExpressionBytes = 4096;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxPathBytes = 4096;
constexpr int kMaxConcurrentLogsQueries = 100;
constexpr Seconds kMaxLogsQueryTimeout{3600};  // Logs Insights stops a query after 60 minutes
constexpr size_t kMaxMathExpressionLength = 2048;
// A math query travels with its metrics in one GetMetricData call.
constexpr size_t kMaxMathMetrics = aws::kMaxQueriesPerCall - 1;
constexpr Seconds kMinRoleDuration{900};    // STS AssumeRole DurationSeconds
constexpr Seconds kMaxRoleDuration{43200};  // (the role's own maximum may be lower)
constexpr size_t kMaxRoleArnLength = 2048;
constexpr size_t kMaxRolePathLength = 512;
constexpr size_t kMaxRoleNameLength = 64;
constexpr const char* kDefaultSessionName = "statusbridge";

// ---------------------------------------------------------------------------------------------
// Messages and paths

Status Error(const std::string& path, const std::string& message) {
  return Status::InvalidArgument((path.empty() ? "config" : path) + ": " + message);
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// A value people wrote, quoted for a message: control characters and bytes that are not UTF-8
// escaped as \xNN, cut after 100 bytes. Never for a secret.
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

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The candidate `word` was most likely meant as: a small edit away (ignoring case), or one is a
// prefix or suffix of the other ("statistic" -> "stat", "metric_id" -> "statuspage_metric_id").
std::optional<std::string> DidYouMean(std::string_view word,
                                      const std::vector<std::string_view>& candidates) {
  std::string w = Lower(word);
  size_t max_distance = w.size() <= 4 ? 1 : 2;
  std::optional<std::string> best;
  size_t best_distance = max_distance + 1;
  for (std::string_view c : candidates) {
    size_t d = EditDistance(w, Lower(c));
    if (d < best_distance) {
      best = std::string(c);
      best_distance = d;
    }
  }
  if (best) {
    return best;
  }
  for (std::string_view c : candidates) {
    std::string lc = Lower(c);
    if (std::min(w.size(), lc.size()) >= 3 &&
        (w.starts_with(lc) || lc.starts_with(w) || w.ends_with(lc) || lc.ends_with(w))) {
      return std::string(c);
    }
  }
  return std::nullopt;
}

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) {
      out += ", ";
    }
    out += s;
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

// For an API key, which is never quoted: whitespace, a control character (C0, DEL, C1) or a byte
// that is not UTF-8 anywhere in it.
bool HasSpaceOrControl(std::string_view s) {
  bool space = std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isspace(u) || std::iscntrl(u);
  });
  return space || HasControlCharacter(s) || !IsValidUtf8(s);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Scalars

// ${NAME} -> the variable's value; $${ -> a literal ${. Stops as soon as the result would be
// longer than `max_bytes`, before it is built: "${BIG}${BIG}..." never allocates more. Messages
// never quote `text`: it may be a secret.
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
  if (s.empty()) {
    return std::nullopt;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::string FormatNumber(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(v);
}

// ---------------------------------------------------------------------------------------------
// CloudWatch vocabulary

const std::vector<std::string_view>& BasicStats() {
  static const std::vector<std::string_view> kStats = {"Sum", "Average", "Minimum", "Maximum",
                                                       "SampleCount"};
  return kStats;
}

// StandardUnit (CloudWatch API reference, MetricDatum.Unit).
const std::vector<std::string_view>& StandardUnits() {
  static const std::vector<std::string_view> kUnits = {"Seconds",
                                                       "Microseconds",
                                                       "Milliseconds",
                                                       "Bytes",
                                                       "Kilobytes",
                                                       "Megabytes",
                                                       "Gigabytes",
                                                       "Terabytes",
                                                       "Bits",
                                                       "Kilobits",
                                                       "Megabits",
                                                       "Gigabits",
                                                       "Terabits",
                                                       "Percent",
                                                       "Count",
                                                       "Bytes/Second",
                                                       "Kilobytes/Second",
                                                       "Megabytes/Second",
                                                       "Gigabytes/Second",
                                                       "Terabytes/Second",
                                                       "Bits/Second",
                                                       "Kilobits/Second",
                                                       "Megabits/Second",
                                                       "Gigabits/Second",
                                                       "Terabits/Second",
                                                       "Count/Second",
                                                       "None"};
  return kUnits;
}

// "99", "99.9", "-5" (when allowed): at most 10 decimal places, as CloudWatch accepts.
std::optional<double> ParseStatNumber(std::string_view s, bool allow_negative) {
  size_t i = 0;
  if (allow_negative && !s.empty() && s[0] == '-') {
    i = 1;
  }
  size_t int_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    ++i;
    ++int_digits;
  }
  if (int_digits == 0) {
    return std::nullopt;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      ++frac;
    }
    if (frac == 0 || frac > 10) {
      return std::nullopt;
    }
  }
  if (i != s.size()) {
    return std::nullopt;
  }
  return ParseNumber(s);
}

// Checks the bounds of TM(...), WM(...), TC(...), TS(...) and PR(...): "10%:90%", ":95%",
// "150:1000", "0.5:". Returns the reason it is wrong, or "" when it is fine.
std::string CheckStatBounds(std::string_view inner, bool percent_allowed) {
  size_t colon = inner.find(':');
  if (colon == std::string_view::npos || inner.find(':', colon + 1) != std::string_view::npos) {
    return "expected bounds like (10%:90%), (:95%) or (150:1000)";
  }
  std::string_view sides[2] = {inner.substr(0, colon), inner.substr(colon + 1)};
  if (sides[0].empty() && sides[1].empty()) {
    return "give a lower bound, an upper bound or both";
  }
  std::optional<double> values[2];
  int percents = 0;
  int present = 0;
  for (int k = 0; k < 2; ++k) {
    std::string_view side = sides[k];
    if (side.empty()) {
      continue;
    }
    ++present;
    bool percent = side.back() == '%';
    if (percent) {
      if (!percent_allowed) {
        return "PR bounds are absolute values, not percentages";
      }
      side.remove_suffix(1);
      ++percents;
    }
    values[k] = ParseStatNumber(side, !percent);
    if (!values[k]) {
      return "expected bounds like (10%:90%), (:95%) or (150:1000)";
    }
    if (percent && *values[k] > 100) {
      return "percentages must be between 0% and 100%";
    }
  }
  if (percents != 0 && percents != present) {
    return "both bounds must be percentages or both absolute values";
  }
  if (values[0] && values[1] && !(*values[0] < *values[1])) {
    return "the lower bound must be below the upper bound";
  }
  return "";
}

// Sum | Average | Minimum | Maximum | SampleCount, or an extended statistic: pNN(.NN), tmNN,
// wmNN, tcNN, tsNN, TM(a:b), WM(a:b), TC(a:b), TS(a:b), PR(a:b), IQM.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
Status CheckStat(const std::string& stat) {
  const auto& basic = BasicStats();
  if (std::find(basic.begin(), basic.end(), stat) != basic.end()) {
    return Status::Ok();
  }
  std::string lower = Lower(stat);
  if (lower == "iqm") {
    return Status::Ok();
  }
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid statistic " + Quote(stat) + ": " + why);
  };
  auto range = [&](size_t prefix, bool percent_allowed) -> std::optional<Status> {
    if (lower.size() < prefix + 2 || lower[prefix] != '(' || lower.back() != ')') {
      return std::nullopt;
    }
    std::string why = CheckStatBounds(
        std::string_view(stat).substr(prefix + 1, stat.size() - prefix - 2), percent_allowed);
    return why.empty() ? Status::Ok() : invalid(why);
  };
  if (lower.starts_with("pr")) {
    if (auto s = range(2, false)) {
      return *s;
    }
  }
  for (std::string_view prefix : {"tm", "wm", "tc", "ts"}) {
    if (!lower.starts_with(prefix)) {
      continue;
    }
    if (auto s = range(2, true)) {
      return *s;
    }
    if (auto v = ParseStatNumber(std::string_view(lower).substr(2), false)) {
      return *v <= 100 ? Status::Ok() : invalid("the percentage must be between 0 and 100");
    }
  }
  if (lower.starts_with("p")) {
    if (auto v = ParseStatNumber(std::string_view(lower).substr(1), false)) {
      return *v <= 100 ? Status::Ok() : invalid("the percentile must be between 0 and 100");
    }
  }
  std::string message = "unknown statistic " + Quote(stat);
  if (auto guess = DidYouMean(stat, basic)) {
    message += " (did you mean \"" + *guess + "\"?)";
  }
  return Status::InvalidArgument(message);
}

// ---------------------------------------------------------------------------------------------
// AWS targets: regions and roles

// "eu-west-1", "us-gov-west-1": lowercase letters, digits and '-', usable in a host name.
// Returns the reason it is wrong, or "" when it is fine.
std::string CheckRegion(std::string_view region) {
  bool chars_ok = std::all_of(region.begin(), region.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
  if (!chars_ok || region.front() == '-' || region.back() == '-') {
    return "invalid region " + Quote(region) + " (expected e.g. eu-west-1)";
  }
  return "";
}

bool IsRoleNameChar(char c) {
  // IAM role names and STS session names: [\w+=,.@-].
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '=' ||
         c == ',' || c == '.' || c == '@' || c == '-';
}

// arn:<aws|aws-cn|aws-us-gov>:iam::<12 digits>:role/<optional path/><name>. Returns the reason it
// is wrong, or "" when it is fine.
std::string CheckRoleArn(std::string_view arn) {
  if (arn.size() > kMaxRoleArnLength) {
    return "invalid role ARN: longer than " + std::to_string(kMaxRoleArnLength) + " characters";
  }
  std::string invalid = "invalid role ARN " + Quote(arn) + ": ";
  std::vector<std::string_view> parts;
  std::string_view rest = arn;
  for (int i = 0; i < 5; ++i) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      break;
    }
    parts.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  parts.push_back(rest);
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "iam" ||
      !parts[5].starts_with("role/")) {
    return invalid + "expected arn:aws:iam::<12-digit account>:role/<name>";
  }
  if (parts[1] != "aws" && parts[1] != "aws-cn" && parts[1] != "aws-us-gov") {
    return invalid + "unknown partition " + Quote(parts[1]) +
           " (expected aws, aws-cn or aws-us-gov)";
  }
  if (!parts[3].empty()) {
    return invalid + "an IAM ARN has no region (arn:aws:iam::<12-digit account>:role/<name>)";
  }
  if (parts[4].size() != 12 || !std::all_of(parts[4].begin(), parts[4].end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return invalid + "the account must be 12 digits";
  }
  std::string_view path_and_name = parts[5].substr(4);  // "/service-role/name"
  size_t last_slash = path_and_name.rfind('/');
  std::string_view path = path_and_name.substr(0, last_slash + 1);
  std::string_view name = path_and_name.substr(last_slash + 1);
  if (name.empty() || name.size() > kMaxRoleNameLength ||
      !std::all_of(name.begin(), name.end(), IsRoleNameChar)) {
    return invalid + "the role name must be 1 to 64 characters of letters, digits and _+=,.@-";
  }
  if (path.size() > kMaxRolePathLength ||
      !std::all_of(path.begin(), path.end(), [](char c) { return c >= '!' && c <= '~'; })) {
    return invalid + "the role path must be at most 512 printable characters without spaces";
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Metric math expressions

// A word of a metric-math expression outside '...' and "..." strings.
struct MathWord {
  std::string_view text;
  bool call = false;  // followed by '(' (a function such as FILL or SEARCH)
};

bool IsMathWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The words of `expression`, skipping quoted strings. Numbers ("1e5", "0.5") are not words.
std::vector<MathWord> MathWords(std::string_view expression) {
  std::vector<MathWord> words;
  size_t i = 0;
  while (i < expression.size()) {
    char c = expression[i];
    if (c == '\'' || c == '"') {
      size_t close = expression.find(c, i + 1);
      i = close == std::string_view::npos ? expression.size() : close + 1;
      continue;
    }
    if (!IsMathWordChar(c)) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < expression.size() && IsMathWordChar(expression[i])) {
      ++i;
    }
    if (std::isdigit(static_cast<unsigned char>(expression[start]))) {
      continue;
    }
    size_t next = i;
    while (next < expression.size() && std::isspace(static_cast<unsigned char>(expression[next]))) {
      ++next;
    }
    words.push_back(MathWord{expression.substr(start, i - start),
                             next < expression.size() && expression[next] == '('});
  }
  return words;
}

// A Metrics Insights query ("SELECT AVG(CPUUtilization) FROM ...").
bool IsSelect(const std::vector<MathWord>& words) {
  return !words.empty() && Lower(words.front().text) == "select";
}

// `function` in lower case; calls match in any case.
bool HasCall(const std::vector<MathWord>& words, std::string_view function) {
  return std::any_of(words.begin(), words.end(),
                     [&](const MathWord& w) { return w.call && Lower(w.text) == function; });
}

// True when the whole expression is one SEARCH(...) call, which returns one time series per
// metric found.
bool IsBareSearch(std::string_view expression) {
  expression = Trim(expression);
  if (!Lower(expression.substr(0, 6)).starts_with("search") || expression.back() != ')') {
    return false;
  }
  size_t open = expression.find('(');
  if (!Trim(expression.substr(6, open - 6)).empty()) {
    return false;
  }
  int depth = 0;
  for (size_t i = open; i < expression.size(); ++i) {
    char c = expression[i];
    if (c == '\'' || c == '"') {
      size_t close = expression.find(c, i + 1);
      if (close == std::string_view::npos) {
        return false;
      }
      i = close;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i == expression.size() - 1;
    }
  }
  return false;
}

// CloudWatch's MetricDataQuery Id: ^[a-z][a-zA-Z0-9_]*$.
bool IsMetricId(std::string_view id) {
  return !id.empty() && std::islower(static_cast<unsigned char>(id[0])) &&
         std::all_of(id.begin(), id.end(), IsMathWordChar);
}

// ---------------------------------------------------------------------------------------------
// YAML shape

struct Field {
  std::string path;
  YamlNode node;
};

// A YAML map checked for plain, unique keys (and, for a section, only known ones). Null reads as
// an empty map, so a section whose keys are all commented out is fine.
class MapView {
 public:
  // Any keys (dimensions, queries).
  static Result<MapView> Open(const Field& field) { return OpenImpl(field, nullptr); }

  // Only `known` keys; others are "unknown key" errors with a did-you-mean.
  static Result<MapView> Open(const Field& field, const std::vector<std::string_view>& known) {
    return OpenImpl(field, &known);
  }

  const std::string& path() const { return path_; }
  const std::vector<std::pair<std::string, YamlNode>>& entries() const { return entries_; }

  std::optional<Field> Get(std::string_view key) const {
    for (const auto& [k, v] : entries_) {
      if (k == key) {
        return Field{Child(path_, key), v};
      }
    }
    return std::nullopt;
  }
  bool Has(std::string_view key) const { return Get(key).has_value(); }

 private:
  static Result<MapView> OpenImpl(const Field& field, const std::vector<std::string_view>* known) {
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
        std::string hint;
        if (auto guess = DidYouMean(key, *known)) {
          hint = "did you mean \"" + *guess + "\"?";
        } else {
          hint = "expected one of: " + Join(*known);
        }
        return Error(Child(field.path, key), "unknown key (" + hint + ")");
      }
      view.entries_.emplace_back(std::move(key), field.node.value(i));
    }
    return view;
  }

  std::string path_;
  std::vector<std::pair<std::string, YamlNode>> entries_;
};

// The keys of `candidates` that `map` has, in the order of `candidates`.
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

// "a", "a or b", "a, b or c".
std::string OrList(const std::vector<std::string_view>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == items.size() ? " or " : ", ");
    out += items[i];
  }
  return out;
}

// Where a query is read, as one level (aws, a metric, a query) states it. Unset members inherit
// from the level above: query > metric > aws.
struct TargetOverride {
  std::optional<std::string> region;
  // Set when the level has role_arn, with the external_id and session_name written beside it
  // (a role's options never mix across levels). An empty role_arn is `role_arn: none`.
  std::optional<RoleConfig> role;
};

// The keys a metric or a query may carry to say where it is read.
const std::vector<std::string_view>& TargetKeys() {
  static const std::vector<std::string_view> kKeys = {"region", "role_arn", "external_id",
                                                      "session_name"};
  return kKeys;
}

// The query sources, in the order messages list them.
const std::vector<std::string_view>& QuerySources() {
  static const std::vector<std::string_view> kSources = {"cloudwatch", "cloudwatch_math",
                                                         "logs_insights"};
  return kSources;
}

AwsTarget ResolveTarget(const AwsConfig& aws, const TargetOverride& metric,
                        const TargetOverride& query) {
  AwsTarget target;
  target.region = query.region.value_or(metric.region.value_or(aws.region));
  target.role = query.role.value_or(metric.role.value_or(aws.role));
  target.role.duration = aws.role.duration;
  return target;
}

// Bucket timing shared by `defaults:` and each metric.
struct Timing {
  Seconds period{60};
  Seconds delay{120};
  Seconds lookback{600};
  Seconds backfill{86400};
};

// How a value's text is checked after ${NAME} expansion.
struct TextRule {
  size_t max_bytes;
  bool multi_line;  // tab, LF and CR allowed (queries, expressions); other control characters never
  bool secret;      // never quoted in a message; its own rules check the characters
};
constexpr TextRule kAnyText{kMaxValueBytes, false, false};
constexpr TextRule kNameText{kMaxNameBytes, false, false};
constexpr TextRule kCloudWatchNameText{kMaxCloudWatchNameBytes, false, false};
constexpr TextRule kDimensionValueText{kMaxDimensionValueBytes, false, false};
constexpr TextRule kUrlText{kMaxUrlBytes, false, false};
constexpr TextRule kPathText{kMaxPathBytes, false, false};
constexpr TextRule kMultiLineText{kMaxValueBytes, true, false};
constexpr TextRule kExpressionText{kMaxExpressionBytes, true, false};
constexpr TextRule kSecretText{kMaxValueBytes, false, true};

class ConfigReader {
 public:
  ConfigReader(const EnvLookup& env, std::string base_dir)
      : env_(env), base_dir_(std::move(base_dir)) {}

  Result<Config> Read(const YamlNode& root);

 private:
  // A scalar's text after ${VAR} expansion, checked against `rule`: at most rule.max_bytes, and
  // (unless secret) valid UTF-8 without control characters. `what` names the expected type in
  // messages. Counts against the config's kMaxExpandedBytes.
  Result<std::string> Text(const Field& f, std::string_view what = "a string",
                           const TextRule& rule = kAnyText) const {
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

  Result<std::string> NonEmptyText(const Field& f, const TextRule& rule = kAnyText) const {
    SB_ASSIGN_OR_RETURN(std::string s, Text(f, "a string", rule));
    if (s.empty()) {
      return Error(f.path, "must not be empty");
    }
    return s;
  }

  Result<std::string> Required(const MapView& map, std::string_view key,
                               const TextRule& rule = kAnyText) const {
    auto f = map.Get(key);
    if (!f) {
      return Error(Child(map.path(), key), "is required");
    }
    return NonEmptyText(*f, rule);
  }

  Result<double> Number(const Field& f) const {
    SB_ASSIGN_OR_RETURN(std::string s, Text(f, "a number", kNameText));
    auto v = ParseNumber(s);
    if (!v) {
      return Error(f.path, "expected a number, got " + Quote(s));
    }
    return *v;
  }

  Result<Seconds> Duration(const Field& f) const {
    SB_ASSIGN_OR_RETURN(std::string s, Text(f, "a duration", kNameText));
    auto d = ParseDuration(Trim(s));
    if (!d.ok()) {
      return Error(f.path, d.status().message());
    }
    return *d;
  }

  Result<std::string> HttpUrl(const Field& f) const {
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

  // A whole number in [min, max].
  Result<int> WholeNumber(const Field& f, int min, int max) const {
    SB_ASSIGN_OR_RETURN(double n, Number(f));
    if (n != std::floor(n) || n < min || n > max) {
      return Error(f.path, "must be a whole number between " + std::to_string(min) + " and " +
                               std::to_string(max) + " (got " + FormatNumber(n) + ")");
    }
    return static_cast<int>(n);
  }

  Status ReadStatuspage(const Field& f, StatuspageConfig* out) const;
  Status ReadApiKey(const MapView& map, StatuspageConfig* out) const;
  Status ReadAws(const Field& f, AwsConfig* out) const;
  Status ReadLogs(const Field& f, LogsConfig* out) const;
  Status ReadTarget(const MapView& map, bool aws_section, TargetOverride* out) const;
  Status ReadState(const Field& f, StateConfig* out) const;
  Status ReadSchedule(const Field& f, ScheduleConfig* out) const;
  Status ReadTiming(const MapView& map, Timing* out) const;
  Status ReadMetric(const Field& f, const Timing& defaults, const AwsConfig& aws,
                    MetricConfig* out) const;
  Status ReadQueries(const Field& f, Seconds period, const AwsConfig& aws,
                     const TargetOverride& metric_target, std::vector<QueryConfig>* out) const;
  Status ReadQuery(const Field& f, Seconds period, const AwsConfig& aws,
                   const TargetOverride& metric_target, QueryConfig* out) const;
  Status ReadSource(const Field& f, std::string_view key, Seconds period, QueryConfig* out) const;
  Status ReadCloudWatch(const Field& f, aws::MetricStat* out) const;
  Status ReadMath(const Field& f, Seconds period, MathQueryConfig* out) const;
  Status ReadLogsInsights(const Field& f, Seconds period, LogsInsightsQueryConfig* out) const;
  Status ReadMissing(const Field& f, MissingPolicy* out) const;
  Status ReadNoData(const Field& f, NoDataPolicy* out) const;

  const EnvLookup& env_;
  std::string base_dir_;
  mutable size_t expanded_bytes_ = 0;  // every value Text() returned, for kMaxExpandedBytes
};

Result<Config> ConfigReader::Read(const YamlNode& root) {
  if (root.IsNull()) {
    return Error("config", "empty document (expected the statuspage and metrics sections)");
  }
  if (!root.IsMap()) {
    return Error("config", "expected a map at the top level, got " + Describe(root));
  }
  SB_ASSIGN_OR_RETURN(MapView top,
                      MapView::Open(Field{"", root}, {"statuspage", "aws", "state", "schedule",
                                                      "defaults", "metrics"}));
  Config config;

  auto statuspage = top.Get("statuspage");
  if (!statuspage) {
    return Error("statuspage", "is required");
  }
  SB_RETURN_IF_ERROR(ReadStatuspage(*statuspage, &config.statuspage));
  if (auto f = top.Get("aws")) {
    SB_RETURN_IF_ERROR(ReadAws(*f, &config.aws));
  }
  if (auto f = top.Get("state")) {
    SB_RETURN_IF_ERROR(ReadState(*f, &config.state));
  }
  if (auto f = top.Get("schedule")) {
    SB_RETURN_IF_ERROR(ReadSchedule(*f, &config.schedule));
  }
  Timing defaults;
  if (auto f = top.Get("defaults")) {
    SB_ASSIGN_OR_RETURN(MapView map,
                        MapView::Open(*f, {"period", "delay", "lookback", "backfill"}));
    SB_RETURN_IF_ERROR(ReadTiming(map, &defaults));
  }

  auto metrics = top.Get("metrics");
  if (!metrics) {
    return Error("metrics", "is required (a list with at least one metric)");
  }
  if (metrics->node.IsNull() || (metrics->node.IsSequence() && metrics->node.size() == 0)) {
    return Error("metrics", "at least one metric is required");
  }
  if (!metrics->node.IsSequence()) {
    return Error("metrics", "expected a list, got " + Describe(metrics->node));
  }
  std::map<std::string, std::string> names;  // name -> label of its first metric
  std::map<std::string, std::string> ids;    // statuspage_metric_id -> label of its first metric
  for (size_t i = 0; i < metrics->node.size(); ++i) {
    std::string index = "metrics[" + std::to_string(i) + "]";
    MetricConfig metric;
    SB_RETURN_IF_ERROR(ReadMetric(Field{index, metrics->node[i]}, defaults, config.aws, &metric));
    std::string label = index + " (" + metric.name + ")";
    if (auto [it, inserted] = names.emplace(metric.name, index); !inserted) {
      return Error(label + ".name", "duplicate metric name (also " + it->second + ")");
    }
    if (auto [it, inserted] = ids.emplace(metric.statuspage_metric_id, label); !inserted) {
      return Error(label + ".statuspage_metric_id",
                   Quote(metric.statuspage_metric_id) + " is already used by " + it->second);
    }
    config.metrics.push_back(std::move(metric));
  }
  return config;
}

Status ConfigReader::ReadStatuspage(const Field& f, StatuspageConfig* out) const {
  SB_ASSIGN_OR_RETURN(
      MapView map, MapView::Open(f, {"page_id", "api_key", "api_key_file", "base_url",
                                     "requests_per_second", "max_points_per_request", "timeout"}));
  SB_ASSIGN_OR_RETURN(out->page_id, Required(map, "page_id", kNameText));
  SB_RETURN_IF_ERROR(ReadApiKey(map, out));
  if (auto v = map.Get("base_url")) {
    SB_ASSIGN_OR_RETURN(out->base_url, HttpUrl(*v));
  }
  if (auto v = map.Get("requests_per_second")) {
    SB_ASSIGN_OR_RETURN(double rps, Number(*v));
    if (rps < kMinRequestsPerSecond || rps > kMaxRequestsPerSecond) {
      return Error(v->path, "must be between " + FormatNumber(kMinRequestsPerSecond) + " and " +
                                FormatNumber(kMaxRequestsPerSecond) + " (got " + FormatNumber(rps) +
                                "); Statuspage documents 1 request per second per API key");
    }
    out->requests_per_second = rps;
  }
  if (auto v = map.Get("max_points_per_request")) {
    SB_ASSIGN_OR_RETURN(out->max_points_per_request, WholeNumber(*v, 1, kMaxPointsPerRequestLimit));
  }
  if (auto v = map.Get("timeout")) {
    SB_ASSIGN_OR_RETURN(out->timeout, Duration(*v));
    if (out->timeout <= Seconds(0) || out->timeout > kMaxStatuspageTimeout) {
      return Error(v->path, "must be between 1s and " + FormatDuration(kMaxStatuspageTimeout) +
                                " (got " + FormatDuration(out->timeout) + ")");
    }
  }
  return Status::Ok();
}

// Messages here never include the key itself.
Status ConfigReader::ReadApiKey(const MapView& map, StatuspageConfig* out) const {
  auto inline_key = map.Get("api_key");
  auto key_file = map.Get("api_key_file");
  if (inline_key && key_file) {
    return Error(map.path(), "set only one of api_key and api_key_file");
  }
  if (!inline_key && !key_file) {
    return Error(map.path(), "api_key or api_key_file is required");
  }
  if (inline_key) {
    SB_ASSIGN_OR_RETURN(std::string key, Text(*inline_key, "a string", kSecretText));
    if (key.empty()) {
      return Error(inline_key->path, "must not be empty");
    }
    if (HasSpaceOrControl(key)) {
      return Error(inline_key->path, "must not contain whitespace or control characters");
    }
    out->api_key = Secret(std::move(key));
    return Status::Ok();
  }
  SB_ASSIGN_OR_RETURN(std::string file, NonEmptyText(*key_file, kPathText));
  std::filesystem::path path(file);
  if (path.is_relative()) {
    path = std::filesystem::path(base_dir_) / path;
  }
  const std::string quoted = Quote(path.string());
  auto content = ReadRegularFile(path.string(), kMaxKeyFileBytes);
  if (!content.ok()) {
    return Error(key_file->path, "cannot read " + quoted + ": " + content.status().message());
  }
  std::string_view key = Trim(*content);
  if (key.empty()) {
    return Error(key_file->path, quoted + " is empty");
  }
  if (HasSpaceOrControl(key)) {
    return Error(key_file->path, quoted +
                                     " must contain only the key (found whitespace or control "
                                     "characters inside it)");
  }
  out->api_key = Secret(std::string(key));
  return Status::Ok();
}

Status ConfigReader::ReadAws(const Field& f, AwsConfig* out) const {
  SB_ASSIGN_OR_RETURN(
      MapView map, MapView::Open(f, {"region", "profile", "endpoint_url", "role_arn", "external_id",
                                     "session_name", "duration", "logs"}));
  TargetOverride target;
  SB_RETURN_IF_ERROR(ReadTarget(map, /*aws_section=*/true, &target));
  out->region = target.region.value_or("");
  if (target.role) {
    out->role = *target.role;
  }
  if (auto v = map.Get("duration")) {
    SB_ASSIGN_OR_RETURN(out->role.duration, Duration(*v));
    if (out->role.duration < kMinRoleDuration || out->role.duration > kMaxRoleDuration) {
      return Error(v->path, "must be between " + FormatDuration(kMinRoleDuration) + " and " +
                                FormatDuration(kMaxRoleDuration) + ", what STS allows (got " +
                                FormatDuration(out->role.duration) + ")");
    }
  }
  if (auto v = map.Get("profile")) {
    SB_ASSIGN_OR_RETURN(out->profile, Text(*v, "a string", kNameText));
  }
  if (auto v = map.Get("endpoint_url")) {
    SB_ASSIGN_OR_RETURN(out->endpoint_url, HttpUrl(*v));
  }
  if (auto v = map.Get("logs")) {
    SB_RETURN_IF_ERROR(ReadLogs(*v, &out->logs));
  }
  return Status::Ok();
}

Status ConfigReader::ReadLogs(const Field& f, LogsConfig* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"max_concurrent_queries", "query_timeout"}));
  if (auto v = map.Get("max_concurrent_queries")) {
    SB_ASSIGN_OR_RETURN(out->max_concurrent_queries, WholeNumber(*v, 1, kMaxConcurrentLogsQueries));
  }
  if (auto v = map.Get("query_timeout")) {
    SB_ASSIGN_OR_RETURN(out->query_timeout, Duration(*v));
    if (out->query_timeout < Seconds(1) || out->query_timeout > kMaxLogsQueryTimeout) {
      return Error(v->path, "must be between 1s and " + FormatDuration(kMaxLogsQueryTimeout) +
                                " (got " + FormatDuration(out->query_timeout) + ")");
    }
  }
  return Status::Ok();
}

// region, role_arn, external_id and session_name of one level. In the aws section an empty
// region means "from the environment"; a metric or query that sets region must name one.
Status ConfigReader::ReadTarget(const MapView& map, bool aws_section, TargetOverride* out) const {
  if (auto v = map.Get("region")) {
    SB_ASSIGN_OR_RETURN(std::string region, Text(*v, "a string", kNameText));
    if (region.empty() && !aws_section) {
      return Error(v->path, "must not be empty (leave region out to inherit it)");
    }
    if (!region.empty()) {
      if (std::string why = CheckRegion(region); !why.empty()) {
        return Error(v->path, why);
      }
    }
    out->region = std::move(region);
  }
  auto role_arn = map.Get("role_arn");
  std::string arn;
  if (role_arn) {
    SB_ASSIGN_OR_RETURN(arn, NonEmptyText(*role_arn));
    if (arn == "none") {
      arn.clear();
    } else if (std::string why = CheckRoleArn(arn); !why.empty()) {
      return Error(role_arn->path, why);
    }
  }
  RoleConfig role;
  role.role_arn = arn;
  if (!arn.empty()) {
    role.session_name = kDefaultSessionName;
  }
  for (std::string_view key : {"external_id", "session_name"}) {
    auto v = map.Get(key);
    if (!v) {
      continue;
    }
    if (!role_arn) {
      return Error(v->path, "only allowed next to role_arn (a role's options stay with it)");
    }
    if (arn.empty()) {
      return Error(v->path, "not allowed with role_arn: none");
    }
    bool external = key == "external_id";
    // An external id is a shared secret: never quoted (its own rules check the characters).
    SB_ASSIGN_OR_RETURN(std::string text, Text(*v, "a string", external ? kSecretText : kAnyText));
    // STS: ExternalId 2-1224 of [\w+=,.@:/-]; RoleSessionName 2-64 of [\w+=,.@-].
    size_t max = external ? 1224 : 64;
    if (text.size() < 2 || text.size() > max) {
      return Error(v->path, "must be 2 to " + std::to_string(max) + " characters long (got " +
                                std::to_string(text.size()) + ")");
    }
    bool chars_ok = std::all_of(text.begin(), text.end(), [&](char c) {
      return IsRoleNameChar(c) || (external && (c == ':' || c == '/'));
    });
    if (!chars_ok) {
      return Error(v->path, std::string("may only contain letters, digits and ") +
                                (external ? "_+=,.@:/-" : "_+=,.@-"));
    }
    (external ? role.external_id : role.session_name) = std::move(text);
  }
  if (role_arn) {
    out->role = std::move(role);
  }
  return Status::Ok();
}

Status ConfigReader::ReadState(const Field& f, StateConfig* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"path"}));
  if (auto v = map.Get("path")) {
    SB_ASSIGN_OR_RETURN(out->path, NonEmptyText(*v, kPathText));
  }
  return Status::Ok();
}

Status ConfigReader::ReadSchedule(const Field& f, ScheduleConfig* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"interval"}));
  if (auto v = map.Get("interval")) {
    SB_ASSIGN_OR_RETURN(out->interval, Duration(*v));
    if (out->interval < kMinInterval || out->interval > kMaxInterval) {
      return Error(v->path, "must be between " + FormatDuration(kMinInterval) + " and " +
                                FormatDuration(kMaxInterval) + " (got " +
                                FormatDuration(out->interval) + ")");
    }
  }
  return Status::Ok();
}

Status ConfigReader::ReadTiming(const MapView& map, Timing* out) const {
  if (auto v = map.Get("period")) {
    SB_ASSIGN_OR_RETURN(out->period, Duration(*v));
    if (out->period < Seconds(60) || out->period.count() % 60 != 0) {
      return Error(v->path, "must be a whole number of minutes, at least 1m (got " +
                                FormatDuration(out->period) + ")");
    }
    if (out->period > kMaxPeriod) {
      return Error(v->path, "must be at most " + FormatDuration(kMaxPeriod) + " (got " +
                                FormatDuration(out->period) + ")");
    }
  }
  if (auto v = map.Get("delay")) {
    SB_ASSIGN_OR_RETURN(out->delay, Duration(*v));
    if (out->delay > kMaxDelay) {
      return Error(v->path, "must be at most " + FormatDuration(kMaxDelay) + " (got " +
                                FormatDuration(out->delay) + ")");
    }
  }
  if (auto v = map.Get("lookback")) {
    SB_ASSIGN_OR_RETURN(out->lookback, Duration(*v));
    if (out->lookback > kMaxBackfill) {
      return Error(v->path, "must be at most " + FormatDuration(kMaxBackfill) +
                                ", what Statuspage keeps (got " + FormatDuration(out->lookback) +
                                ")");
    }
  }
  if (auto v = map.Get("backfill")) {
    SB_ASSIGN_OR_RETURN(out->backfill, Duration(*v));
    if (out->backfill > kMaxBackfill) {
      return Error(v->path, "must be at most " + FormatDuration(kMaxBackfill) +
                                ", what Statuspage keeps (got " + FormatDuration(out->backfill) +
                                ")");
    }
  }
  return Status::Ok();
}

Status ConfigReader::ReadMetric(const Field& f, const Timing& defaults, const AwsConfig& aws,
                                MetricConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  // The label "metrics[1] (api-reliability)" names the metric in every later message, as soon
  // as its name is readable.
  std::string path = f.path;
  for (size_t i = 0; i < f.node.size(); ++i) {
    YamlNode key = f.node.key(i);
    YamlNode value = f.node.value(i);
    if (key.IsScalar() && key.scalar() == "name" && value.IsScalar()) {
      // Only a name that will pass its own checks: the label is printed as it is.
      auto expanded = ExpandEnv(value.scalar(), env_, kMaxNameBytes);
      if (expanded.ok() && !expanded->empty() && IsValidUtf8(*expanded) &&
          !HasControlCharacter(*expanded)) {
        path += " (" + *expanded + ")";
      }
      break;
    }
  }
  SB_ASSIGN_OR_RETURN(
      MapView map,
      MapView::Open(Field{path, f.node},
                    {"name", "statuspage_metric_id", "period", "delay", "lookback", "backfill",
                     "cloudwatch", "cloudwatch_math", "logs_insights", "queries", "expression",
                     "missing", "no_data", "region", "role_arn", "external_id", "session_name"}));
  if (auto name = map.Get("name")) {
    SB_ASSIGN_OR_RETURN(out->name,
                        NonEmptyText(Field{Child(f.path, "name"), name->node}, kNameText));
  } else {
    return Error(Child(f.path, "name"), "is required");
  }
  SB_ASSIGN_OR_RETURN(out->statuspage_metric_id, Required(map, "statuspage_metric_id", kNameText));

  Timing timing = defaults;
  SB_RETURN_IF_ERROR(ReadTiming(map, &timing));
  out->period = timing.period;
  out->delay = timing.delay;
  out->lookback = timing.lookback;
  out->backfill = timing.backfill;

  TargetOverride metric_target;
  SB_RETURN_IF_ERROR(ReadTarget(map, /*aws_section=*/false, &metric_target));

  std::vector<std::string_view> sources = QuerySources();
  sources.push_back("queries");
  std::vector<std::string_view> present = PresentKeys(map, sources);
  if (present.size() > 1) {
    return Error(path, "set either " + std::string(present[0]) + " or " + std::string(present[1]) +
                           ", not both");
  }
  if (present.empty()) {
    return Error(path, "one of " + OrList(sources) + " is required");
  }
  // A metric-level source (cloudwatch, cloudwatch_math, logs_insights): one query named "value".
  const bool single = present[0] != "queries";
  const Field source = *map.Get(present[0]);
  auto expression = map.Get("expression");
  if (single) {
    QueryConfig query;
    query.name = "value";
    SB_RETURN_IF_ERROR(ReadSource(source, present[0], out->period, &query));
    if (auto missing = map.Get("missing")) {
      SB_RETURN_IF_ERROR(ReadMissing(*missing, &query.missing));
    }
    query.target = ResolveTarget(aws, metric_target, TargetOverride{});
    out->queries.push_back(std::move(query));
    out->expression = "value";
  } else {
    if (auto missing = map.Get("missing")) {
      return Error(missing->path,
                   "with queries, set missing on each query (queries.<name>.missing)");
    }
    SB_RETURN_IF_ERROR(ReadQueries(source, out->period, aws, metric_target, &out->queries));
    if (!expression) {
      return Error(Child(path, "expression"), "is required with queries");
    }
  }
  if (expression) {
    SB_ASSIGN_OR_RETURN(out->expression, NonEmptyText(*expression, kExpressionText));
  }
  std::vector<std::string> names;
  for (const auto& q : out->queries) {
    names.push_back(q.name);
  }
  auto compiled = Expression::Compile(out->expression, names);
  if (!compiled.ok()) {
    return Error(Child(path, "expression"), compiled.status().message());
  }
  // A query the expression ignores costs AWS requests for nothing, and is usually a typo.
  const auto& used = compiled->used_variables();
  for (const auto& name : names) {
    if (std::find(used.begin(), used.end(), name) == used.end()) {
      std::string query_path = single ? source.path : Child(source.path, name);
      return Error(query_path, "not used in the expression " + Quote(out->expression));
    }
  }

  if (auto no_data = map.Get("no_data")) {
    SB_RETURN_IF_ERROR(ReadNoData(*no_data, &out->no_data));
  }
  return Status::Ok();
}

Status ConfigReader::ReadQueries(const Field& f, Seconds period, const AwsConfig& aws,
                                 const TargetOverride& metric_target,
                                 std::vector<QueryConfig>* out) const {
  if (f.node.IsNull() || (f.node.IsMap() && f.node.size() == 0)) {
    return Error(f.path, "at least one query is required");
  }
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f));
  for (const auto& [name, node] : map.entries()) {
    std::string path = Child(f.path, name);
    if (!IsIdentifier(name)) {
      return Error(path,
                   "a query name must be an identifier usable in the expression (letters, digits "
                   "and _, not starting with a digit)");
    }
    QueryConfig query;
    query.name = name;
    SB_RETURN_IF_ERROR(ReadQuery(Field{path, node}, period, aws, metric_target, &query));
    out->push_back(std::move(query));
  }
  return Status::Ok();
}

Status ConfigReader::ReadQuery(const Field& f, Seconds period, const AwsConfig& aws,
                               const TargetOverride& metric_target, QueryConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  std::vector<std::string_view> keys = QuerySources();
  keys.push_back("missing");
  keys.insert(keys.end(), TargetKeys().begin(), TargetKeys().end());
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, keys));
  std::vector<std::string_view> present = PresentKeys(map, QuerySources());
  if (present.size() > 1) {
    return Error(f.path, "set either " + std::string(present[0]) + " or " +
                             std::string(present[1]) + ", not both");
  }
  if (present.empty()) {
    return Error(f.path, "one of " + OrList(QuerySources()) + " is required");
  }
  SB_RETURN_IF_ERROR(ReadSource(*map.Get(present[0]), present[0], period, out));
  if (auto missing = map.Get("missing")) {
    SB_RETURN_IF_ERROR(ReadMissing(*missing, &out->missing));
  }
  TargetOverride query_target;
  SB_RETURN_IF_ERROR(ReadTarget(map, /*aws_section=*/false, &query_target));
  out->target = ResolveTarget(aws, metric_target, query_target);
  return Status::Ok();
}

// `key` is one of QuerySources(); `f` is its block.
Status ConfigReader::ReadSource(const Field& f, std::string_view key, Seconds period,
                                QueryConfig* out) const {
  if (key == "cloudwatch") {
    out->source = QueryConfig::Source::kCloudWatch;
    SB_RETURN_IF_ERROR(ReadCloudWatch(f, &out->cloudwatch));
    out->cloudwatch.period = period;
    return Status::Ok();
  }
  if (key == "cloudwatch_math") {
    out->source = QueryConfig::Source::kCloudWatchMath;
    return ReadMath(f, period, &out->math);
  }
  out->source = QueryConfig::Source::kLogsInsights;
  return ReadLogsInsights(f, period, &out->logs);
}

Status ConfigReader::ReadCloudWatch(const Field& f, aws::MetricStat* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  SB_ASSIGN_OR_RETURN(MapView map,
                      MapView::Open(f, {"namespace", "metric", "dimensions", "stat", "unit"}));
  SB_ASSIGN_OR_RETURN(out->namespace_name, Required(map, "namespace", kCloudWatchNameText));
  SB_ASSIGN_OR_RETURN(out->metric_name, Required(map, "metric", kCloudWatchNameText));
  if (auto dims = map.Get("dimensions")) {
    SB_ASSIGN_OR_RETURN(MapView dim_map, MapView::Open(*dims));
    if (dim_map.entries().size() > static_cast<size_t>(kMaxDimensions)) {
      return Error(dims->path, "at most " + std::to_string(kMaxDimensions) + " dimensions (got " +
                                   std::to_string(dim_map.entries().size()) + ")");
    }
    for (const auto& [name, value] : dim_map.entries()) {
      if (name.empty()) {
        return Error(dims->path, "a dimension name must not be empty");
      }
      if (name.size() > kMaxCloudWatchNameBytes) {
        return Error(Child(dims->path, name),
                     "a dimension name must be at most " + std::to_string(kMaxCloudWatchNameBytes) +
                         " bytes (got " + std::to_string(name.size()) + ")");
      }
      SB_ASSIGN_OR_RETURN(std::string text,
                          NonEmptyText(Field{Child(dims->path, name), value}, kDimensionValueText));
      out->dimensions.push_back(aws::Dimension{name, std::move(text)});
    }
  }
  SB_ASSIGN_OR_RETURN(out->stat, Required(map, "stat", kNameText));
  if (Status s = CheckStat(out->stat); !s.ok()) {
    return Error(Child(f.path, "stat"), s.message());
  }
  if (auto unit = map.Get("unit")) {
    SB_ASSIGN_OR_RETURN(out->unit, NonEmptyText(*unit, kNameText));
    const auto& units = StandardUnits();
    if (std::find(units.begin(), units.end(), out->unit) == units.end()) {
      std::string message = "unknown unit " + Quote(out->unit);
      if (auto guess = DidYouMean(out->unit, units)) {
        message += " (did you mean \"" + *guess + "\"?)";
      }
      return Error(unit->path, message);
    }
  }
  return Status::Ok();
}

Status ConfigReader::ReadMath(const Field& f, Seconds period, MathQueryConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"expression", "metrics"}));
  SB_ASSIGN_OR_RETURN(out->expression, Required(map, "expression", kMultiLineText));
  const std::string expression_path = Child(f.path, "expression");
  if (out->expression.size() > kMaxMathExpressionLength) {
    return Error(expression_path, "must be at most " + std::to_string(kMaxMathExpressionLength) +
                                      " characters (got " + std::to_string(out->expression.size()) +
                                      ")");
  }
  const std::vector<MathWord> words = MathWords(out->expression);
  if (IsBareSearch(out->expression)) {
    return Error(expression_path,
                 "a bare SEARCH returns one time series per metric it finds; aggregate them into "
                 "one, e.g. SUM(SEARCH(...))");
  }
  const bool select = IsSelect(words);
  const bool search = HasCall(words, "search");

  const std::string metrics_path = Child(f.path, "metrics");
  if (auto metrics = map.Get("metrics")) {
    SB_ASSIGN_OR_RETURN(MapView metric_map, MapView::Open(*metrics));
    if (metric_map.entries().size() > kMaxMathMetrics) {
      return Error(metrics_path, "at most " + std::to_string(kMaxMathMetrics) + " metrics (got " +
                                     std::to_string(metric_map.entries().size()) + ")");
    }
    for (const auto& [id, node] : metric_map.entries()) {
      std::string path = Child(metrics_path, id);
      if (!IsMetricId(id)) {
        return Error(path,
                     "a metric id must start with a lowercase letter and hold only letters, "
                     "digits and _ (CloudWatch's rule for ids)");
      }
      aws::MetricStat stat;
      SB_RETURN_IF_ERROR(ReadCloudWatch(Field{path, node}, &stat));
      stat.period = period;
      out->metrics.emplace_back(id, std::move(stat));
    }
  }
  if (out->metrics.empty() && !select && !search) {
    return Error(metrics_path,
                 "at least one metric is required (only a SEARCH or SELECT expression needs none)");
  }
  if (select) {
    return Status::Ok();  // Metrics Insights SQL: its words are not ids
  }
  std::vector<std::string_view> ids;
  for (const auto& [id, stat] : out->metrics) {
    ids.push_back(id);
  }
  // Every lowercase word outside strings and not called is an id: a typo fails here, not in
  // GetMetricData. Function names and constants (FILL, REPEAT) are upper case.
  for (const MathWord& w : words) {
    if (!w.call && std::islower(static_cast<unsigned char>(w.text[0])) &&
        std::find(ids.begin(), ids.end(), w.text) == ids.end()) {
      std::string message = "unknown metric id " + Quote(w.text);
      if (ids.empty()) {
        message += " (no metrics are defined)";
      } else {
        message += " (known: " + Join(ids) + ")";
      }
      return Error(expression_path, message);
    }
  }
  // METRICS() stands for every metric of the query, so none is unused then.
  if (!HasCall(words, "metrics")) {
    for (std::string_view id : ids) {
      bool used =
          std::any_of(words.begin(), words.end(), [&](const MathWord& w) { return w.text == id; });
      if (!used) {
        return Error(Child(metrics_path, id),
                     "not used in the expression " + Quote(out->expression));
      }
    }
  }
  return Status::Ok();
}

Status ConfigReader::ReadLogsInsights(const Field& f, Seconds period,
                                      LogsInsightsQueryConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  SB_ASSIGN_OR_RETURN(
      MapView map, MapView::Open(f, {"log_groups", "query", "value_field", "time_field", "limit"}));
  auto groups = map.Get("log_groups");
  if (!groups) {
    return Error(Child(f.path, "log_groups"), "is required");
  }
  if (groups->node.IsNull() || (groups->node.IsSequence() && groups->node.size() == 0)) {
    return Error(groups->path, "at least one log group is required");
  }
  if (!groups->node.IsSequence()) {
    return Error(groups->path, "expected a list, got " + Describe(groups->node));
  }
  if (groups->node.size() > aws::kMaxLogGroupsPerQuery) {
    return Error(groups->path, "at most " + std::to_string(aws::kMaxLogGroupsPerQuery) +
                                   " log groups (got " + std::to_string(groups->node.size()) + ")");
  }
  for (size_t i = 0; i < groups->node.size(); ++i) {
    std::string index = "log_groups[" + std::to_string(i) + "]";
    SB_ASSIGN_OR_RETURN(std::string group,
                        NonEmptyText(Field{Child(f.path, index), groups->node[i]}));
    auto same = std::find(out->log_groups.begin(), out->log_groups.end(), group);
    if (same != out->log_groups.end()) {
      return Error(Child(f.path, index), "duplicate log group (also log_groups[" +
                                             std::to_string(same - out->log_groups.begin()) + "])");
    }
    out->log_groups.push_back(std::move(group));
  }
  // Its messages start with the entry, "log_groups[2] ...": that becomes the path.
  if (Status s = aws::ValidateLogGroups(out->log_groups); !s.ok()) {
    const std::string& m = s.message();
    size_t close = m.find("] ");
    if (m.starts_with("log_groups[") && close != std::string::npos) {
      return Error(Child(f.path, m.substr(0, close + 1)), m.substr(close + 2));
    }
    return Error(groups->path, m);
  }

  SB_ASSIGN_OR_RETURN(out->query, Required(map, "query", kMultiLineText));
  const std::string query_path = Child(f.path, "query");
  if (Trim(out->query).empty()) {
    return Error(query_path, "must not be empty");
  }
  if (out->query.size() > aws::kMaxQueryStringLength) {
    return Error(query_path, "must be at most " + std::to_string(aws::kMaxQueryStringLength) +
                                 " characters (got " + std::to_string(out->query.size()) + ")");
  }
  SB_ASSIGN_OR_RETURN(out->value_field, Required(map, "value_field", kNameText));
  auto time_field = map.Get("time_field");
  if (time_field) {
    SB_ASSIGN_OR_RETURN(out->time_field, NonEmptyText(*time_field, kNameText));
  }
  if (auto v = map.Get("limit")) {
    SB_ASSIGN_OR_RETURN(out->limit, WholeNumber(*v, 1, aws::kMaxQueryLimit));
  }

  // One row per bucket, always: a cycle's window can hold several buckets (the first start reads
  // `backfill`, every cycle re-reads `lookback`, a restart catches up on the gap), so the query
  // must group by bin(<period>) and time_field must name that column.
  auto bin = aws::FindQueryBin(out->query);
  if (!bin.ok()) {
    return Error(query_path, bin.status().message());
  }
  const std::string example_bin = "bin(" + FormatDuration(period) + ")";
  if (!bin->has_value()) {
    return Error(query_path,
                 "has no bin(): a cycle can read several buckets at once, so the query must "
                 "return one row per bucket, e.g. \"stats avg(elapsed) as value by " +
                     example_bin + " as t\" with time_field: t");
  }
  const aws::QueryBin& found = **bin;
  if (found.period != period) {
    return Error(query_path, "bin(" + found.duration + ") does not match the metric's period " +
                                 FormatDuration(period));
  }
  if (!time_field) {
    return Error(Child(f.path, "time_field"),
                 "is required: set it to " + Quote(found.column) + ", the query's bin() column");
  }
  if (Status s = aws::CheckQueryBin(out->query, period, out->time_field); !s.ok()) {
    return Error(time_field->path, s.message());
  }
  const std::string value_path = Child(f.path, "value_field");
  if (out->value_field == out->time_field) {
    return Error(value_path, "must differ from time_field");
  }
  // A column the query never names is never in its results: every bucket would read as missing.
  std::string compact_query;
  std::remove_copy_if(out->query.begin(), out->query.end(), std::back_inserter(compact_query),
                      [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  std::string compact_field;
  std::remove_copy_if(out->value_field.begin(), out->value_field.end(),
                      std::back_inserter(compact_field),
                      [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  if (compact_query.find(compact_field) == std::string::npos) {
    return Error(value_path, Quote(out->value_field) +
                                 " does not appear in the query (name the result column, "
                                 "e.g. \"value\" for \"stats avg(elapsed) as value\")");
  }
  return Status::Ok();
}

Status ConfigReader::ReadMissing(const Field& f, MissingPolicy* out) const {
  SB_ASSIGN_OR_RETURN(std::string text, Text(f, "a number or unknown", kNameText));
  if (Trim(text) == "unknown") {
    out->value = std::nullopt;
    return Status::Ok();
  }
  auto v = ParseNumber(text);
  if (!v) {
    return Error(f.path, "must be a number or \"unknown\" (got " + Quote(text) + ")");
  }
  out->value = *v;
  return Status::Ok();
}

Status ConfigReader::ReadNoData(const Field& f, NoDataPolicy* out) const {
  SB_ASSIGN_OR_RETURN(std::string text, Text(f, "skip, hold or a number", kNameText));
  std::string_view t = Trim(text);
  if (t == "skip") {
    out->kind = NoDataPolicy::Kind::kSkip;
    return Status::Ok();
  }
  if (t == "hold") {
    out->kind = NoDataPolicy::Kind::kHold;
    return Status::Ok();
  }
  auto v = ParseNumber(t);
  if (!v) {
    return Error(f.path, "must be skip, hold or a number (got " + Quote(text) + ")");
  }
  out->kind = NoDataPolicy::Kind::kValue;
  out->value = *v;
  return Status::Ok();
}

// The config's words for YamlTree's errors.
Result<YamlTree> LoadYaml(std::string_view text) {
  auto tree = YamlTree::Parse(text);
  if (!tree.ok()) {
    return Error("config", tree.status().message());
  }
  return tree;
}

}  // namespace

Result<Config> ParseConfig(std::string_view yaml_text, const EnvLookup& env,
                           const std::string& base_dir) {
  SB_ASSIGN_OR_RETURN(YamlTree tree, LoadYaml(yaml_text));
  return ConfigReader(env, base_dir).Read(tree.root());
}

Result<Config> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  auto text = ReadRegularFile(path, kMaxConfigBytes);
  if (!text.ok()) {
    return Status::InvalidArgument("cannot read config file " + Quote(path) + ": " +
                                   text.status().message());
  }
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (base_dir.empty()) {
    base_dir = ".";
  }
  return ParseConfig(*text, env, base_dir);
}

}  // namespace statusbridge::pipeline
