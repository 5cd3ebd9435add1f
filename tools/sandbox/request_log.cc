#include "request_log.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/time.h"

namespace statusbridge::sandbox {

void SandboxStats::Reset() {
  for (std::atomic<int64_t>* counter :
       {&cloudwatch_requests, &getmetricdata_calls, &statuspage_requests, &statuspage_data_requests,
        &points_received, &points_stored, &rate_limited, &auth_failures, &dropped_too_old,
        &dropped_future, &faults_injected, &logs_requests, &logs_start_query_calls,
        &logs_get_query_results_calls, &logs_stop_query_calls, &logs_describe_queries_calls,
        &logs_bytes_scanned}) {
    counter->store(0);
  }
}

nlohmann::json SandboxStats::ToJson() const {
  return {{"cloudwatch_requests", cloudwatch_requests.load()},
          {"getmetricdata_calls", getmetricdata_calls.load()},
          {"statuspage_requests", statuspage_requests.load()},
          {"statuspage_data_requests", statuspage_data_requests.load()},
          {"points_received", points_received.load()},
          {"points_stored", points_stored.load()},
          {"rate_limited", rate_limited.load()},
          {"auth_failures", auth_failures.load()},
          {"dropped_too_old", dropped_too_old.load()},
          {"dropped_future", dropped_future.load()},
          {"faults_injected", faults_injected.load()},
          {"logs_requests", logs_requests.load()},
          {"logs_start_query_calls", logs_start_query_calls.load()},
          {"logs_get_query_results_calls", logs_get_query_results_calls.load()},
          {"logs_stop_query_calls", logs_stop_query_calls.load()},
          {"logs_describe_queries_calls", logs_describe_queries_calls.load()},
          {"logs_bytes_scanned", logs_bytes_scanned.load()}};
}

int64_t WallMillis() {
  // The request log reports real receive times (for pacing checks) whatever Clock drives the
  // emulated services.
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RequestLog::RequestLog(bool quiet, const std::string& log_path, size_t max_records)
    : quiet_(quiet), log_path_(log_path), max_records_(max_records) {
  if (!log_path_.empty()) {
    file_ = std::fopen(log_path_.c_str(), "a");
  }
}

RequestLog::~RequestLog() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

std::string RequestLog::FormatLine(const RequestRecord& record) {
  int64_t seconds = record.t_ms / 1000;
  int64_t millis = record.t_ms % 1000;
  std::string iso = FormatIso8601(FromUnixSeconds(seconds));  // "...:05Z"
  char fraction[8];
  std::snprintf(fraction, sizeof(fraction), ".%03lldZ", static_cast<long long>(millis));
  iso.replace(iso.size() - 1, 1, fraction);
  std::string line = iso + " " + record.api + " " + record.method + " " + record.path +
                     " target=" + (record.target.empty() ? "-" : record.target) +
                     " status=" + std::to_string(record.status) +
                     " points=" + (record.points ? std::to_string(*record.points) : "-") +
                     " queries=" + (record.queries ? std::to_string(*record.queries) : "-");
  if (record.fault) {
    line += " fault=1";
  }
  return line;
}

void RequestLog::Add(const RequestRecord& record, bool keep) {
  std::string line = FormatLine(record) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (!quiet_) {
    std::fputs(line.c_str(), stderr);
  }
  if (file_ != nullptr) {
    std::fputs(line.c_str(), file_);
    std::fflush(file_);
  }
  if (keep) {
    records_.push_back(record);
    while (records_.size() > max_records_) {
      records_.pop_front();
    }
  }
}

nlohmann::json RequestLog::Snapshot(const std::string& api) const {
  std::vector<RequestRecord> records;
  {
    std::lock_guard<std::mutex> lock(mu_);
    records.assign(records_.begin(), records_.end());
  }
  // Records are added as requests finish; report them in arrival order.
  std::stable_sort(records.begin(), records.end(),
                   [](const RequestRecord& a, const RequestRecord& b) { return a.t_ms < b.t_ms; });
  nlohmann::json out = nlohmann::json::array();
  for (const RequestRecord& r : records) {
    if (!api.empty() && r.api != api) {
      continue;
    }
    nlohmann::json entry = {{"t_ms", r.t_ms},  {"api", r.api},       {"method", r.method},
                            {"path", r.path},  {"target", r.target}, {"status", r.status},
                            {"fault", r.fault}};
    entry["points"] = r.points ? nlohmann::json(*r.points) : nlohmann::json(nullptr);
    entry["queries"] = r.queries ? nlohmann::json(*r.queries) : nlohmann::json(nullptr);
    out.push_back(std::move(entry));
  }
  return out;
}

void RequestLog::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  records_.clear();
}

}  // namespace statusbridge::sandbox
