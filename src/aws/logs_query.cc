#include "aws/logs_query.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <utility>

#include "aws/arn.h"
#include "core/text.h"
#include "http/http_client.h"

namespace statusbridge::aws {
namespace {

// Server-side or untrusted text in a message: cut, escaped, credentials removed.
std::string Quoted(std::string_view s, size_t max = 100) {
  return "\"" + http::Snippet(s, max) + "\"";
}

// Config text in a check-config message, quoted as pipeline/config.cc quotes values.
std::string QuotedText(std::string_view s) { return "\"" + EscapeText(s) + "\""; }

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool IsBlank(std::string_view s) { return Trim(s).empty(); }

std::string RemoveSpaces(std::string_view s) {
  std::string out;
  std::remove_copy_if(s.begin(), s.end(), std::back_inserter(out), IsSpace);
  return out;
}

// ---- Log groups ----

bool IsNameChar(char c) {
  // LogGroupName pattern [\.\-_/#A-Za-z0-9]+ (botocore logs model).
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '/' || c == '#';
}

bool IsIdentifierChar(char c) {
  // LogGroupIdentifier pattern [\w#+=/:,.@-]*.
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '#' || c == '+' ||
         c == '=' || c == '/' || c == ':' || c == ',' || c == '.' || c == '@' || c == '-';
}

Status ValidateArn(std::string_view arn) {
  if (arn.size() > kMaxLogGroupIdentifierLength) {
    return Status::InvalidArgument("is longer than " +
                                   std::to_string(kMaxLogGroupIdentifierLength) + " characters");
  }
  if (!arn.empty() && arn.back() == '*') {
    return Status::InvalidArgument(
        Quoted(arn) +
        " ends in '*'; StartQuery wants the log group ARN without it (drop the trailing \":*\")");
  }
  if (!std::all_of(arn.begin(), arn.end(), IsIdentifierChar)) {
    return Status::InvalidArgument(Quoted(arn) + " has a character a log group ARN cannot have");
  }
  // arn:<partition>:logs:<region>:<account>:log-group:<name>
  constexpr std::string_view kLogGroup = "log-group:";
  std::optional<Arn> parts = ParseArn(arn);
  if (!parts || parts->partition.empty() || parts->service != "logs" || parts->region.empty() ||
      parts->account.empty() || !parts->resource.starts_with(kLogGroup) ||
      parts->resource.size() == kLogGroup.size()) {
    return Status::InvalidArgument(
        Quoted(arn) +
        " is not a log group ARN (arn:aws:logs:<region>:<account-id>:log-group:<name>)");
  }
  return Status::Ok();
}

Status ValidateName(std::string_view name) {
  if (name.empty()) {
    return Status::InvalidArgument("is empty");
  }
  if (name.size() > kMaxLogGroupNameLength) {
    return Status::InvalidArgument("is longer than " + std::to_string(kMaxLogGroupNameLength) +
                                   " characters");
  }
  if (!std::all_of(name.begin(), name.end(), IsNameChar)) {
    return Status::InvalidArgument(
        Quoted(name) +
        " has a character a log group name cannot have (only A-Z a-z 0-9 . - _ / #)");
  }
  return Status::Ok();
}

// ---- bin() ----

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@' || c == '.' ||
         c == '$';
}

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool MatchWordAt(std::string_view s, size_t i, std::string_view word) {
  if (i + word.size() > s.size()) {
    return false;
  }
  for (size_t k = 0; k < word.size(); ++k) {
    if (Lower(s[i + k]) != word[k]) {
      return false;
    }
  }
  const bool start_ok = i == 0 || !IsWordChar(s[i - 1]);
  const bool end_ok = i + word.size() == s.size() || !IsWordChar(s[i + word.size()]);
  return start_ok && end_ok;
}

size_t SkipSpaces(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) {
    ++i;
  }
  return i;
}

struct DurationUnit {
  std::string_view name;
  int64_t millis;  // 0: no fixed length
};

// The unit of a bin() duration, long forms and plurals included; nullptr when unknown.
const DurationUnit* FindDurationUnit(std::string_view unit) {
  static constexpr DurationUnit kUnits[] = {
      {"ms", 1},         {"msec", 1},       {"millisecond", 1}, {"s", 1000},
      {"sec", 1000},     {"second", 1000},  {"m", 60000},       {"min", 60000},
      {"minute", 60000}, {"h", 3600000},    {"hr", 3600000},    {"hour", 3600000},
      {"d", 86400000},   {"day", 86400000}, {"w", 604800000},   {"week", 604800000},
      {"mo", 0},         {"mon", 0},        {"month", 0},       {"q", 0},
      {"qtr", 0},        {"quarter", 0},    {"y", 0},           {"yr", 0},
      {"year", 0},
  };
  for (const DurationUnit& u : kUnits) {
    // The guide: a unit of more than one character may take a plural 's'.
    if (unit == u.name || (u.name.size() > 1 && unit.size() == u.name.size() + 1 &&
                           unit.back() == 's' && unit.substr(0, u.name.size()) == u.name)) {
      return &u;
    }
  }
  return nullptr;
}

