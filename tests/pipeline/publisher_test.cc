#include "pipeline/publisher.h"

#include <gtest/gtest.h>

#include <deque>
#include <set>

#include "fakes/fake_clock.h"
#include "fakes/scripted_statuspage.h"
#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using statuspage::MetricPoints;
using statuspage::Outcome;
using statuspage::SubmitResult;

using testing::ScriptedStatuspage;

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = StateStore::Open(":memory:");
    ASSERT_OK(s);
    store_ = std::move(s).value();
  }

  void Fill(int metrics, int points_each) {
    std::vector<PendingPoint> points;
    for (int m = 0; m < metrics; ++m) {
      for (int i = 0; i < points_each; ++i) {
        points.push_back({"metric" + std::to_string(m), FromUnixSeconds(1700000040 + 60 * i),
                          double(m * 1000 + i)});
      }
    }
    ASSERT_OK(store_->Enqueue(points, {}, clock_.Now()));
  }

  Publisher Make(int max_points = 3000) {
    return Publisher(sp_, clock_, bucket_, half_,
                     PublisherOptions{max_points, {Millis(1000), Millis(60000)}});
  }
  MonotonicTime In(Millis d) { return clock_.Monotonic() + d; }

  testing::FakeClock clock_;
  TokenBucket bucket_{clock_, 1.0, 1.0};
  ScriptedStatuspage sp_{clock_, bucket_};
  UniformRandom half_ = [] { return 0.5; };
  std::unique_ptr<StateStore> store_;
};

TEST_F(PublisherTest, OneRequestCarriesEveryMetricWhenItFits) {
  Fill(1000, 1);
  PublishReport r;
  ASSERT_OK(Make().Drain(*store_, In(Millis(600000)), true, &r));
  EXPECT_EQ(sp_.calls.size(), 1u);
  EXPECT_EQ(sp_.calls[0].size(), 1000u);
  EXPECT_EQ(r.points_accepted, 1000);
  EXPECT_EQ(r.points_pending, 0);
  EXPECT_EQ(*store_->PublishedValue("metric7", FromUnixSeconds(1700000040)), 7000.0);
}

TEST_F(PublisherTest, LargeBacklogIsChunkedAndPacedAtTheKeysRate) {
  Fill(7, 1000);
  PublishReport r;
  ASSERT_OK(Make(2500).Drain(*store_, In(Millis(600000)), true, &r));
  ASSERT_EQ(sp_.calls.size(), 3u);
  for (size_t i = 1; i < sp_.times.size(); ++i) {
    EXPECT_GE(sp_.times[i] - sp_.times[i - 1], Millis(1000)) << i;
  }
  EXPECT_EQ(sp_.PointsSent(), 7000);
  // Each metric's points leave in time order.
  std::map<std::string, SystemTime> last;
  for (const auto& c : sp_.calls) {
    for (const auto& m : c) {
      for (const auto& p : m.points) {
        if (last.count(m.metric_id)) {
          EXPECT_GT(p.timestamp, last[m.metric_id]);
        }
        last[m.metric_id] = p.timestamp;
      }
    }
  }
}

TEST_F(PublisherTest, RateLimitPausesTheKeyForRetryAfterThenDelivers) {
  Fill(2, 3);
  sp_.Add(SubmitResult{Outcome::kRetryLater, 420, Millis(30000), Status::ResourceExhausted("420")});
  PublishReport r;
  ASSERT_OK(Make().Drain(*store_, In(Millis(600000)), true, &r));
  ASSERT_EQ(sp_.calls.size(), 2u);
  EXPECT_GE(sp_.times[1] - sp_.times[0], Millis(30000));
  EXPECT_EQ(r.rate_limited, 1);
  EXPECT_EQ(r.points_accepted, 6);
}

TEST_F(PublisherTest, ServerErrorsBackOffExponentiallyAndLoseNothing) {
  Fill(1, 1);
  for (int i = 0; i < 4; ++i) {
    sp_.Add(SubmitResult{Outcome::kRetryLater, 503, std::nullopt, Status::Unavailable("503")});
  }
  PublishReport r;
  ASSERT_OK(Make().Drain(*store_, In(Millis(600000)), true, &r));
  ASSERT_EQ(sp_.calls.size(), 5u);
  // Full jitter at 0.5: 0.5 s, 1 s, 2 s, 4 s (rounded up to whole seconds by the outbox).
  EXPECT_GE(sp_.times[4] - sp_.times[3], Millis(4000));
  EXPECT_GE(sp_.times[3] - sp_.times[2], Millis(2000));
  EXPECT_EQ(r.retried, 4);
  EXPECT_EQ(r.points_accepted, 1);
}

