#include "statuspage_store.h"

namespace statusbridge::sandbox {

int64_t CastToSlot(int64_t timestamp) {
  int64_t shifted = timestamp + 15;
  int64_t q = shifted / 30;
  if (shifted % 30 != 0 && shifted < 0) {
    --q;
  }
  return q * 30;
}

StatuspageStore::Metric& StatuspageStore::CreateLocked(const std::string& id, SystemTime now) {
  auto [it, inserted] = metrics_.try_emplace(id);
  if (inserted) {
    it->second.info.id = id;
    it->second.info.created_at = now;
    it->second.info.updated_at = now;
    order_.push_back(id);
  }
  return it->second;
}

StatuspageStore::BulkResult StatuspageStore::Write(const std::vector<PointWrite>& writes,
                                                   SystemTime now) {
  BulkResult result;
  const int64_t now_s = ToUnixSeconds(now);
  std::lock_guard<std::mutex> lock(mu_);
  if (strict_) {
    for (const PointWrite& write : writes) {
      if (metrics_.find(write.metric_id) == metrics_.end()) {
        result.unknown_metric = write.metric_id;
        return result;
      }
    }
  }
  result.results.reserve(writes.size());
  for (const PointWrite& write : writes) {
    WriteResult r{CastToSlot(write.timestamp), PointOutcome::kStored};
    if (write.timestamp < now_s - kMaxPointAgeSeconds) {
      r.outcome = PointOutcome::kTooOld;
    } else if (write.timestamp > now_s + kMaxPointLeadSeconds) {
      r.outcome = PointOutcome::kFuture;
    } else {
      Metric& metric = CreateLocked(write.metric_id, now);
      metric.slots[r.slot] = write.value;
      metric.info.updated_at = now;
      SystemTime slot_time = FromUnixSeconds(r.slot);
      if (!metric.info.most_recent_data_at || *metric.info.most_recent_data_at < slot_time) {
        metric.info.most_recent_data_at = slot_time;
      }
    }
    result.results.push_back(r);
  }
  return result;
}

void StatuspageStore::Register(const std::vector<std::string>& ids, SystemTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& id : ids) {
    CreateLocked(id, now);
  }
}

std::optional<MetricInfo> StatuspageStore::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = metrics_.find(id);
  if (it == metrics_.end()) {
    return std::nullopt;
  }
  return it->second.info;
}

std::vector<MetricInfo> StatuspageStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricInfo> out;
  out.reserve(order_.size());
  for (const std::string& id : order_) {
    out.push_back(metrics_.at(id).info);
  }
  return out;
}

std::map<std::string, std::vector<StoredPoint>> StatuspageStore::Points(
    const std::optional<std::string>& metric_id) const {
  std::map<std::string, std::vector<StoredPoint>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, metric] : metrics_) {
    if (metric_id && id != *metric_id) {
      continue;
    }
    std::vector<StoredPoint>& points = out[id];
    for (const auto& [slot, value] : metric.slots) {
      points.push_back(StoredPoint{slot, value});
    }
  }
  if (metric_id) {
    out.try_emplace(*metric_id);
  }
  return out;
}

void StatuspageStore::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  metrics_.clear();
  order_.clear();
}

}  // namespace statusbridge::sandbox
