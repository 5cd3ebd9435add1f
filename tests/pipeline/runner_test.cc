// The whole flow on fakes: Runner cycles (collect -> enqueue -> drain) driven by the daemon's loop
// (pipeline/daemon.h) on a FakeClock, so hours of the daemon run in milliseconds. The fakes are
// the ones the module tests use: FakeCloudWatchClient, ScriptedStatuspage, an in-memory state file.

#include "pipeline/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "fakes/fake_clock.h"
#include "fakes/fake_cloudwatch_client.h"
#include "fakes/fake_source_clients.h"
#include "fakes/scripted_statuspage.h"
#include "pipeline/bucket_plan.h"
#include "pipeline/daemon.h"
#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using testing::FakeClock;
using testing::FakeCloudWatchClient;
using testing::FakeSourceClients;
using testing::ScriptedStatuspage;

constexpr int64_t kStart = 1700000040;  // a minute boundary

MetricConfig Requests() {
  MetricConfig m;
  m.name = "request-volume";
  m.statuspage_metric_id = "req";
  m.period = Seconds(60);
  m.delay = Seconds(60);
  m.lookback = Seconds(300);
  m.backfill = Seconds(600);
  QueryConfig q;
  q.name = "value";
  q.cloudwatch.namespace_name = "AWS/ApplicationELB";
  q.cloudwatch.metric_name = "RequestCount";
  q.cloudwatch.stat = "Sum";
  q.cloudwatch.period = Seconds(60);
  m.queries = {q};
  m.expression = "value";
  return m;
}

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() : clock_(FromUnixSeconds(kStart)) {
    config_.metrics = {Requests()};
    // CloudWatch has a value for every minute of the next day (and the backfill before now):
    // the minute's index since the epoch, so each bucket's value is unique.
    for (int64_t t = kStart - 3600; t < kStart + 86400; t += 60) {
      cloudwatch_.Set("RequestCount", "Sum", FromUnixSeconds(t), double(t / 60));
    }
  }

  void SetUp() override {
    auto store = StateStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = std::move(store).value();
    auto collector = Collector::Create(config_.metrics, config_.aws.logs, sources_);
    ASSERT_OK(collector);
    collector_ = std::move(collector).value();
    publisher_ = std::make_unique<Publisher>(
        statuspage_, clock_, bucket_, [] { return 0.5; }, PublisherOptions{},
        [this] { return stop_.stop_requested(); });
    runner_ = std::make_unique<Runner>(config_, *collector_, *store_, *publisher_, statuspage_,
                                       clock_, Runner::WatermarkSource::kStateStore,
                                       [this] { return stop_.stop_requested(); });
  }

  // Every point Statuspage accepted, bucket -> values in arrival order.
  std::map<int64_t, std::vector<double>> Received() const {
    std::map<int64_t, std::vector<double>> out;
    for (size_t i = 0; i < statuspage_.calls.size(); ++i) {
      if (i < statuspage_.outcomes.size() &&
          statuspage_.outcomes[i] != statuspage::Outcome::kAccepted) {
        continue;
      }
      for (const auto& m : statuspage_.calls[i]) {
        for (const auto& p : m.points) {
          out[ToUnixSeconds(p.timestamp)].push_back(p.value);
        }
      }
    }
    return out;
  }

  Config config_;
  FakeClock clock_;
  FakeCloudWatchClient cloudwatch_;
  FakeSourceClients sources_{cloudwatch_};
  TokenBucket bucket_{clock_, 1.0, 1.0};
  ScriptedStatuspage statuspage_{clock_, bucket_};
  StopToken stop_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<Runner> runner_;
};

