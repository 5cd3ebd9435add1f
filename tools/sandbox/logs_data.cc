#include "logs_data.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>

#include "traffic.h"

namespace statusbridge::sandbox {
namespace {

// Generated ids: (minute index << 20) | event index. Put ids start above every generated one.
constexpr uint64_t kFirstPutId = uint64_t{1} << 62;

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A splitmix64 stream for one (seed, minute): the logs' own, so the metric streams never move.
class Stream {
 public:
  Stream(uint64_t seed, int64_t minute_start)
      : state_(Mix(seed ^ 0x6c6f67735f763031ULL) ^ Mix(static_cast<uint64_t>(minute_start))) {}

  uint64_t Next() { return Mix(state_ += 0x9e3779b97f4a7c15ULL); }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  size_t Below(size_t n) { return static_cast<size_t>(Uniform() * static_cast<double>(n)); }

 private:
  uint64_t state_;
};

constexpr const char* kTasks[] = {"3f9c0b7e21d84a55", "a41d6e0c9b2f4731", "c7e5a2f8d0194b6e"};
constexpr int kServerErrors[] = {500, 502, 503, 504};

struct Route {
  const char* method;
  const char* path;
  int weight;
  bool with_id;
};
constexpr Route kRoutes[] = {
    {"GET", "/api/orders", 30, false},  {"GET", "/api/orders/", 20, true},
    {"POST", "/api/orders", 10, false}, {"GET", "/api/products", 25, false},
    {"GET", "/api/search", 10, false},  {"GET", "/api/users/me", 5, false}};

const Route& PickRoute(Stream& stream) {
  int total = 0;
  for (const Route& r : kRoutes) total += r.weight;
  int pick = static_cast<int>(stream.Below(static_cast<size_t>(total)));
  for (const Route& r : kRoutes) {
    if (pick < r.weight) return r;
    pick -= r.weight;
  }
  return kRoutes[0];
}

}  // namespace

std::vector<LogEvent> GeneratedLogMinute(uint64_t seed, int64_t minute_start, TrafficShape shape) {
  std::vector<LogEvent> events;
  std::optional<StatSet> requests = GeneratedMinute(seed, kRequestCount, minute_start, shape);
  std::optional<StatSet> latency = GeneratedMinute(seed, kTargetResponseTime, minute_start, shape);
  if (!requests || !latency) {
    return events;
  }
  std::optional<StatSet> errors_set = GeneratedMinute(seed, kTarget5xxCount, minute_start, shape);
  const size_t n = static_cast<size_t>(std::llround(requests->sum));
  const size_t errors =
      std::min(n, errors_set ? static_cast<size_t>(std::llround(errors_set->sum)) : size_t{0});
  const double mean_ms = latency->sum / latency->sample_count * 1000.0;
  const double min_ms = latency->minimum * 1000.0;
  const double max_ms = latency->maximum * 1000.0;

  Stream stream(seed, minute_start);
  std::vector<int64_t> offsets(n);
  for (int64_t& offset : offsets) {
    offset = static_cast<int64_t>(stream.Below(60000));
  }
  std::sort(offsets.begin(), offsets.end());
  // Exactly `errors` events fail: the first `errors` positions of a partial shuffle.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::vector<bool> failed(n, false);
  for (size_t k = 0; k < errors; ++k) {
    std::swap(order[k], order[k + stream.Below(n - k)]);
    failed[order[k]] = true;
  }

  events.reserve(n);
  const uint64_t minute_index = static_cast<uint64_t>(minute_start / 60);
  for (size_t i = 0; i < n; ++i) {
    const Route& route = PickRoute(stream);
    std::string path = route.path;
    if (route.with_id) {
      path += std::to_string(1000 + stream.Below(9000));
    }
    int status = failed[i] ? kServerErrors[stream.Below(4)] : 200;
    double draw = min_ms + (mean_ms - min_ms) * -std::log1p(-stream.Uniform());
    int64_t elapsed = std::max<int64_t>(1, std::llround(std::min(draw, max_ms)));
    LogEvent event;
    event.timestamp_ms = minute_start * 1000 + offsets[i];
    event.ingestion_ms = (minute_start + 60) * 1000;
    event.log_stream = std::string("web/demo-api/") + kTasks[stream.Below(3)];
    event.message = std::string("{\"level\":\"") + (failed[i] ? "error" : "info") +
                    "\",\"method\":\"" + route.method + "\",\"path\":\"" + path +
                    "\",\"status\":" + std::to_string(status) +
                    ",\"elapsed\":" + std::to_string(elapsed) + "}";
    event.id = (minute_index << 20) | i;
    events.push_back(std::move(event));
  }
  return events;
}

void LogsData::Put(const std::string& group, const std::string& stream,
                   const std::vector<PutEvent>& events, int64_t ingestion_ms) {
  std::unique_lock lock(mu_);
  auto& group_events = puts_[group];
  for (const PutEvent& put : events) {
    LogEvent event;
    event.timestamp_ms = put.timestamp_ms;
    event.ingestion_ms = ingestion_ms;
    event.log_stream = stream;
    event.message = put.message;
    event.id = kFirstPutId + next_put_id_++;
    group_events.emplace(put.timestamp_ms, std::move(event));
  }
}

bool LogsData::HasGroup(const std::string& group) const {
  if (group == kDemoLogGroup) {
    return true;
  }
  std::shared_lock lock(mu_);
  return puts_.count(group) > 0;
}

void LogsData::ClearPuts() {
  std::unique_lock lock(mu_);
  puts_.clear();
}

uint64_t LogsData::PutMark() const {
  std::shared_lock lock(mu_);
  return kFirstPutId + next_put_id_ - 1;  // the id of the last event put
}

void LogsData::Scan(const LogsScan& scan,
                    const std::function<void(const LogEvent&, size_t)>& visit) const {
  if (scan.end_ms < scan.start_ms) {
    return;
  }
  auto stopped = [&scan] {
    return scan.stop != nullptr && scan.stop->load(std::memory_order_relaxed);
  };
  auto floor_minute = [](int64_t ms) {
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    return s - ((s % 60) + 60) % 60;
  };
  const int64_t visible_before = ToUnixSeconds(scan.now) - 60 - ingest_lag_.count();
  const int64_t last_visible_minute = floor_minute(visible_before * 1000);
  std::optional<size_t> demo;  // index of the generated group in scan.groups
  for (size_t g = 0; g < scan.groups.size(); ++g) {
    if (scan.groups[g] == kDemoLogGroup) {
      demo = g;
      break;
    }
  }

  struct Item {
    const LogEvent* event;
    size_t group;
  };
  std::vector<LogEvent> generated;
  std::vector<std::pair<LogEvent, size_t>> put;  // copies, so visits run without the lock
  std::vector<Item> chunk;
  const int64_t first_minute = floor_minute(scan.start_ms);
  std::optional<int64_t> minute = floor_minute(scan.end_ms);
  while (minute && *minute >= first_minute && !stopped()) {
    const int64_t lo = std::max(scan.start_ms, *minute * 1000);
    const int64_t hi = std::min(scan.end_ms, *minute * 1000 + 59999);
    generated.clear();
    put.clear();
    chunk.clear();
    // The next (older) minute that may hold events.
    std::optional<int64_t> next;
    if (demo) {
      if (*minute <= visible_before) {
        generated = GeneratedLogMinute(seed_, *minute, shape_);
      }
      next = std::min(*minute - 60, last_visible_minute);
    }
    {
      std::shared_lock lock(mu_);
      for (size_t g = 0; g < scan.groups.size(); ++g) {
        auto found = puts_.find(scan.groups[g]);
        if (found == puts_.end()) {
          continue;
        }
        const auto& events = found->second;
        for (auto it = events.lower_bound(lo); it != events.end() && it->first <= hi; ++it) {
          if (it->second.id <= scan.put_mark) {
            put.emplace_back(it->second, g);
          }
        }
        // This group's newest visible event before this minute.
        for (auto it = events.lower_bound(*minute * 1000); it != events.begin();) {
          --it;
          if (it->second.id <= scan.put_mark) {
            next = std::max(next.value_or(INT64_MIN), floor_minute(it->first));
            break;
          }
        }
      }
    }
    if (demo) {
      for (const LogEvent& event : generated) {
        if (event.timestamp_ms >= lo && event.timestamp_ms <= hi) {
          chunk.push_back({&event, *demo});
        }
      }
    }
    for (const auto& [event, group] : put) {
      chunk.push_back({&event, group});
    }
    std::sort(chunk.begin(), chunk.end(), [](const Item& a, const Item& b) {
      if (a.event->timestamp_ms != b.event->timestamp_ms) {
        return a.event->timestamp_ms > b.event->timestamp_ms;
      }
      if (a.group != b.group) {
        return a.group < b.group;
      }
      return a.event->id > b.event->id;
    });
    for (const Item& item : chunk) {
      if (stopped()) {
        return;
      }
      visit(*item.event, item.group);
    }
    minute = next;
  }
}

}  // namespace statusbridge::sandbox
