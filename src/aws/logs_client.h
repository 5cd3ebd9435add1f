#pragma once

// Runs CloudWatch Logs Insights queries over the AWS JSON 1.1 protocol (POST /, Content-Type
// application/x-amz-json-1.1, X-Amz-Target Logs_20140328.StartQuery | .GetQueryResults |
// .StopQuery, SigV4 service "logs"; ../shared/docs/research/aws.md §2), and turns their rows
// into per-bucket values. JSON, signing and HTTP stay inside aws/; callers speak LogsQuery,
// LogsRow and LogsPoints.
//
// Three layers, usable separately:
//   LogsInsightsClient   runs queries to completion: StartQuery, GetQueryResults polled from
//                        ~1 s with backoff, StopQuery on deadline or stop; at most
//                        max_concurrent_queries in flight; LimitExceededException and
//                        throttling wait and retry. Failure is per query.
//   LogsRowsToPoints()   pure: rows -> bucket start -> value, for one value column.
//   FindQueryBin() / CheckQueryBin()   pure: the query's bin(...) against a period, for
//                        check-config (no network).
//
// Cost and quota: Logs Insights bills bytes scanned (statistics.bytesScanned, reported in
// LogsRunStats), and an account has a small number of concurrent queries (30..100 depending on
// the docs' age) shared with dashboards and other tools. Requests-per-second limits (about 5 TPS
// per action) are not enforced here: wrap `http` in an http::RateLimitedHttpClient for that.
//
// Thread-compatible: one caller at a time per client. The pure functions are thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::aws {

// Limits of one StartQuery request (API reference, StartQuery; botocore logs model).
inline constexpr size_t kMaxLogGroupsPerQuery = 50;
inline constexpr size_t kMaxLogGroupNameLength = 512;
inline constexpr size_t kMaxLogGroupIdentifierLength = 2048;
inline constexpr size_t kMaxQueryStringLength = 10000;
// The model allows `limit` up to 100,000 with nextToken paging, but only 10,000 rows per page
// and only for Logs Insights QL; we cap at one page's worth. Aggregate with `stats` instead.
inline constexpr int kMaxQueryLimit = 10000;
// The largest Logs response body accepted: a GetQueryResults page of kMaxQueryLimit rows of a
// stats query is a few MB; the limit leaves room for wide rows.
inline constexpr size_t kMaxLogsResponseBytes = 64u << 20;

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

// GetQueryResults' status. Scheduled and Running mean "poll again"; the others are terminal.
enum class LogsQueryStatus {
  kScheduled,
  kRunning,
  kComplete,
  kFailed,
  kCancelled,
  kTimeout,
  kUnknown
};

// "Scheduled", "Running", "Complete", "Failed", "Cancelled", "Timeout", "Unknown".
std::string_view LogsQueryStatusName(LogsQueryStatus status);

// One result row: field name -> value, as GetQueryResults returned them (values are strings;
// "@ptr" is included for non-stats queries). A field the service sent without a value is
// absent; when a row repeats a field name, the first occurrence is kept.
using LogsRow = std::map<std::string, std::string>;

// GetQueryResults' statistics (doubles in the API). Missing, non-numeric, negative or
// non-finite values read as 0: they are informational and never fail a query.
struct LogsQueryStatistics {
  double records_matched = 0;
  double records_scanned = 0;
  double bytes_scanned = 0;
};

// A completed query.
struct LogsQueryResult {
  std::string query_id;
  std::vector<LogsRow> rows;       // every page's rows, in the order the service sent them
  LogsQueryStatistics statistics;  // from the last response
  int polls = 0;  // GetQueryResults attempts for this query (pages and retries included)
};

// What a run cost, for the cycle's report and cost logging. RunQueries() adds to it, so one
// LogsRunStats can sum several runs.
struct LogsRunStats {
  int start_query_calls = 0;        // HTTP requests, retries included
  int get_query_results_calls = 0;  // HTTP requests, paging included
  int stop_query_calls = 0;         // HTTP requests
  int throttled = 0;                // responses that meant "slow down" (LimitExceededException,
                      // ThrottlingException, HTTP 429, ...), each waited out and retried
  // Sum over the run's queries of the last bytesScanned GetQueryResults reported for each,
  // including queries that failed, timed out or were stopped: those are billed too.
  double bytes_scanned = 0;
  int max_in_flight = 0;  // most queries started and not yet finished at any one time
};

struct LogsInsightsOptions {
  std::string endpoint;  // "https://logs.eu-west-1.amazonaws.com" (aws::ResolveEndpoint with
                         // "CLOUDWATCH_LOGS", "logs") or a loopback override; requests go to
                         // "<endpoint>/"
  std::string region;    // signing region, required