// The alias after a bin() call's closing parenthesis at `close` ("as t", "as `time bucket`"),
// or empty.
std::string BinAlias(std::string_view q, size_t close) {
  size_t after = SkipSpaces(q, close + 1);
  if (!MatchWordAt(q, after, "as")) {
    return "";
  }
  size_t name = SkipSpaces(q, after + 2);
  if (name < q.size() && q[name] == '`') {
    size_t end = q.find('`', name + 1);
    return end == std::string_view::npos ? "" : std::string(q.substr(name + 1, end - name - 1));
  }
  size_t end = name;
  while (end < q.size() && IsWordChar(q[end])) {
    ++end;
  }
  return std::string(q.substr(name, end - name));
}

// The bin() call whose name starts at `at` and whose '(' is at `open`.
Result<QueryBin> ReadBinCall(std::string_view q, size_t at, size_t open) {
  size_t close = q.find(')', open + 1);
  if (close == std::string_view::npos) {
    return Status::InvalidArgument("the query's bin( at offset " + std::to_string(at) +
                                   " is not closed");
  }
  QueryBin bin;
  bin.duration = std::string(Trim(q.substr(open + 1, close - open - 1), " \t"));
  Result<Seconds> period = ParseLogsInsightsDuration(bin.duration);
  if (!period.ok()) {
    return period.status().WithContext("bin()");
  }
  bin.period = *period;
  bin.alias = BinAlias(q, close);
  bin.column = bin.alias.empty() ? std::string(q.substr(at, close + 1 - at)) : bin.alias;
  return bin;
}

// CheckQueryBin once the query's bin() is known.
Status CheckBin(const std::optional<QueryBin>& bin, Seconds period, std::string_view time_field) {
  if (!bin) {
    if (!time_field.empty()) {
      return Status::InvalidArgument(
          "time_field " + Quoted(time_field) +
          " is set but the query has no bin() (only bin() is recognised: stats ... by bin(" +
          FormatDuration(period) + ") as " + http::Snippet(time_field, 100) + ")");
    }
    return Status::Ok();
  }
  if (bin->period != period) {
    return Status::InvalidArgument("the query bins by " + FormatDuration(bin->period) + " (bin(" +
                                   http::Snippet(bin->duration, 40) + ")) but the period is " +
                                   FormatDuration(period));
  }
  if (time_field.empty()) {
    return Status::InvalidArgument("the query groups by " + Quoted(bin->column) +
                                   ": set time_field to " + Quoted(bin->column));
  }
  const bool matches = bin->alias.empty() ? RemoveSpaces(time_field) == RemoveSpaces(bin->column)
                                          : time_field == bin->alias;
  if (!matches) {
    return Status::InvalidArgument("time_field " + Quoted(time_field) +
                                   " does not name the query's bin column " + Quoted(bin->column));
  }
  return Status::Ok();
}

LogsSettingError SettingError(LogsSetting setting, std::string message) {
  return LogsSettingError{setting, Status::InvalidArgument(std::move(message))};
}

}  // namespace

bool IsLogGroupArn(std::string_view entry) { return entry.substr(0, 4) == "arn:"; }

Status ValidateLogGroup(std::string_view entry) {
  return IsLogGroupArn(entry) ? ValidateArn(entry) : ValidateName(entry);
}

Status ValidateLogGroupCount(size_t count) {
  if (count == 0) {
    return Status::InvalidArgument("at least one log group is required");
  }
  if (count > kMaxLogGroupsPerQuery) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxLogGroupsPerQuery) +
                                   " log groups (got " + std::to_string(count) + ")");
  }
  return Status::Ok();
}

Status ValidateLogGroups(const std::vector<std::string>& log_groups) {
  if (log_groups.empty()) {
    return Status::InvalidArgument("log_groups is empty: name at least one log group");
  }
  if (log_groups.size() > kMaxLogGroupsPerQuery) {
    return Status::InvalidArgument("log_groups has " + std::to_string(log_groups.size()) +
                                   " entries; StartQuery takes at most " +
                                   std::to_string(kMaxLogGroupsPerQuery));
  }
  for (size_t i = 0; i < log_groups.size(); ++i) {
    if (Status s = ValidateLogGroup(log_groups[i]); !s.ok()) {
      return Status(s.code(), "log_groups[" + std::to_string(i) + "] " + s.message());
    }
  }
  return Status::Ok();
}

Status ValidateLogsQueryText(std::string_view query_string) {
  if (IsBlank(query_string)) {
    return Status::InvalidArgument("must not be empty");
  }
  if (query_string.size() > kMaxQueryStringLength) {
    return Status::InvalidArgument("must be at most " + std::to_string(kMaxQueryStringLength) +
                                   " characters (got " + std::to_string(query_string.size()) + ")");
  }
  return Status::Ok();
}

