#pragma once

// The StateStore is statusbridge's durable memory, one SQLite file (WAL mode) at `state.path`:
//
//   outbox     points computed but not yet acknowledged by Statuspage. A point is written here
//              (and committed) before any request carries it, and deleted only after a 2xx
//              (accepted) or a permanent 4xx (rejected). At most one pending point per
//              (metric id, bucket): a newer value for the same bucket replaces the pending one.
//   published  the value Statuspage acknowledged per recent (metric id, bucket), so a cycle
//              re-reading its lookback window enqueues only buckets whose value changed.
//   watermark  per metric (by config name): the newest settled bucket already processed, and the
//              last value published (for no_data: hold). Gap repair starts after it.
//   meta       schema identity and version; migrated forward on open.
//
// A file that is not a statusbridge state DB, is corrupt, or has a newer schema is refused with
// a DataLoss/FailedPrecondition Status naming the file: never a crash, never a silent reset.
// ":memory:" gives a private in-memory store (tests); "" a private temporary file, deleted on
// close, whose pages spill to disk beyond the page cache (stateless mode: a large backfill does
// not have to fit in memory). The page cache is capped at kStatePageCacheKiB.
//
// Not thread-safe: one owner (the runner) calls it from one thread. The process-level lock that
// keeps a second daemon away is separate (cli/instance_lock.h).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::pipeline {

inline constexpr int kStateSchemaVersion = 1;
inline constexpr int kStatePageCacheKiB = 1024;

struct OutboxItem {
  int64_t id = 0;
  std::string metric_id;  // Statuspage metric id
  SystemTime bucket;
  double value = 0;
  int attempts = 0;
};

struct Watermark {
  SystemTime bucket;                 // newest bucket processed
  std::optional<double> last_value;  // last value published (no_data: hold)
};

struct PendingPoint {
  std::string metric_id;
  SystemTime bucket;
  double value = 0;
};

class StateStore {
 public:
  // Opens (creating if missing) the store at `path`.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const { return path_; }

  // For each point: if it differs from what was acknowledged for its bucket (or was never
  // acknowledged) and from what is already pending, puts it in the outbox. Also records the
  // metrics' new watermarks. All in one transaction: on error nothing was stored.
  // Returns how many points were enqueued.
  struct WatermarkUpdate {
    std::string metric_name;
    Watermark watermark;
  };
  Result<int> Enqueue(const std::vector<PendingPoint>& points,
                      const std::vector<WatermarkUpdate>& watermarks, SystemTime now);

  // The same for whole series, read in place (a cycle's points are not copied again).
  struct SeriesRef {
    const std::string& metric_id;
    const std::vector<statuspage::Point>& points;
  };
  Result<int> Enqueue(const std::vector<SeriesRef>& series,
                      const std::vector<WatermarkUpdate>& watermarks, SystemTime now);

  // Up to `max` pending points whose next attempt is due at `now`, oldest bucket first (so each
  // metric's points leave in time order, and a large backlog of one metric starves no other).
  Result<std::vector<OutboxItem>> Due(int max, SystemTime now);

  // Outcomes. Each runs in one transaction.
  Status Acknowledge(const std::vector<OutboxItem>& items,
                     SystemTime now);                   // 2xx: delete, remember
  Status Reject(const std::vector<OutboxItem>& items);  // permanent 4xx: delete
  Status Defer(const std::vector<OutboxItem>& items, SystemTime next_attempt);  // retry later

  // Moves every next attempt later than `latest` back to `latest` (a retry time stored by an older
  // version, a broken server or a clock that jumped). Returns how many points it moved.
  Result<int64_t> ClampDeferrals(SystemTime latest);

  // Number of points waiting in the outbox.
  Result<int64_t> PendingCount();
  // Earliest next_attempt among pending points (nullopt when the outbox is empty).
  Result<std::optional<SystemTime>> NextAttempt();

  Result<std::optional<Watermark>> GetWatermark(const std::string& metric_name);

  // Forgets acknowledged values for buckets older than `cutoff` (they are outside every lookback).
  Status PrunePublished(SystemTime cutoff);

  // The acknowledged value for one bucket (tests, diagnostics).
  Result<std::optional<double>> PublishedValue(const std::string& metric_id, SystemTime bucket);

  // The SQLite connection; defined in state_store.cc (public only so file-local helpers can
  // take it).
  struct Db;

 private:
  StateStore(std::string path, std::unique_ptr<Db> db);

  // Both Enqueue()s: `for_each` calls its argument with (metric id, bucket, value) per point.
  template <typename ForEach>
  Result<int> EnqueueEach(const ForEach& for_each, const std::vector<WatermarkUpdate>& watermarks,
                          SystemTime now);

  std::string path_;
  std::unique_ptr<Db> db_;
};

}  // namespace statusbridge::pipeline