  // Queries started and not yet finished (terminal status seen, or StopQuery sent), per
  // RunQueries() call. Keep it well under the account's quota, which dashboards share.
  // Default: 5. Values < 1 mean 1.
  int max_concurrent_queries = 5;

  // Polling cadence per query: the first GetQueryResults comes first_poll_delay after
  // StartQuery answered; each further one waits the previous delay times poll_backoff_factor,
  // capped at max_poll_delay. Defaults 1 s, x1.5, 5 s: polls at about 1, 2.5, 4.75, 8.1, 13.1,
  // 18.1 s, ... after the start. Sanitised: first_poll_delay >= 1 ms, factor >= 1,
  // max_poll_delay >= first_poll_delay; every wait here and in start_backoff <= 30 days.
  Millis first_poll_delay{1000};
  double poll_backoff_factor = 1.5;
  Millis max_poll_delay{5000};

  // Waiting after a StartQuery that was throttled (LimitExceededException: the concurrent-query
  // quota is full; ThrottlingException: too many requests) or failed transiently: retry n
  // (0-based) waits a uniform random time in [c/2, c] with c = min(cap, base * 2^n) ("equal
  // jitter", so it never spins). While waiting, in-flight queries keep being polled, and no
  // other query is started. Throttling is retried until the deadline; transient failures
  // (5xx, transport) up to max_attempts times per query.
  BackoffPolicy start_backoff{Millis(1000), Millis(10000)};

  // Attempts per query for transient failures (HTTP 5xx, ServiceUnavailableException,
  // transport errors) of StartQuery, and consecutive ones of GetQueryResults, before the query
  // fails. Values < 1 mean 1. Throttling does not count here.
  int max_attempts = 4;

  Millis timeout{20000};            // per HTTP request; never more than the time left, but >= 1 s
  Millis stop_query_timeout{3000};  // per StopQuery request, sent after the deadline passed
  int max_result_pages = 10;        // nextToken pages followed for a Complete query (Internal error
                                    // beyond); values < 1 mean 1
};

// How long RunQueries() may take, and how to interrupt it.
struct LogsRunControl {
  // Overall deadline for the whole call, measured on clock.Monotonic() from the call's start.
  // When it passes, every in-flight query is stopped (StopQuery) and fails with
  // DeadlineExceeded, as does every query not yet started. The call then returns within about
  // (in-flight queries x stop_query_timeout). A timeout <= 0 fails everything at once without
  // a request. At most 30 days (longer is cut to that).
  Millis timeout{60000};
  // Optional. Asked before every request and after every wait; when it returns true the run
  // ends like a deadline (StopQuery for in-flight queries, DeadlineExceeded for all unfinished,
  // "stop requested" in the message). A stop is noticed within one wait, at most
  // max(max_poll_delay, start_backoff.cap).
  std::function<bool()> should_stop;
  // The cycle's own deadline (clock.Monotonic()), when it comes before start + timeout: the run
  // then ends there in the same way, "the cycle's deadline passed" in the message.
  MonotonicTime cycle_deadline = MonotonicTime::max();
};

class LogsInsightsClient {
 public:
  virtual ~LogsInsightsClient() = default;

  // Runs every query to completion, with at most options.max_concurrent_queries in flight, and
  // returns one Result per query, in the order of `queries`. One query's failure never fails
  // another. A single thread does everything: it starts queries in order while there is room,
  // polls each in-flight query at its own next-poll time, and sleeps on `clock` until the
  // earliest thing due.
  //
  // Per query:
  //   StartQuery -> GetQueryResults (first after first_poll_delay, then with backoff) while the
  //   status is Scheduled or Running (partial results are ignored) -> on Complete, the rows,
  //   following nextToken pages at once; any other status ends the query with an error.
  // Whenever a started query is abandoned before a terminal status (deadline, stop, a
  // GetQueryResults error that is not retried), StopQuery is sent for it once, best effort, so
  // it stops scanning (and costing). A StartQuery that failed in transport may still have
  // started a query we never learn the id of; it ends by itself (60 minutes at most).
  //
  // Errors (each names the query: Logs Insights query "api-response-time" (id 1a2b...): ...):
  //   InvalidArgument   the query is invalid (ValidateLogsQuery: no log groups, too many, a bad
  //                     name or ARN, an empty window, a query string too long, a bad limit),
  //                     or the service rejected it (HTTP 4xx: MalformedQueryException,
  //                     InvalidParameterException, ResourceNotFoundException); no retry
  //   PermissionDenied  credentials or signature rejected
  //   Unavailable       status Failed, Cancelled or Unknown ("...: status Failed"); or still
  //                     5xx / transport failures after max_attempts
  //   DeadlineExceeded  status Timeout (the service's 60-minute limit); or our deadline passed
  //                     or a stop was requested before the query finished (the message says
  //                     which, the last status seen, and whether StopQuery was sent)
  //   ResourceExhausted never: throttling is waited out until the deadline, which then gives
  //                     DeadlineExceeded naming the last throttling error
  //   Internal          a response we cannot make sense of (not JSON, wrong types, an unknown
  //                     status, no queryId, more than max_result_pages pages)
  //   anything the CredentialsProvider returned
  // `stats` may be nullptr; otherwise the run's cost is added to it, also when queries fail.
  virtual std::vector<Result<LogsQueryResult>> RunQueries(const std::vector<LogsQuery>& queries,
                                                          const LogsRunControl& control,
                                                          LogsRunStats* stats) = 0;