Status ValidateLogsQuery(const LogsQuery& query) {
  SB_RETURN_IF_ERROR(ValidateLogGroups(query.log_groups));
  if (IsBlank(query.query_string)) {
    return Status::InvalidArgument("query string is empty");
  }
  if (query.query_string.size() > kMaxQueryStringLength) {
    return Status::InvalidArgument("query string has " + std::to_string(query.query_string.size()) +
                                   " characters; StartQuery takes at most " +
                                   std::to_string(kMaxQueryStringLength));
  }
  if (ToUnixSeconds(query.window.start) < 0) {
    return Status::InvalidArgument("window starts before 1970");
  }
  if (query.window.empty()) {
    return Status::InvalidArgument("window " + FormatIso8601(query.window.start) + " .. " +
                                   FormatIso8601(query.window.end) + " is empty");
  }
  if (query.limit < 0 || query.limit > kMaxQueryLimit) {
    return Status::InvalidArgument("limit " + std::to_string(query.limit) + " is not in 1.." +
                                   std::to_string(kMaxQueryLimit) + " (0 means not sent)");
  }
  return Status::Ok();
}

Result<Seconds> ParseLogsInsightsDuration(std::string_view text) {
  const std::string shown = Quoted(text, 40);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return Status::InvalidArgument("duration " + shown + " does not start with a number");
  }
  std::string_view unit = text.substr(digits);
  if (unit.empty()) {
    return Status::InvalidArgument("duration " + shown + " has no unit (e.g. 5m)");
  }
  if (digits > 9) {
    return Status::InvalidArgument("duration " + shown + " is too long");
  }
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  if (n == 0) {
    return Status::InvalidArgument("duration " + shown + " is zero");
  }
  const DurationUnit* found = FindDurationUnit(unit);
  if (found == nullptr) {
    return Status::InvalidArgument("duration " + shown + " has an unknown unit " +
                                   Quoted(unit, 20) +
                                   " (Logs Insights units: ms, s, m, h, d, w and their long "
                                   "forms, lower case)");
  }
  if (found->millis == 0) {
    return Status::InvalidArgument("duration " + shown +
                                   " is in months, quarters or years, which have no fixed "
                                   "length; use s, m, h, d or w");
  }
  const int64_t millis = n * found->millis;  // n < 10^9, unit <= 6.1e8: fits in int64
  if (millis % 1000 != 0) {
    return Status::InvalidArgument("duration " + shown + " is not a whole number of seconds");
  }
  return Seconds(millis / 1000);
}

Result<std::optional<QueryBin>> FindQueryBin(std::string_view q) {
  std::optional<QueryBin> found;
  for (size_t i = 0; i < q.size(); ++i) {
    const char c = q[i];
    if (c == '\'' || c == '"' || c == '`') {
      size_t close = q.find(c, i + 1);
      if (close == std::string_view::npos) {
        break;  // an unclosed quote: the rest is one string
      }
      i = close;
      continue;
    }
    if (!MatchWordAt(q, i, "bin")) {
      continue;
    }
    size_t open = SkipSpaces(q, i + 3);
    if (open >= q.size() || q[open] != '(') {
      continue;  // a field or word named "bin", not a call
    }
    if (found) {
      return Status::InvalidArgument("the query has more than one bin() call; use one");
    }
    SB_ASSIGN_OR_RETURN(QueryBin bin, ReadBinCall(q, i, open));
    found = std::move(bin);
    i = q.find(')', open + 1);
  }
  return found;
}

Status CheckQueryBin(std::string_view query_string, Seconds period, std::string_view time_field) {
  SB_ASSIGN_OR_RETURN(std::optional<QueryBin> bin, FindQueryBin(query_string));
  return CheckBin(bin, period, time_field);
}

std::optional<LogsSettingError> CheckLogsBuckets(std::string_view query_string, Seconds period,
                                                 std::optional<std::string_view> time_field,
                                                 std::string_view value_field) {
  Result<std::optional<QueryBin>> bin = FindQueryBin(query_string);
  if (!bin.ok()) {
    return LogsSettingError{LogsSetting::kQuery, bin.status()};
  }
  if (!bin->has_value()) {
    return SettingError(LogsSetting::kQuery,
                        "has no bin(): a cycle can read several buckets at once, so the query "
                        "must return one row per bucket, e.g. \"stats avg(elapsed) as value by "
                        "bin(" +
                            FormatDuration(period) + ") as t\" with time_field: t");
  }
  const QueryBin& found = **bin;
  if (found.period != period) {
    return SettingError(
        LogsSetting::kQuery,
        "bin(" + found.duration + ") does not match the metric's period " + FormatDuration(period));
  }
  if (!time_field) {
    return SettingError(
        LogsSetting::kTimeField,
        "is required: set it to " + QuotedText(found.column) + ", the query's bin() column");
  }
  if (Status s = CheckBin(*bin, period, *time_field); !s.ok()) {
    return LogsSettingError{LogsSetting::kTimeField, std::move(s)};
  }
  if (value_field == *time_field) {
    return SettingError(LogsSetting::kValueField, "must differ from time_field");
  }
  if (RemoveSpaces(query_string).find(RemoveSpaces(value_field)) == std::string::npos) {
    return SettingError(LogsSetting::kValueField,
                        QuotedText(value_field) +
                            " does not appear in the query (name the result column, e.g. "
                            "\"value\" for \"stats avg(elapsed) as value\")");
  }
  return std::nullopt;
}

}  // namespace statusbridge::aws
