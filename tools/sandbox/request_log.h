#pragma once

// What the sandbox remembers about the traffic it served: one RequestRecord per request received,
// the counters of GET /_sandbox/stats, and the human-readable log lines on stderr and --log.
//
// Records never hold credentials: the path is logged without its query string (which may carry
// ?api_key=), and no header other than X-Amz-Target is kept.
//
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace statusbridge::sandbox {

struct RequestRecord {
  int64_t t_ms = 0;  // when the request was received, epoch milliseconds (real time)
  std::string api;   // "cloudwatch", "logs", "statuspage", "control", or "other"
  std::string method;
  std::string path;               // without the query string
  std::string target;             // X-Amz-Target, empty if none
  int status = 0;                 // response status; 0 when the connection was dropped
  std::optional<int64_t> points;  // Statuspage data posts: points in the request body
  std::optional<int> queries;     // GetMetricData: MetricDataQueries in the request
  bool fault = false;             // an injected fault answered (or delayed) this request
};

// The counters of GET /_sandbox/stats.
struct SandboxStats {
  std::atomic<int64_t> cloudwatch_requests{0};       // every request to POST /
  std::atomic<int64_t> getmetricdata_calls{0};       // authenticated GetMetricData, valid or not
  std::atomic<int64_t> statuspage_requests{0};       // every request under /v1
  std::atomic<int64_t> statuspage_data_requests{0};  // POSTs that reached a data endpoint
  std::atomic<int64_t> points_received{0};           // points in accepted data requests
  std::atomic<int64_t> points_stored{0};             // of those, written to a slot
  std::atomic<int64_t> rate_limited{0};              // Statuspage requests answered 420
  std::atomic<int64_t> auth_failures{0};             // Statuspage 401 + CloudWatch 403
  std::atomic<int64_t> dropped_too_old{0};           // points older than 28 days
  std::atomic<int64_t> dropped_future{0};            // points more than 5 minutes ahead
  std::atomic<int64_t> faults_injected{0};           // requests a fault was applied to
  std::atomic<int64_t> logs_requests{0};             // every CloudWatch Logs request to POST /
  std::atomic<int64_t> logs_start_query_calls{0};    // authenticated StartQuery, valid or not
  std::atomic<int64_t> logs_get_query_results_calls{0};
  std::atomic<int64_t> logs_stop_query_calls{0};
  std::atomic<int64_t> logs_describe_queries_calls{0};
  std::atomic<int64_t> logs_bytes_scanned{0};  // bytesScanned of started queries (logs_service.h)

  void Reset();
  nlohmann::json ToJson() const;
};

class RequestLog {
 public:
  // Lines go to stderr unless `quiet`, and are appended to `log_path` unless it is empty.
  // Keeps at most `max_records` records in memory (the oldest are forgotten first).
  RequestLog(bool quiet, const std::string& log_path, size_t max_records = 100000);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // False when --log could not be opened.
  bool ok() const { return log_path_.empty() || file_ != nullptr; }

  // Writes the record's log line; keeps the record for Snapshot() when `keep`. Callers add a
  // record before the client can see the response, so a client that has its answer finds it.
  void Add(const RequestRecord& record, bool keep);

  // The kept records in arrival order (by t_ms) as a JSON array; only those of `api` when it is
  // not empty.
  nlohmann::json Snapshot(const std::string& api) const;

  void Clear();

  // "2026-11-24T00:05:00.123Z statuspage POST /v1/pages/p/metrics/data target=- status=202
  // points=120 queries=-"
  static std::string FormatLine(const RequestRecord& record);

 private:
  const bool quiet_;
  const std::string log_path_;
  const size_t max_records_;
  std::FILE* file_ = nullptr;
  mutable std::mutex mu_;
  std::deque<RequestRecord> records_;
};

// Real wall-clock time in epoch milliseconds, for RequestRecord::t_ms.
int64_t WallMillis();

}  // namespace statusbridge::sandbox
