#include <gtest/gtest.h>

#include "core/backoff.h"
#include "core/token_bucket.h"
#include "fakes/fake_clock.h"

namespace statusbridge {
namespace {

TEST(BackoffTest, FullJitterWithinExponentialCeilingAndCap) {
  BackoffPolicy policy{Millis(100), Millis(1000)};
  auto one = [] { return 0.999999; };
  auto zero = [] { return 0.0; };
  EXPECT_EQ(BackoffDelay(policy, 0, one).count(), 99);
  EXPECT_EQ(BackoffDelay(policy, 1, one).count(), 199);
  EXPECT_EQ(BackoffDelay(policy, 3, one).count(), 799);
  EXPECT_EQ(BackoffDelay(policy, 4, one).count(), 999);   // capped
  EXPECT_EQ(BackoffDelay(policy, 60, one).count(), 999);  // no overflow
  EXPECT_EQ(BackoffDelay(policy, 5, zero).count(), 0);
}

TEST(TokenBucketTest, PacesAtRateAfterBurst) {
  testing::FakeClock clock;
  TokenBucket bucket(clock, /*rate_per_second=*/1.0, /*burst=*/1.0);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  EXPECT_EQ(bucket.TimeUntilAvailable().count(), 1000);
  clock.Advance(Millis(500));
  EXPECT_FALSE(bucket.TryAcquire());
  EXPECT_EQ(bucket.TimeUntilAvailable().count(), 500);
  clock.Advance(Millis(500));
  EXPECT_TRUE(bucket.TryAcquire());
}

TEST(TokenBucketTest, PauseForBlocksUntilElapsedThenRefills) {
  testing::FakeClock clock;
  TokenBucket bucket(clock, 2.0, 2.0);
  bucket.PauseFor(Millis(60000));
  EXPECT_FALSE(bucket.TryAcquire());
  EXPECT_EQ(bucket.TimeUntilAvailable().count(), 60000);
  clock.Advance(Millis(59999));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(Millis(1));
  EXPECT_FALSE(bucket.TryAcquire());  // paused time does not earn tokens
  clock.Advance(Millis(500));
  EXPECT_TRUE(bucket.TryAcquire());
}

}  // namespace
}  // namespace statusbridge