// A day of the daemon at one cycle a minute: every settled bucket reaches Statuspage exactly
// once, stamped with its start, in order, with no gap, within a cycle of settling.
TEST_F(RunnerTest, ADayOfTheDaemonPublishesEachSettledBucketOnceAndOnTime) {
  const MonotonicTime begin = clock_.Monotonic();
  int cycles = 0;
  std::vector<int> sent_by_cycle;
  RunDaemonLoop(*runner_, clock_, stop_, Millis(60000), [&](const CycleReport& r) {
    EXPECT_OK(r.status);
    sent_by_cycle.push_back(r.publish.points_accepted);
    if (++cycles == 1440) {
      stop_.RequestStop();
    }
  });
  EXPECT_EQ(cycles, 1440);
  // One interval per cycle on the fake clock: the loop never drifts.
  EXPECT_EQ(clock_.Monotonic() - begin, Millis(1439LL * 60000));

  const auto received = Received();
  // The backfill (10 minutes before the start) and then each minute as it settled.
  const int64_t first = kStart - 600;
  const int64_t last = ToUnixSeconds(LastSettledBucket(clock_.Now(), Seconds(60), Seconds(60)));
  ASSERT_FALSE(received.empty());
  EXPECT_EQ(received.begin()->first, first);
  EXPECT_EQ(received.rbegin()->first, last);
  EXPECT_EQ(static_cast<int64_t>(received.size()), (last - first) / 60 + 1);
  for (const auto& [t, values] : received) {
    EXPECT_EQ(t % 60, 0);
    ASSERT_EQ(values.size(), 1u) << "bucket " << t << " published " << values.size() << " times";
    EXPECT_EQ(values[0], double(t / 60));
  }
  // After the first cycle's backfill, each cycle publishes the one bucket that just settled.
  for (size_t i = 1; i < sent_by_cycle.size(); ++i) {
    EXPECT_EQ(sent_by_cycle[i], 1) << "cycle " << i;
  }
}

// A late CloudWatch revision inside the lookback is re-posted once, then never again.
TEST_F(RunnerTest, ALateRevisionIsRepostedOnce) {
  int cycles = 0;
  const int64_t revised = kStart - 120;
  RunDaemonLoop(*runner_, clock_, stop_, Millis(60000), [&](const CycleReport&) {
    ++cycles;
    if (cycles == 2) {
      cloudwatch_.Set("RequestCount", "Sum", FromUnixSeconds(revised), 12345);
    }
    if (cycles == 10) {
      stop_.RequestStop();
    }
  });
  const auto received = Received();
  ASSERT_EQ(received.count(revised), 1u);
  EXPECT_THAT(received.at(revised), ::testing::ElementsAre(double(revised / 60), 12345.0));
}

// A stop requested during the wait between cycles ends the loop at once, with nothing lost: the
// state file keeps what was not delivered.
TEST_F(RunnerTest, AStopBetweenCyclesEndsTheLoop) {
  int cycles = RunDaemonLoop(*runner_, clock_, stop_, Millis(60000),
                             [&](const CycleReport&) { stop_.RequestStop(); });
  EXPECT_EQ(cycles, 1);
  EXPECT_EQ(*store_->PendingCount(), 0);
}

// Statuspage down for an hour: points wait in the outbox, nothing is dropped, and the key's rate
// is never exceeded; when it is back, the backlog is delivered in order.
TEST_F(RunnerTest, AnHourLongOutageLosesNothing) {
  for (int i = 0; i < 10000; ++i) {
    statuspage_.Add(statuspage::SubmitResult{statuspage::Outcome::kRetryLater, 503, std::nullopt,
                                             Status::Unavailable("503")});
  }
  const MonotonicTime begin = clock_.Monotonic();
  int cycles = 0;
  RunDaemonLoop(*runner_, clock_, stop_, Millis(60000), [&](const CycleReport&) {
    ++cycles;
    if (clock_.Monotonic() - begin >= Millis(3600000) && !statuspage_.calls.empty()) {
      // The outage ends: from now on every request is accepted.
      statuspage_.ClearScript();
    }
    if (cycles == 120) {
      stop_.RequestStop();
    }
  });
  const auto received = Received();
  for (size_t i = 1; i < statuspage_.times.size(); ++i) {
    EXPECT_GE(statuspage_.times[i] - statuspage_.times[i - 1], Millis(1000));
  }
  EXPECT_EQ(*store_->PendingCount(), 0);
  const int64_t first = kStart - 600;
  const int64_t last = ToUnixSeconds(LastSettledBucket(clock_.Now(), Seconds(60), Seconds(60)));
  for (int64_t t = first; t <= last; t += 60) {
    EXPECT_EQ(received.count(t), 1u) << "bucket " << t << " missing after the outage";
  }
}

}  // namespace
}  // namespace statusbridge::pipeline
