#pragma once

// CloudWatch Logs Insights as the sandbox serves it: the JSON 1.1 bodies of StartQuery,
// GetQueryResults, StopQuery and DescribeQueries in, a JSON body or an AWS error out. HTTP and
// signing are the caller's (logs_emulator.h). Shapes follow ../shared/docs/research/aws.md §2.
//
// StartQuery validates synchronously (every failure 400):
//   body not a JSON object, a member of the wrong JSON type           SerializationException
//   not exactly one of logGroupName / logGroupNames / logGroupIdentifiers, more than 50 groups, a
//   name not 1..512 of [.-_/#A-Za-z0-9], an ARN that is malformed or ends in '*', startTime or
//   endTime missing, negative or after year 9999, endTime < startTime, queryString missing or
//   longer than 10,000, limit not 1..10,000, queryLanguage other than CWLI
//                                                                    InvalidParameterException
//   a group that does not exist (an ARN of another account, or of a
//   region other than `region` and `extra_regions`)                  ResourceNotFoundException
//   the query does not compile (logs_query.h)                        MalformedQueryException,
//                                                                    with queryCompileError
//   max_concurrent queries already Scheduled or Running              LimitExceededException
// and then answers {"queryId"} at once: the scan of the window runs in the background, on one of
// the service's `scan_threads` threads, as Logs Insights runs a query after StartQuery returns.
// startTime and endTime are inclusive epoch seconds (events with
// startTime*1000 <= timestamp <= endTime*1000 + 999). The scan sees the groups as they were when
// StartQuery arrived: generated minutes visible at the clock's Now() then, events put before it.
//
// A query's status, with L = query_latency and t the time since StartQuery on the clock's
// Monotonic():
//   Scheduled   while t < L/3, or while its scan waits for a scan thread;
//   Running     from then until both t >= L and its scan has finished;
//   Complete    from then on: every row (paged by maxItems/nextToken when maxItems is given);
//   Failed      its scan threw (no rows);
//   Cancelled   after StopQuery.
// So the clock sets the shortest time a query takes, and a real scan slower than that (a long
// window, a busy machine) keeps it Running longer; under a fake clock a query is Complete once
// the clock has advanced by L and its scan has finished in real time (WaitForScans()). L = 0:
// Complete as soon as the scan has finished.
// Until Complete, GetQueryResults returns no rows; its statistics are the clock's share of what
// the scan has counted so far (its totals once it finished), floored: 0 while t < L/3, growing
// linearly from L/3 to L, all of it from L on. StopQuery on a Scheduled/Running query answers
// {"success":true}, stops its scan (a queued one never starts; a running one stops within one
// event) and the query becomes Cancelled with the statistics it had reached; on any other
// status it answers InvalidParameterException; an unknown queryId is ResourceNotFoundException
// everywhere. The newest 500 queries are kept; older ones are forgotten
// (ResourceNotFoundException), never one that is Scheduled or Running.
//
// A query holds one of the max_concurrent slots while it is Scheduled or Running, and gives it
// back however its scan ends (finished, stopped, thrown) or when it is forgotten.
//
// Counters (SandboxStats): logs_start_query_calls, logs_get_query_results_calls,
// logs_stop_query_calls, logs_describe_queries_calls count every call that reached the service;
// logs_bytes_scanned adds a query's bytesScanned when its scan finishes, and a stopped query's
// bytesScanned as StopQuery left it.
//
// Thread-safe. The scan threads are owned by the service: its destructor stops every scan and
// joins them, so no thread outlives it.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "aws_error_reply.h"
#include "core/clock.h"
#include "core/time.h"
#include "logs_data.h"
#include "logs_query.h"
#include "request_log.h"

namespace statusbridge::sandbox {

struct LogsConfig {
  std::string region = "us-east-1";  // ARNs must name it or one of extra_regions
  std::vector<std::string> extra_regions;
  Millis query_latency{1500};  // >= 0
  int max_concurrent = 10;     // >= 1
  int scan_threads = 2;        // >= 1: scans that run at once; later queries wait Scheduled
};

struct LogsOutcome {
  std::optional<AwsErrorReply> error;           // set on failure; body is then empty
  std::optional<LogsQueryError> compile_error;  // with MalformedQueryException
  std::string body;                             // the JSON response
};

class LogsService {
 public:
  // The collaborators must outlive the service. Starts config.scan_threads threads.
  LogsService(LogsConfig config, const LogsSource& source, SandboxStats& stats, const Clock& clock);
  // Stops every scan and joins the scan threads.
  ~LogsService();
  LogsService(const LogsService&) = delete;
  LogsService& operator=(const LogsService&) = delete;

  LogsOutcome StartQuery(std::string_view body);
  LogsOutcome GetQueryResults(std::string_view body);
  LogsOutcome StopQuery(std::string_view body);
  LogsOutcome DescribeQueries(std::string_view body);

  // Forgets every query (the control API's reset) and stops their scans.
  void Clear();

  // Waits, in real time and at most `timeout`, until no scan is queued or running; true when none
  // is. For tests under a fake clock, whose queries complete only once their scans have.
  bool WaitForScans(Millis timeout);

 private:
  struct Query;
  enum class Phase { kScheduled, kRunning, kComplete, kFailed, kCancelled };
  struct Counts {
    int64_t matched = 0;
    int64_t scanned = 0;
    int64_t bytes = 0;
    bool groups_scanned = false;  // logGroupsScanned is the number of groups, else 0
  };

  // REQUIRES (all *Locked): mu_ held.
  Phase PhaseLocked(const Query& query, MonotonicTime now) const;
  // The statistics GetQueryResults shows at `now`.
  Counts StatisticsLocked(const Query& query, MonotonicTime now) const;
  // Queries Scheduled or Running at `now`.
  int InFlightLocked(MonotonicTime now) const;
  // Marks `query` stopped and takes it out of the scan queue.
  void StopLocked(Query& query);
  std::string NextQueryId();

  // A scan thread: takes queued queries until the service shuts down.
  void ScanLoop();
  // Scans `query`'s window; nullopt when it was stopped first. May throw.
  std::optional<LogsQueryOutput> Scan(Query& query);

  const LogsConfig config_;
  const LogsSource& source_;
  SandboxStats& stats_;
  const Clock& clock_;

  mutable std::mutex mu_;
  // State below is protected by mu_.
  std::map<std::string, std::shared_ptr<Query>> queries_;  // a scan thread shares its query
  std::deque<std::string> order_;                          // query ids, oldest first
  std::deque<std::shared_ptr<Query>> queued_;              // waiting for a scan thread
  int scanning_ = 0;                                       // scans running now
  bool shutting_down_ = false;
  uint64_t next_id_ = 0;
  std::condition_variable work_cv_;  // queued_ gained a query, or shutting_down_
  std::condition_variable idle_cv_;  // a scan ended or left the queue

  std::vector<std::thread> threads_;  // last: started once everything above exists
};

}  // namespace statusbridge::sandbox
