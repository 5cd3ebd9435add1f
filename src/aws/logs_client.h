#pragma once

// Runs CloudWatch Logs Insights queries: the client interface and its factory. Callers speak
// LogsQuery, LogsRow and LogsQueryResult; JSON, signing and HTTP stay inside aws/. The pieces,
// usable separately:
//   logs_query.h    LogsQuery and its rules (ValidateLogsQuery, bin() parsing, check-config's
//                   CheckLogsBuckets): pure
//   logs_wire.h     the JSON 1.1 wire format: request bodies, the signed request, responses
//   logs_runner.h   the concurrency-capped runner: start, poll with backoff, stop at the
//                   deadline; options, run control and stats
// Rows become per-bucket values in pipeline/logs_points.h (LogsRowsToPoints).
//
// Thread-compatible: one caller at a time per client.

#include <memory>
#include <vector>

#include "aws/credentials.h"
#include "aws/logs_query.h"
#include "aws/logs_runner.h"
#include "aws/logs_wire.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/result.h"
#include "http/http_client.h"

namespace statusbridge::aws {

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

}  // namespace statusbridge::aws
