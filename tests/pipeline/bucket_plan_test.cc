#include "pipeline/bucket_plan.h"

#include <gtest/gtest.h>

namespace statusbridge::pipeline {
namespace {

SystemTime T(int64_t s) { return FromUnixSeconds(s); }

// 1700000000 = 2023-11-14T22:13:20Z; 1699999980 is a minute boundary, 1699999800 a 5-minute one.
constexpr int64_t kNow = 1700000000;

TEST(LastSettledBucketTest, BucketSettlesOnlyAfterPeriodPlusDelay) {
  // Bucket [t, t+60) with delay 120 settles at t+180.
  EXPECT_EQ(LastSettledBucket(T(1700000100), Seconds(60), Seconds(120)), T(1699999920));
  EXPECT_EQ(LastSettledBucket(T(1700000099), Seconds(60), Seconds(120)), T(1699999860));
  // Exactly at t + P + D the bucket is settled.
  EXPECT_EQ(LastSettledBucket(T(1699999920 + 180), Seconds(60), Seconds(120)), T(1699999920));
  EXPECT_EQ(LastSettledBucket(T(1699999920 + 179), Seconds(60), Seconds(120)), T(1699999860));
  // Five-minute buckets, no delay.
  EXPECT_EQ(LastSettledBucket(T(1700000100), Seconds(300), Seconds(0)), T(1699999800));
}

TEST(PlanBucketWindowTest, FirstStartCoversBackfillUpToLastSettled) {
  BucketWindowInputs in{Seconds(60), Seconds(120), Seconds(600), Seconds(3600), std::nullopt};
  TimeWindow w = PlanBucketWindow(T(kNow), in);
  // Last settled: AlignDown(kNow - 180, 60) = 1699999800; end = +60.
  EXPECT_EQ(w.end, T(1699999860));
  // First bucket: AlignUp(kNow - 3600, 60) = 1699996440 (kNow-3600 = 1699996400).
  EXPECT_EQ(w.start, T(1699996440));
  EXPECT_EQ((w.end - w.start) % Seconds(60), Seconds(0));
}

TEST(PlanBucketWindowTest, WindowIsAlignedToPeriod) {
  for (int64_t p : {60, 300, 3600}) {
    for (int64_t now = kNow; now < kNow + 400; now += 37) {
      TimeWindow w = PlanBucketWindow(
          T(now), BucketWindowInputs{Seconds(p), Seconds(90), Seconds(600), Seconds(86400), {}});
      EXPECT_EQ(ToUnixSeconds(w.start) % p, 0);
      EXPECT_EQ(ToUnixSeconds(w.end) % p, 0);
      // Every bucket in the window is settled at `now`.
      EXPECT_LE(ToUnixSeconds(w.end) + 90, now);
    }
  }
}

TEST(PlanBucketWindowTest, BackfillIsCappedAtTwentyEightDays) {
  TimeWindow w = PlanBucketWindow(
      T(kNow), BucketWindowInputs{Seconds(60), Seconds(0), Seconds(0), Seconds(90 * 86400), {}});
  EXPECT_GE(w.start, T(kNow) - Seconds(28 * 86400));
  EXPECT_LT(w.start, T(kNow) - Seconds(28 * 86400) + Seconds(60));
}

TEST(PlanBucketWindowTest, WatermarkLimitsReadToGapAndLookback) {
  BucketWindowInputs in{Seconds(60), Seconds(120), Seconds(600), Seconds(86400), std::nullopt};
  const SystemTime end = T(1699999860);
  // Up to date: only the lookback window is re-read.
  in.watermark = T(1699999800);
  EXPECT_EQ(PlanBucketWindow(T(kNow), in), (TimeWindow{end - Seconds(600), end}));
  // Two hours behind: read from the bucket after the watermark.
  in.watermark = T(1699999800 - 7200);
  EXPECT_EQ(PlanBucketWindow(T(kNow), in), (TimeWindow{T(1699999860 - 7200), end}));
  // Further behind than backfill: capped.
  in.watermark = T(1699999800 - 7 * 86400);
  EXPECT_EQ(PlanBucketWindow(T(kNow), in).start, T(1699913640));
}

TEST(PlanBucketWindowTest, NothingSettledGivesEmptyWindow) {
  BucketWindowInputs in{Seconds(60), Seconds(120), Seconds(0), Seconds(0), std::nullopt};
  EXPECT_TRUE(PlanBucketWindow(T(kNow), in).empty());
  in.watermark = T(1699999800);  // already published the last settled bucket, no lookback
  EXPECT_TRUE(PlanBucketWindow(T(kNow), in).empty());
}

}  // namespace
}  // namespace statusbridge::pipeline
