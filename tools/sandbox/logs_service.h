#pragma once

// CloudWatch Logs Insights as the sandbox serves it: the JSON 1.1 bodies of StartQuery,
// GetQueryResults, StopQuery and DescribeQueries in, a JSON body or an AWS error out. HTTP and
// signing are the caller's (logs_emulator.h). Shapes follow ../shared/docs/research/aws.md §2.
//
// StartQuery validates (every failure 400):
//   body not a JSON object, a member of the wrong JSON type           SerializationException
//   not exactly one of logGroupName / logGroupNames / logGroupIdentifiers, more than 50 groups, a
//   name not 1..512 of [.-_/#A-Za-z0-9], an ARN that is malformed or ends in '*', startTime or
//   endTime missing or negative, endTime < startTime, queryString missing or longer than 10,000,
//   limit not 1..10,000, queryLanguage other than CWLI               InvalidParameterException
//   a group that does not exist (an ARN of another account, or of a
//   region other than `region` and `extra_regions`)                  ResourceNotFoundException
//   the query does not compile (logs_query.h)                        MalformedQueryException,
//                                                                    with queryCompileError
//   max_concurrent queries already Scheduled or Running              LimitExceededException
// then scans the window at once (startTime and endTime are inclusive epoch seconds: events with
// startTime*1000 <= timestamp <= endTime*1000 + 999) and keeps the outcome. Events put later are
// not seen by the query.
//
// A query's status follows the clock (Monotonic()) from the moment StartQuery arrived, with
// L = query_latency: Scheduled for the first L/3, Running until L, then Complete (L = 0:
// Complete at once). Until Complete, GetQueryResults returns no rows and statistics that grow
// linearly over the Running phase; Complete returns every row (paged by maxItems/nextToken when
// maxItems is given). StopQuery on a Scheduled/Running query answers {"success":true} and the
// query becomes Cancelled with the statistics it had reached; on any other status it answers
// InvalidParameterException; an unknown queryId is ResourceNotFoundException everywhere.
// The newest 500 queries are kept; older ones are forgotten (ResourceNotFoundException).
//
// Counters (SandboxStats): logs_start_query_calls, logs_get_query_results_calls,
// logs_stop_query_calls, logs_describe_queries_calls count every call that reached the service;
// logs_bytes_scanned adds a started query's bytesScanned when it starts and takes back what a
// stopped query had not scanned yet.
//
// Thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
};

struct LogsOutcome {
  std::optional<AwsErrorReply> error;           // set on failure; body is then empty
  std::optional<LogsQueryError> compile_error;  // with MalformedQueryException
  std::string body;                             // the JSON response
};

class LogsService {
 public:
  // The collaborators must outlive the service.
  LogsService(LogsConfig config, const LogsData& data, SandboxStats& stats, const Clock& clock);
  ~LogsService();

  LogsOutcome StartQuery(std::string_view body);
  LogsOutcome GetQueryResults(std::string_view body);
  LogsOutcome StopQuery(std::string_view body);
  LogsOutcome DescribeQueries(std::string_view body);

  // Forgets every query (the control API's reset).
  void Clear();

 private:
  struct Query;
  enum class Phase { kScheduled, kRunning, kComplete, kCancelled };

  Phase PhaseAt(const Query& query, MonotonicTime now) const;
  // How much of the scan a query has done at `now`, 0..1.
  double ProgressAt(const Query& query, MonotonicTime now) const;
  // Queries Scheduled or Running at `now`, plus StartQuery calls still scanning.
  int InFlightLocked(MonotonicTime now) const;
  std::string NextQueryId();

  const LogsConfig config_;
  const LogsData& data_;
  SandboxStats& stats_;
  const Clock& clock_;

  mutable std::mutex mu_;
  // State below is protected by mu_.
  std::map<std::string, std::unique_ptr<Query>> queries_;
  std::deque<std::string> order_;  // query ids, oldest first
  int starting_ = 0;               // StartQuery calls between the limit check and insertion
  uint64_t next_id_ = 0;
};

}  // namespace statusbridge::sandbox
