#include "pipeline/publisher.h"

#include <gtest/gtest.h>

#include <deque>

#include "fakes/fake_clock.h"
#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using statuspage::MetricPoints;
using statuspage::Outcome;
using statuspage::Point;
using statuspage::SubmitResult;

// Answers SubmitMetricData from a script and records what it was sent, with the monotonic time.
class ScriptedStatuspage : public statuspage::StatuspageClient {
 public:
  explicit ScriptedStatuspage(const Clock& clock) : clock_(clock) {}
  void Add(SubmitResult r) { script_.push_back(std::move(r)); }

  SubmitResult SubmitMetricData(const std::vector<MetricPoints>& data) override {
    calls.push_back(data);
    times.push_back(clock_.Monotonic());
    if (script_.empty()) return SubmitResult{};
    SubmitResult r = script_.front();
    script_.pop_front();
    return r;
  }
  Result<std::vector<statuspage::MetricInfo>> ListMetrics() override {
    return std::vector<statuspage::MetricInfo>{};
  }

  std::vector<std::vector<MetricPoints>> calls;
  std::vector<MonotonicTime> times;

 private:
  const Clock& clock_;
  std::deque<SubmitResult> script_;
};

std::vector<MetricPoints> Data(int metrics, int points_each) {
  std::vector<MetricPoints> out;
  for (int m = 0; m < metrics; ++m) {
    MetricPoints mp{"metric" + std::to_string(m), {}};
    for (int i = 0; i < points_each; ++i) {
      mp.points.push_back(Point{FromUnixSeconds(1700000000 + 60 * i), double(m * 1000 + i)});
    }
    out.push_back(mp);
  }
  return out;
}

int Count(const std::vector<MetricPoints>& chunk) {
  int n = 0;
  for (const auto& m : chunk) n += static_cast<int>(m.points.size());
  return n;
}

TEST(ChunkPointsTest, OneRequestWhenEverythingFits) {
  auto chunks = ChunkPoints(Data(1000, 1), 3000);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(Count(chunks[0]), 1000);
}

TEST(ChunkPointsTest, SplitsLargeBacklogsKeepingOrderAndEveryPoint) {
  auto data = Data(7, 1000);
  auto chunks = ChunkPoints(data, 2500);
  ASSERT_EQ(chunks.size(), 4u);  // 7000 points / 2500 per request, metrics kept whole when they fit
  std::map<std::string, std::vector<Point>> seen;
  for (const auto& c : chunks) {
    EXPECT_LE(Count(c), 2500);
    for (const auto& m : c) {
      auto& v = seen[m.metric_id];
      v.insert(v.end(), m.points.begin(), m.points.end());
    }
  }
  for (const auto& m : data) EXPECT_EQ(seen[m.metric_id], m.points) << m.metric_id;
}

TEST(ChunkPointsTest, SplitsOneMetricLargerThanARequest) {
  auto chunks = ChunkPoints(Data(1, 2500), 1000);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(Count(chunks[2]), 500);
  EXPECT_EQ(chunks[1][0].points.front().timestamp, FromUnixSeconds(1700000000 + 60 * 1000));
}

class PublisherTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  ScriptedStatuspage sp_{clock_};
  TokenBucket bucket_{clock_, 1.0, 1.0};
  UniformRandom half_ = [] { return 0.5; };
};

TEST_F(PublisherTest, PacesRequestsAtTheKeysRate) {
  Publisher p(sp_, clock_, bucket_, half_, PublisherOptions{100, {Millis(1000), Millis(30000)}});
  PublishReport r;
  ASSERT_OK(p.Publish(Data(5, 100), clock_.Monotonic() + Millis(600000), &r));
  ASSERT_EQ(sp_.calls.size(), 5u);
  for (size_t i = 1; i < sp_.times.size(); ++i) {
    EXPECT_GE(sp_.times[i] - sp_.times[i - 1], Millis(1000)) << i;
  }
  EXPECT_EQ(r.points_accepted, 500);
  EXPECT_EQ(r.requests, 5);
}

TEST_F(PublisherTest, RateLimitHonoursRetryAfterThenDelivers) {
  sp_.Add(SubmitResult{Outcome::kRetryLater, 420, Millis(30000), Status::ResourceExhausted("420")});
  Publisher p(sp_, clock_, bucket_, half_, PublisherOptions{});
  PublishReport r;
  ASSERT_OK(p.Publish(Data(2, 3), clock_.Monotonic() + Millis(600000), &r));
  ASSERT_EQ(sp_.calls.size(), 2u);
  EXPECT_GE(sp_.times[1] - sp_.times[0], Millis(30000));
  EXPECT_EQ(r.rate_limited, 1);
  EXPECT_EQ(r.points_accepted, 6);
}

TEST_F(PublisherTest, ServerErrorsBackOffAndRetry) {
  for (int i = 0; i < 3; ++i) {
    sp_.Add(SubmitResult{Outcome::kRetryLater, 503, std::nullopt, Status::Unavailable("503")});
  }
  Publisher p(sp_, clock_, bucket_, half_, PublisherOptions{});
  PublishReport r;
  ASSERT_OK(p.Publish(Data(1, 1), clock_.Monotonic() + Millis(600000), &r));
  EXPECT_EQ(sp_.calls.size(), 4u);
  EXPECT_EQ(r.points_accepted, 1);
}

TEST_F(PublisherTest, KeyRejectedStopsAndKeepsEverythingPending) {
  sp_.Add(SubmitResult{Outcome::kKeyRejected, 401, std::nullopt,
                       Status::PermissionDenied("Statuspage rejected the API key")});
  Publisher p(sp_, clock_, bucket_, half_, PublisherOptions{10, {}});
  PublishReport r;
  Status s = p.Publish(Data(3, 10), clock_.Monotonic() + Millis(600000), &r);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(sp_.calls.size(), 1u);
  EXPECT_EQ(r.points_pending, 30);
  EXPECT_EQ(r.points_accepted, 0);
}

TEST_F(PublisherTest, RejectedRequestIsCountedAndOthersStillSent) {
  sp_.Add(SubmitResult{Outcome::kRejected, 422, std::nullopt, Status::InvalidArgument("422 bad")});
  Publisher p(sp_, clock_, bucket_, half_, PublisherOptions{10, {}});
  PublishReport r;
  Status s = p.Publish(Data(2, 10), clock_.Monotonic() + Millis(600000), &r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sp_.calls.size(), 2u);
  EXPECT_EQ(r.points_rejected, 10);
  EXPECT_EQ(r.points_accepted, 10);
}

TEST_F(PublisherTest, DeadlineLeavesPointsPending) {
  for (int i = 0; i < 100; ++i) {
    sp_.Add(SubmitResult{Outcome::kRetryLater, 503, std::nullopt, Status::Unavailable("503")});
  }
  Publisher p(sp_, clock_, bucket_, half_, PublisherOptions{});
  PublishReport r;
  Status s = p.Publish(Data(1, 5), clock_.Monotonic() + Millis(10000), &r);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(r.points_pending, 5);
  EXPECT_EQ(r.points_accepted, 0);
}

}  // namespace
}  // namespace statusbridge::pipeline
