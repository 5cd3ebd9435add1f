// Saturating time arithmetic (core/time.h): absurd durations from outside never overflow.

#include <gtest/gtest.h>

#include <limits>

#include "core/time.h"

namespace statusbridge {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(SaturatingAddTest, SystemTimeAddsAndClamps) {
  const SystemTime t = FromUnixSeconds(1700000000);
  EXPECT_EQ(SaturatingAdd(t, Seconds(30)), FromUnixSeconds(1700000030));
  EXPECT_EQ(SaturatingAdd(t, Seconds(-30)), FromUnixSeconds(1699999970));
  EXPECT_EQ(ToUnixSeconds(SaturatingAdd(t, Seconds(kMax))), kMax);
  EXPECT_EQ(ToUnixSeconds(SaturatingAdd(FromUnixSeconds(-5), Seconds(kMin))), kMin);
  EXPECT_EQ(ToUnixSeconds(SaturatingAdd(FromUnixSeconds(kMax), Seconds(1))), kMax);
}

TEST(SaturatingAddTest, MonotonicTimeAddsMillisWithoutOverflowingNanoseconds) {
  const MonotonicTime t{std::chrono::seconds(1000)};
  EXPECT_EQ(SaturatingAdd(t, Millis(1500)), t + Millis(1500));
  EXPECT_EQ(SaturatingAdd(t, Millis(-1500)), t - Millis(1500));
  // 9223372036854775 s (a Retry-After seen in the wild) in ms overflows nanoseconds 1000-fold.
  const MonotonicTime far = SaturatingAdd(t, Millis(9223372036854775000));
  EXPECT_EQ(far, MonotonicTime::max());
  EXPECT_GT(far, t);
  EXPECT_EQ(SaturatingAdd(t, Millis(kMin)), MonotonicTime::min());
  EXPECT_EQ(SaturatingAdd(MonotonicTime::max(), Millis(1)), MonotonicTime::max());
}

TEST(SaturatingDiffTest, DiffsClamp) {
  EXPECT_EQ(SaturatingDiff(FromUnixSeconds(10), FromUnixSeconds(4)), Millis(6000));
  EXPECT_EQ(SaturatingDiff(FromUnixSeconds(4), FromUnixSeconds(10)), Millis(-6000));
  EXPECT_EQ(SaturatingDiff(FromUnixSeconds(kMax), FromUnixSeconds(0)), Millis(kMax));
  EXPECT_EQ(SaturatingDiff(FromUnixSeconds(kMin), FromUnixSeconds(kMax)), Millis(kMin));
  const MonotonicTime t{std::chrono::seconds(1000)};
  EXPECT_EQ(SaturatingDiff(t + Millis(250), t), Millis(250));
  EXPECT_EQ(SaturatingDiff(MonotonicTime::max(), MonotonicTime::min()),
            std::chrono::duration_cast<Millis>(MonotonicTime::duration::max()));
}

}  // namespace
}  // namespace statusbridge
