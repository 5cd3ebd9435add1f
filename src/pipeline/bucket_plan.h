#pragma once

// The bucket model (DESIGN.md §2), as pure functions of `now`.
//
// A metric with period P and delay D has buckets [t, t+P) with t a multiple of P (from the Unix
// epoch, as CloudWatch aligns them). Bucket t is settled when now >= t + P + D; only settled
// buckets are ever published, and each is stamped with its start t.

#include <optional>

#include "core/time.h"

namespace statusbridge::pipeline {

// Start of the newest settled bucket at `now`.
SystemTime LastSettledBucket(SystemTime now, Seconds period, Seconds delay);

struct BucketWindowInputs {
  Seconds period{60};
  Seconds delay{120};
  Seconds lookback{600};
  Seconds backfill{86400};
  // Start of the newest bucket already published (the durable watermark), if known.
  std::optional<SystemTime> watermark;
};

// The buckets to read this cycle, as the half-open window [first bucket, last settled + P):
//  - without a watermark (first start, or no state): every settled bucket from now - backfill;
//  - with one: the buckets after the watermark (gap repair, capped at now - backfill) together
//    with the settled buckets inside `lookback` (re-read for late data).
// Never reaches further back than Statuspage's 28 days. Empty when nothing is settled yet in range.
TimeWindow PlanBucketWindow(SystemTime now, const BucketWindowInputs& in);

}  // namespace statusbridge::pipeline
