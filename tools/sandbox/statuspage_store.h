#pragma once

// The sandbox's Statuspage metric storage, with the rules the real service documents
// (../shared/docs/research/statuspage.md §3.3):
//  - each point is cast to its nearest 30 s slot, CastToSlot(ts) = (ts + 15) / 30 * 30, and the
//    last write to a (metric, slot) wins;
//  - points older than 28 days, or more than 5 minutes in the future, are not stored;
//  - metrics are created on first data, unless the store is strict: then only registered metrics
//    accept data and a write naming another metric stores nothing.
//
// Thread-safe: every call takes the store's lock once, so a bulk write is atomic.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace statusbridge::sandbox {

inline constexpr int64_t kMaxPointAgeSeconds = 28 * 86400;
inline constexpr int64_t kMaxPointLeadSeconds = 5 * 60;

// (ts + 15) / 30 * 30 with floor division.
int64_t CastToSlot(int64_t timestamp);

struct PointWrite {
  std::string metric_id;
  int64_t timestamp = 0;  // as sent
  double value = 0;
};

enum class PointOutcome { kStored, kTooOld, kFuture };

struct WriteResult {
  int64_t slot = 0;  // the casted timestamp
  PointOutcome outcome = PointOutcome::kStored;
};

struct MetricInfo {
  std::string id;
  SystemTime created_at;
  SystemTime updated_at;
  std::optional<SystemTime> most_recent_data_at;  // the latest stored slot
};

struct StoredPoint {
  int64_t timestamp = 0;  // slot
  double value = 0;
};

class StatuspageStore {
 public:
  explicit StatuspageStore(bool strict_metrics) : strict_(strict_metrics) {}

  // Writes `writes` in order. In a strict store, when a write names an unregistered metric,
  // nothing is stored and that metric id is returned in `unknown_metric`.
  struct BulkResult {
    std::optional<std::string> unknown_metric;
    std::vector<WriteResult> results;  // one per write, when unknown_metric is empty
  };
  BulkResult Write(const std::vector<PointWrite>& writes, SystemTime now);

  // Creates the metrics that do not exist yet (with no data).
  void Register(const std::vector<std::string>& ids, SystemTime now);

  bool strict() const { return strict_; }
  std::optional<MetricInfo> Get(const std::string& id) const;
  std::vector<MetricInfo> List() const;  // in creation order

  // Stored points per metric, ascending by slot; only `metric_id` when set (an unknown id gives
  // an empty list under that id).
  std::map<std::string, std::vector<StoredPoint>> Points(
      const std::optional<std::string>& metric_id) const;

  // Forgets every metric and point.
  void Clear();

 private:
  struct Metric {
    MetricInfo info;
    std::map<int64_t, double> slots;
  };
  Metric& CreateLocked(const std::string& id, SystemTime now);

  const bool strict_;
  mutable std::mutex mu_;
  std::map<std::string, Metric> metrics_;
  std::vector<std::string> order_;  // creation order
};

}  // namespace statusbridge::sandbox
