#include "pipeline/bucket_plan.h"

#include <algorithm>

#include "pipeline/config.h"

namespace statusbridge::pipeline {
namespace {

SystemTime AlignUp(SystemTime t, Seconds period) {
  SystemTime down = AlignDown(t, period);
  return down == t ? t : down + period;
}

}  // namespace

SystemTime LastSettledBucket(SystemTime now, Seconds period, Seconds delay) {
  // Settled: t + P + D <= now  <=>  t <= now - D - P; the largest aligned such t.
  return AlignDown(now - delay - period, period);
}

TimeWindow PlanBucketWindow(SystemTime now, const BucketWindowInputs& in) {
  const SystemTime last = LastSettledBucket(now, in.period, in.delay);
  const SystemTime end = last + in.period;
  // The oldest bucket we may touch: within backfill and within Statuspage's 28 days.
  const SystemTime oldest = AlignUp(now - std::min<Seconds>(in.backfill, kMaxBackfill), in.period);

  SystemTime start;
  if (!in.watermark.has_value()) {
    start = oldest;
  } else {
    // Saturating: a watermark read from a damaged state file may be anywhere in int64.
    SystemTime gap_start = SaturatingAdd(AlignDown(*in.watermark, in.period), in.period);
    SystemTime lookback_start = AlignUp(end - in.lookback, in.period);
    start = std::max(oldest, std::min(gap_start, lookback_start));
  }
  if (start > end) start = end;
  return TimeWindow{start, end};
}

}  // namespace statusbridge::pipeline
