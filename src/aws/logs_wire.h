#pragma once

// CloudWatch Logs Insights' wire format: the AWS JSON 1.1 protocol (POST /, Content-Type
// application/x-amz-json-1.1, X-Amz-Target Logs_20140328.StartQuery | .GetQueryResults |
// .StopQuery, SigV4 service "logs"; ../shared/docs/research/aws.md §2). Builds the
// three requests' bodies and the signed request, and reads the two answers that carry data.
// Everything here is pure but LogsRequest(), which asks the credentials provider; JSON stays
// inside aws/. Thread-safe.
//
// Responses are read defensively: every shape problem is an Internal "<operation>: malformed
// response: ..." naming what was wrong, with server text cut and escaped (http::Snippet).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/logs_query.h"
#include "core/clock.h"
#include "core/result.h"
#include "http/http_client.h"

namespace statusbridge::aws {

// The largest Logs response body accepted: a GetQueryResults page of kMaxQueryLimit rows of a
// stats query is a few MB; the limit leaves room for wide rows.
inline constexpr size_t kMaxLogsResponseBytes = 64u << 20;

// The operations, as X-Amz-Target names them after "Logs_20140328.".
inline constexpr std::string_view kLogsStartQuery = "StartQuery";
inline constexpr std::string_view kLogsGetQueryResults = "GetQueryResults";
inline constexpr std::string_view kLogsStopQuery = "StopQuery";

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

// `POST <url>` of `body` for `operation` (one of kLogs*), with the JSON 1.1 headers, signed for
// service "logs" in `region` at clock.Now(), and answers capped at kMaxLogsResponseBytes.
// Errors: the credentials provider's and the signer's, prefixed with `operation`.
Result<http::HttpRequest> LogsRequest(CredentialsProvider& credentials, const Clock& clock,
                                      const std::string& region, std::string url,
                                      std::string_view operation, std::string body, Millis timeout);

// StartQuery's body: logGroupNames (or logGroupIdentifiers when any entry is an ARN),
// startTime = window.start, endTime = window.end - 1 (inclusive in the API), queryString, and
// limit when > 0. Does not validate (ValidateLogsQuery does).
// Errors: InvalidArgument "StartQuery: cannot encode the request: ..." for text that is not
// UTF-8.
Result<std::string> LogsStartQueryBody(const LogsQuery& query);

// GetQueryResults' or StopQuery's body (`operation`): {"queryId": ...}, plus "nextToken" when
// paging. Errors: as LogsStartQueryBody.
Result<std::string> LogsQueryIdBody(const std::string& query_id,
                                    const std::optional<std::string>& next_token,
                                    std::string_view operation);

// StartQuery's answer: its queryId, a string of 1..256 characters. Errors: Internal.
Result<std::string> ParseLogsQueryId(std::string_view body);

// One GetQueryResults answer.
struct LogsResultsPage {
  LogsQueryStatus status = LogsQueryStatus::kUnknown;
  LogsQueryStatistics statistics;
  std::vector<LogsRow> rows;              // only read when status is Complete
  std::optional<std::string> next_token;  // only read when Complete; an empty one is none
};

// Reads a GetQueryResults answer: a known status is required; statistics as
// LogsQueryStatistics says; for a Complete query, results (an array of rows, each an array of
// {"field", "value"} objects of strings) and nextToken. Partial results of a running query are
// not read. Errors: Internal.
Result<LogsResultsPage> ParseLogsResultsPage(std::string_view body);

}  // namespace statusbridge::aws
