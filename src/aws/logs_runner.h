#pragma once

// The concurrency-capped runner behind LogsInsightsClient::RunQueries(): starts Logs Insights
// queries while there is room, polls each from ~1 s with backoff, follows result pages, waits
// out throttling, and stops what still runs at the deadline or on a stop request. One thread
// does everything, sleeping on the injected Clock until the earliest thing due, so tests run it
// on a FakeClock. The wire format is logs_wire.h's; the query rules logs_query.h's.
//
// Cost and quota: Logs Insights bills bytes scanned (statistics.bytesScanned, reported in
// LogsRunStats), and an account has a small number of concurrent queries (30..100 depending on
// the docs' age) shared with dashboards and other tools. Requests-per-second limits (about 5 TPS
// per action) are not enforced here: wrap the HttpClient in an http::RateLimitedHttpClient.

#include <functional>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/logs_query.h"
#include "aws/logs_wire.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::aws {

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

// `options` with the bounds LogsInsightsOptions states applied (counts >= 1, delays clamped to
// 1 ms .. 30 days and ordered, a factor >= 1) and the endpoint's trailing '/' removed.
LogsInsightsOptions SanitisedLogsOptions(LogsInsightsOptions options);

// What a run uses; everything must outlive the call. `random` feeds the StartQuery backoff
// jitter (a value in [0, 1]).
struct LogsRunEnv {
  http::HttpClient& http;
  CredentialsProvider& credentials;
  Clock& clock;
  const UniformRandom& random;
};

// LogsInsightsClient::RunQueries() (logs_client.h states the contract per query and the errors)
// with `options` as SanitisedLogsOptions() returns them. `stats` may be nullptr; otherwise the
// run's cost is added to it.
std::vector<Result<LogsQueryResult>> RunLogsQueries(const LogsRunEnv& env,
                                                    const LogsInsightsOptions& options,
                                                    const std::vector<LogsQuery>& queries,
                                                    const LogsRunControl& control,
                                                    LogsRunStats* stats);

}  // namespace statusbridge::aws
