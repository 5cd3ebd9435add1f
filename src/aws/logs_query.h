#pragma once

// A CloudWatch Logs Insights query and the one home of its rules, for the client (RunQueries
// refuses what StartQuery would) and for check-config (pipeline/config.cc reports the same rules
// under the config's key paths). Pure functions, no network; thread-safe.
//
//   ValidateLogsQuery()      everything StartQuery takes: log groups, query string, window, limit
//   ValidateLogGroup*()      one entry, the list's length
//   FindQueryBin()           the query's bin(<duration>) and the column it names
//   CheckQueryBin()          that bin() against a period and a time_field
//   CheckLogsBuckets()       check-config's whole "one row per bucket" rule: bin(<period>),
//                            time_field naming its column, a value_field the query names
//
// The sandbox's emulator (tools/sandbox/logs_query.cc) has its own parser of the language: it
// plays the service, and shares only the limits and ParseLogsInsightsDuration() with this file.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace statusbridge::aws {

// Limits of one StartQuery request (API reference, StartQuery; botocore logs model).
inline constexpr size_t kMaxLogGroupsPerQuery = 50;
inline constexpr size_t kMaxLogGroupNameLength = 512;
inline constexpr size_t kMaxLogGroupIdentifierLength = 2048;
inline constexpr size_t kMaxQueryStringLength = 10000;
// The model allows `limit` up to 100,000 with nextToken paging, but only 10,000 rows per page
// and only for Logs Insights QL; we cap at one page's worth. Aggregate with `stats` instead.
inline constexpr int kMaxQueryLimit = 10000;

// One Logs Insights query over a half-open window.
struct LogsQuery {
  // The caller's label, used in every message about this query ("api-response-time"). Need not
  // be unique, but unique names make logs readable.
  std::string name;
  // 1..50 log groups: names ("/aws/lambda/api") or ARNs
  // ("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/api"). When any entry is an ARN
  // the request carries them all as `logGroupIdentifiers`, else as `logGroupNames`. An ARN must
  // not end in '*' (DescribeLogGroups' "...:*" form is refused with a hint).
  std::vector<std::string> log_groups;
  std::string query_string;  // Logs Insights QL, at most 10,000 characters
  // [start, end), both whole seconds. The API's startTime and endTime are both inclusive, so
  // the request says startTime = start, endTime = end - 1. (Events carry millisecond
  // timestamps; whatever the service does with the fraction of second end - 1 is its rule.)
  TimeWindow window;
  int limit = 0;  // 0: not sent (service default 10,000 rows); else 1..kMaxQueryLimit
};

// ---- Log groups and the query's text ----

// True when a log_groups entry is an ARN (starts with "arn:") rather than a name.
bool IsLogGroupArn(std::string_view entry);

// One log_groups entry: a name is 1..512 characters of [A-Za-z0-9._/#-]; an entry starting with
// "arn:" must read arn:<partition>:logs:<region>:<account>:log-group:<name>, at most 2048
// characters of [A-Za-z0-9_#+=/:,.@-], and must not end in '*'.
// Errors: InvalidArgument, the message about the entry without naming where it is ("is empty",
// "is longer than 512 characters", "\"my group\" has a character a log group name cannot
// have (...)"), so a caller puts its own location in front.
Status ValidateLogGroup(std::string_view entry);

// The length of a log_groups list, as check-config words it: 1..kMaxLogGroupsPerQuery.
// Errors: InvalidArgument "at least one log group is required", "at most 50 log groups (got 51)".
Status ValidateLogGroupCount(size_t count);

// The log group list alone: its length and each entry (ValidateLogGroup).
// Errors: InvalidArgument naming the list ("log_groups is empty: ...", "log_groups has 51
// entries; ...") or the entry ("log_groups[2] " + ValidateLogGroup's message).
Status ValidateLogGroups(const std::vector<std::string>& log_groups);

// The query string, as check-config words it: not blank (only white space), at most
// kMaxQueryStringLength bytes.
// Errors: InvalidArgument "must not be empty", "must be at most 10000 characters (got 10001)".
Status ValidateLogsQueryText(std::string_view query_string);