TEST_F(PublisherTest, WithoutWaitingDeferredPointsStayForTheNextCycle) {
  Fill(1, 2);
  sp_.Add(SubmitResult{Outcome::kRetryLater, 502, std::nullopt, Status::Unavailable("502")});
  PublishReport r;
  Status s = Make().Drain(*store_, In(Millis(600000)), false, &r);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.points_pending, 2);
  EXPECT_EQ(sp_.calls.size(), 1u);
}

TEST_F(PublisherTest, KeyRejectedStopsAndKeepsEverything) {
  Fill(3, 10);
  sp_.Add(SubmitResult{Outcome::kKeyRejected, 401, std::nullopt,
                       Status::PermissionDenied("Statuspage rejected the API key (HTTP 401)")});
  PublishReport r;
  Status s = Make(10).Drain(*store_, In(Millis(600000)), true, &r);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(sp_.calls.size(), 1u);
  EXPECT_EQ(r.points_pending, 30);
  EXPECT_TRUE(r.key_rejected);
}

TEST_F(PublisherTest, RejectionDropsOnlyTheRefusedMetric) {
  Fill(8, 2);
  sp_.RefuseMetric("metric5");
  PublishReport r;
  Status s = Make().Drain(*store_, In(Millis(600000)), true, &r);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(r.points_rejected, 2);
  EXPECT_EQ(r.points_accepted, 14);
  EXPECT_EQ(r.points_pending, 0);
  // 1 full request, then halves down to the refused metric: bounded by 2*log2(8)+1 requests.
  EXPECT_LE(sp_.calls.size(), 7u);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors.back().find("metric5"), std::string::npos);
}

TEST_F(PublisherTest, DeadlineLeavesPointsInTheOutbox) {
  Fill(1, 5);
  for (int i = 0; i < 100; ++i) {
    sp_.Add(SubmitResult{Outcome::kRetryLater, 503, std::nullopt, Status::Unavailable("503")});
  }
  PublishReport r;
  Status s = Make().Drain(*store_, In(Millis(10000)), true, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(r.points_pending, 5);
  EXPECT_EQ(r.points_accepted, 0);
}

TEST_F(PublisherTest, StopRequestFinishesTheRequestAndKeepsTheRest) {
  Fill(3, 10);
  int polls = 0;
  Publisher p(sp_, clock_, bucket_, half_, PublisherOptions{10, {}}, [&] { return ++polls > 1; });
  PublishReport r;
  Status s = p.Drain(*store_, In(Millis(600000)), true, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(sp_.calls.size(), 1u);
  EXPECT_EQ(r.points_accepted, 10);
  EXPECT_EQ(r.points_pending, 20);
}

// A server asking for years (or for more milliseconds than fit in a time point) must neither
// silence the page nor make the drain spin: the pause is cut to statuspage::kMaxRetryAfter.
TEST_F(PublisherTest, AnAbsurdRetryAfterIsCappedAndDeliveryResumes) {
  Fill(1, 2);
  sp_.Add(SubmitResult{Outcome::kRetryLater, 429, Millis(9223372036854775000),
                       Status::ResourceExhausted("429")});
  sp_.Add(SubmitResult{Outcome::kRetryLater, 503, Millis(99999999000), Status::Unavailable("503")});
  PublishReport r;
  ASSERT_OK(Make().Drain(*store_, In(Millis(3600000)), true, &r));
  ASSERT_EQ(sp_.calls.size(), 3u);
  EXPECT_LE(sp_.times[1] - sp_.times[0], statuspage::kMaxRetryAfter + Millis(1000));
  EXPECT_GE(sp_.times[1] - sp_.times[0], Millis(60000));
  EXPECT_LE(sp_.times[2] - sp_.times[1], statuspage::kMaxRetryAfter + Millis(1000));
  EXPECT_EQ(r.points_accepted, 2);
}

// A state file written by an older version (or edited) can hold a retry time centuries away; the
// next drain pulls it back to the cap, says so, and delivers.
TEST_F(PublisherTest, AnAbsurdStoredRetryTimeIsClampedAndSaid) {
  Fill(1, 3);
  auto due = store_->Due(10, clock_.Now());
  ASSERT_OK(due);
  ASSERT_OK(store_->Defer(*due, FromUnixSeconds(std::numeric_limits<int64_t>::max())));
  PublishReport r;
  const MonotonicTime start = clock_.Monotonic();
  ASSERT_OK(Make().Drain(*store_, In(Millis(3600000)), true, &r));
  EXPECT_EQ(r.points_accepted, 3);
  ASSERT_EQ(sp_.calls.size(), 1u);
  EXPECT_LE(sp_.times[0] - start, statuspage::kMaxRetryAfter + Millis(2000));
  ASSERT_FALSE(r.errors.empty());
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("3 points had a retry time further ahead"));
}

}  // namespace
}  // namespace statusbridge::pipeline
