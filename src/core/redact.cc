#include "core/redact.h"

#include <array>
#include <cctype>
#include <deque>
#include <mutex>

#include "core/secret.h"

namespace statusbridge {
namespace {

constexpr std::array<std::string_view, 4> kHeaderNames = {"x-amz-security-token", "authorization",
                                                          "x-api-key", "x-aws-ec2-metadata-token"};
constexpr std::array<std::string_view, 6> kFieldNames = {
    "sessiontoken",      "secretaccesskey",       "token",
    "aws_session_token", "aws_secret_access_key", "api_key"};

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool NameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Whether text[pos..] starts with `name` (ASCII case-insensitive) as a whole word.
bool WordAt(std::string_view text, size_t pos, std::string_view name) {
  if (pos + name.size() > text.size()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (Lower(text[pos + i]) != name[i]) {
      return false;
    }
  }
  const bool starts = pos == 0 || !NameChar(text[pos - 1]);
  const bool ends = pos + name.size() == text.size() || !NameChar(text[pos + name.size()]);
  return starts && ends;
}

size_t SkipSpaces(std::string_view text, size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
    ++i;
  }
  return i;
}

// For a name at text[start, after): the [begin, end) of the value that follows it, if any
// (begin == end otherwise).
std::pair<size_t, size_t> ValueAfter(std::string_view text, size_t start, size_t after,
                                     bool header) {
  size_t i = after;
  // XML: <name>value</name> (an opening tag: '<' right before the name).
  if (i < text.size() && text[i] == '>') {
    if (start == 0 || text[start - 1] != '<') {
      return {after, after};
    }
    size_t end = text.find('<', i + 1);
    return {i + 1, end == std::string_view::npos ? text.size() : end};
  }
  // JSON: "name" : "value" (the quote after the name is skipped here).
  if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
    ++i;
  }
  i = SkipSpaces(text, i);
  if (i >= text.size() || (text[i] != ':' && text[i] != '=')) {
    return {after, after};
  }
  const char sep = text[i];
  i = SkipSpaces(text, i + 1);
  if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
    const char quote = text[i];
    size_t end = i + 1;
    while (end < text.size() && text[end] != quote) {
      end += text[end] == '\\' ? 2 : 1;
    }
    return {i + 1, std::min(end, text.size())};
  }
  size_t end = i;
  if (header && sep == ':') {
    // A header line: the value runs to the end of the line.
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') {
      ++end;
    }
  } else {
    while (end < text.size() && text[end] != '&' && text[end] != ' ' && text[end] != '\n' &&
           text[end] != '\r' && text[end] != '"' && text[end] != '\'' && text[end] != ',' &&
           text[end] != '<' && text[end] != ';' && text[end] != '}') {
      ++end;
    }
  }
  return {i, end};
}

std::mutex& RememberedMutex() {
  static std::mutex mu;
  return mu;
}

std::deque<std::string>& Remembered() {
  static std::deque<std::string> values;
  return values;
}

// Replaces every remembered secret value in `text`.
std::string RedactRemembered(std::string text) {
  std::lock_guard<std::mutex> lock(RememberedMutex());
  for (const std::string& secret : Remembered()) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), Secret::kRedacted);
      pos += std::string_view(Secret::kRedacted).size();
    }
  }
  return text;
}

}  // namespace

void RememberSecret(const std::string& value) {
  constexpr size_t kMinLength = 8;
  constexpr size_t kMaxRemembered = 256;
  if (value.size() < kMinLength) {
    return;
  }
  std::lock_guard<std::mutex> lock(RememberedMutex());
  std::deque<std::string>& values = Remembered();
  for (const std::string& v : values) {
    if (v == value) {
      return;
    }
  }
  values.push_back(value);
  if (values.size() > kMaxRemembered) {
    values.pop_front();
  }
}

std::string RedactCredentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  size_t i = 0;
  while (i < text.size()) {
    std::pair<size_t, size_t> value{0, 0};
    size_t name_len = 0;
    for (std::string_view name : kHeaderNames) {
      if (WordAt(text, i, name)) {
        value = ValueAfter(text, i, i + name.size(), /*header=*/true);
        name_len = name.size();
        break;
      }
    }
    if (value.first == value.second) {
      for (std::string_view name : kFieldNames) {
        if (WordAt(text, i, name)) {
          value = ValueAfter(text, i, i + name.size(), /*header=*/false);
          name_len = name.size();
          break;
        }
      }
    }
    if (value.first < value.second) {
      out.append(text.substr(copied, value.first - copied));
      out.append(Secret::kRedacted);
      copied = value.second;
      i = value.second;
      continue;
    }
    i += name_len > 0 ? name_len : 1;
  }
  out.append(text.substr(std::min(copied, text.size())));
  return RedactRemembered(std::move(out));
}

}  // namespace statusbridge