// ValidateLogGroups, plus: a query string as ValidateLogsQueryText wants it, a non-empty window
// with start >= 0 (the epoch), limit 0 or 1..kMaxQueryLimit.
// Errors: InvalidArgument, not prefixed with the query's name ("query string is empty",
// "limit 10001 is not in 1..10000 (0 means not sent)", ...).
Status ValidateLogsQuery(const LogsQuery& query);

// ---- bin() ----

// The bin(...) of a query, e.g. "stats avg(ms) as p by bin(5m) as t".
struct QueryBin {
  std::string duration;  // as written inside the parentheses, trimmed: "5m"
  Seconds period{0};     // its length: 300 s
  std::string alias;     // the name after "as" ("t"; backquotes removed), or empty
  // The result column holding the bucket starts, i.e. what time_field must be: the alias if
  // there is one, else the call as written, e.g. "bin(5m)".
  std::string column;
};

// Parses a Logs Insights bin() duration: an integer followed directly by a unit (CloudWatch Logs
// User Guide, "stats":
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Stats.html):
//   ms msec millisecond | s sec second | m min minute | h hr hour | d day | w week
// and a unit of more than one letter may take a plural 's' ("mins", "hrs", "seconds"). Units
// are lower case. Milliseconds must add up to whole seconds.
// Errors (InvalidArgument): no number, no unit, an unknown unit, zero, a length that overflows,
// a fractional second; months (mo, mon, month), quarters (q, qtr, quarter) and years (y, yr,
// year), which Logs Insights accepts, have no fixed length and are refused with that reason.
Result<Seconds> ParseLogsInsightsDuration(std::string_view text);

// Finds the bin(...) call in `query_string` (the name is matched case-insensitively as a whole
// word; text inside '...', "..." and `...` is skipped, but a regex literal /.../ is not, so
// "like /bin(5m)/" reads as a call). nullopt when there is none.
// Errors (InvalidArgument): more than one bin() call, an unclosed one, or a duration
// ParseLogsInsightsDuration refuses.
Result<std::optional<QueryBin>> FindQueryBin(std::string_view query_string);

// The test of a query against its period and time_field:
//   - a bin() whose length differs from `period`: "bins by 1m (bin(1m)) but the period is 5m";
//   - a bin() with an empty time_field: asks for time_field = the bin column (QueryBin::column);
//   - a bin() whose column is not time_field (for a column without alias, whitespace inside
//     the call is ignored when comparing);
//   - no bin() but a time_field (which then names no time column).
// OK when there is no bin() and no time_field (single-row queries), or when everything matches.
// Errors: InvalidArgument, and FindQueryBin's errors.
Status CheckQueryBin(std::string_view query_string, Seconds period, std::string_view time_field);

// ---- check-config: one row per bucket ----

// The setting of a logs_insights block a CheckLogsBuckets() error is about.
enum class LogsSetting { kQuery, kTimeField, kValueField };

struct LogsSettingError {
  LogsSetting setting = LogsSetting::kQuery;
  // InvalidArgument, the message relative to the setting ("must differ from time_field"): the
  // caller puts the setting's key path in front.
  Status status;
};

// check-config's rule for a Logs Insights source read every `period`: a cycle's window can hold
// several buckets (the first start reads `backfill`, every cycle re-reads `lookback`, a restart
// catches up on a gap), so the query must return one row per bucket. In this order:
//   query       FindQueryBin's errors; no bin() at all (the message shows an example);
//               a bin() whose length is not `period`
//   time_field  not set (`time_field` nullopt): asks for the bin column; set but not naming
//               the bin column (CheckQueryBin's message)
//   value_field equal to time_field; not appearing in the query, white space ignored (a column
//               the query never names is never in its results: every bucket would be missing)
// nullopt when the source satisfies all of them. Values are quoted escaped (core/text.h).
std::optional<LogsSettingError> CheckLogsBuckets(std::string_view query_string, Seconds period,
                                                 std::optional<std::string_view> time_field,
                                                 std::string_view value_field);

}  // namespace statusbridge::aws