  // RunQueries() with one query.
  Result<LogsQueryResult> RunQuery(const LogsQuery& query, const LogsRunControl& control,
                                   LogsRunStats* stats);
};

// `http`, `credentials` and `clock` must outlive the client. `random` feeds the StartQuery
// backoff jitter.
std::unique_ptr<LogsInsightsClient> NewLogsInsightsClient(http::HttpClient& http,
                                                          CredentialsProvider& credentials,
                                                          Clock& clock, UniformRandom random,
                                                          LogsInsightsOptions options);

// ---- Validation (pure; RunQueries applies it, check-config may too) ----

// The log group list alone: 1..50 entries; a name is 1..512 characters of [A-Za-z0-9._/#-];
// an entry starting with "arn:" must read arn:<partition>:logs:<region>:<account>:log-group:
// <name>, at most 2048 characters of [A-Za-z0-9_#+=/:,.@-], and must not end in '*'.
// Errors: InvalidArgument naming the entry (as "log_groups[2]").
Status ValidateLogGroups(const std::vector<std::string>& log_groups);

// ValidateLogGroups, plus: a non-empty query string of at most kMaxQueryStringLength bytes, a
// non-empty window with start >= 0 (the epoch), limit 0 or 1..kMaxQueryLimit.
// Errors: InvalidArgument, not prefixed with the query's name.
Status ValidateLogsQuery(const LogsQuery& query);

// ---- Rows -> points (pure) ----

struct LogsPointsSpec {
  std::string value_field;  // the column holding the number, e.g. "p99"; required
  // The column holding each row's bucket start: the bin(...) column, in Logs Insights' UTC
  // "YYYY-MM-DD HH:MM:SS.mmm" form (ISO 8601 with 'T'/'Z' also read). Empty: the query has no
  // bin(), returns at most one row, and that row is the window's only bucket.
  std::string time_field;
  Seconds period{60};  // > 0
  TimeWindow window;   // non-empty, start and end multiples of period (from the Unix epoch)
};

struct LogsPoints {
  std::map<SystemTime, double> values;  // bucket start -> value, inside the window
  // Rows skipped as "no data", never as errors:
  int rows_without_value = 0;   // value_field absent, or empty / only spaces
  int rows_outside_window = 0;  // bucket start before window.start or at/after window.end
};

// Maps `rows` to one value per bucket start. What each kind of row does:
//   value_field absent or blank            skipped, counted in rows_without_value
//   bucket outside the window              skipped, counted in rows_outside_window (its value
//                                          is not looked at)
//   value not a finite decimal number      error (e.g. "abc", "NaN", "inf", "1e999", "0x1F",
//                                          "12 ms"; spaces around the number are allowed)
//   time_field absent, or not a timestamp  error
//   time not a multiple of the period      error (the query's bin() does not match the period)
//   two rows for the same bucket           error (the query groups by more than bin())
//   without time_field: more than one row  error; one row with a window longer than one
//                                          period is an error too (which bucket is it?)
// Errors: InvalidArgument naming the row (rows[3]), the field and a short snippet of the
// offending value (hostile values are cut and escaped, never echoed whole); the spec itself
// (empty value_field, period <= 0, an empty or misaligned window) is checked first.
Result<LogsPoints> LogsRowsToPoints(const std::vector<LogsRow>& rows, const LogsPointsSpec& spec);

// ---- bin() validation for check-config (pure) ----

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

// check-config's test of a query against its period and time_field:
//   - a bin() whose length differs from `period`: "bins by 1m (bin(1m)) but the period is 5m";
//   - a bin() with an empty time_field: asks for time_field = the bin column (QueryBin::column);
//   - a bin() whose column is not time_field (for a column without alias, whitespace inside
//     the call is ignored when comparing);
//   - no bin() but a time_field (which then names no time column).
// OK when there is no bin() and no time_field (single-row queries), or when everything matches.
// Errors: InvalidArgument, and FindQueryBin's errors.
Status CheckQueryBin(std::string_view query_string, Seconds period, std::string_view time_field);

}  // namespace statusbridge::aws
