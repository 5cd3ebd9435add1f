// Issue 3's fault tests: the real statusbridge binary against the sandbox with injected faults.
// Each test asserts that the final stored points equal the expected ones exactly, and the
// sandbox's request log shows the Statuspage rate was never exceeded.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "expected.h"
#include "harness.h"

namespace statusbridge::testing {
namespace {

using ::testing::HasSubstr;

// The Statuspage requests in the sandbox's log, in arrival order (milliseconds since the epoch).
std::vector<int64_t> StatuspageRequestTimes(const Sandbox& sandbox) {
  std::vector<int64_t> times;
  for (const auto& rec : sandbox.Get("/_sandbox/requests?api=statuspage")) {
    times.push_back(rec["t_ms"].get<int64_t>());
  }
  return times;
}

// Faults queued in the sandbox and not yet consumed.
size_t PendingFaults(const Sandbox& sandbox) {
  nlohmann::json f = sandbox.Get("/_sandbox/faults");
  return f["cloudwatch"].size() + f["statuspage"].size();
}

// Points carried by the Statuspage requests of the log from index `from` on.
int PointsPostedSince(const nlohmann::json& log, size_t from) {
  int n = 0;
  for (size_t i = from; i < log.size(); ++i) {
    if (log[i].contains("points") && log[i]["points"].is_number()) n += log[i]["points"].get<int>();
  }
  return n;
}

// The configured rate is 1 request/s per key, measured by Statuspage over a rolling 60 s window.
// Our pacing is stricter: successive requests of one process are at least ~1 s apart.
void ExpectRateNeverExceeded(const Sandbox& sandbox) {
  std::vector<int64_t> t = StatuspageRequestTimes(sandbox);
  for (size_t i = 0; i < t.size(); ++i) {
    size_t in_window = 0;
    for (size_t j = i; j < t.size() && t[j] < t[i] + 60000; ++j) ++in_window;
    EXPECT_LE(in_window, 60u) << "more than 60 requests in the 60 s after request " << i;
  }
  // The sandbox enforces 60 requests per rolling 60 s itself; it never had to say no.
  EXPECT_EQ(sandbox.Get("/_sandbox/stats")["rate_limited"].get<int>(), 0)
      << "the sandbox's rate limiter rejected a request";
}

class FaultTest : public ::testing::Test {
 protected:
  // Over every fault test: the key's rate was never exceeded.
  void TearDown() override { ExpectRateNeverExceeded(sandbox_); }

  std::string WriteConfig(const std::string& backfill = "30m") {
    dir_.Write("config.yaml", DemoConfig(state_, backfill));
    return dir_.File("config.yaml");
  }
  ProcessResult Once(const std::string& backfill = "30m") {
    return RunProcess(
        {StatusbridgeBinary(), "once", "-c", WriteConfig(backfill), "--timeout", "3m"},
        SandboxEnv(sandbox_));
  }
  void Fault(const nlohmann::json& spec) { sandbox_.Post("/_sandbox/faults", spec); }

  // Runs `once` and checks exact points and the rate.
  void OnceDeliversExactly(const std::string& backfill, int64_t backfill_s) {
    int64_t t0 = NowSeconds();
    ProcessResult r = Once(backfill);
    int64_t t1 = NowSeconds();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, backfill_s);
    ExpectRateNeverExceeded(sandbox_);
    EXPECT_EQ(PendingFaults(sandbox_), 0u) << "a fault was not hit";
  }

  Sandbox sandbox_;
  TempDir dir_;
  std::string state_ = dir_.File("state.db");
};

TEST_F(FaultTest, BurstOfServerErrorsLosesNothing) {
  Fault({{"api", "statuspage"}, {"status", 503}, {"count", 3}});
  OnceDeliversExactly("30m", 1800);
  EXPECT_EQ(StatuspageRequestTimes(sandbox_).size(), 4u);  // 3 answered 503, then accepted
}

TEST_F(FaultTest, RateLimitWithRetryAfterPausesTheKey) {
  Fault({{"api", "statuspage"}, {"status", 420}, {"retry_after", "3"}, {"count", 1}});
  OnceDeliversExactly("30m", 1800);
  std::vector<int64_t> t = StatuspageRequestTimes(sandbox_);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_GE(t[1] - t[0], 3000) << "a request reached the key before Retry-After elapsed";
}

TEST_F(FaultTest, TooManyRequestsWithHttpDateRetryAfter) {
  Fault({{"api", "statuspage"}, {"status", 429}, {"retry_after", "2"}, {"count", 2}});
  OnceDeliversExactly("30m", 1800);
  std::vector<int64_t> t = StatuspageRequestTimes(sandbox_);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_GE(t[1] - t[0], 2000);
  EXPECT_GE(t[2] - t[1], 2000);
}

TEST_F(FaultTest, DroppedConnectionsAreRetried) {
  Fault({{"api", "statuspage"}, {"drop_connection", true}, {"count", 2}});
  OnceDeliversExactly("30m", 1800);
}

TEST_F(FaultTest, CloudWatchThrottlingIsRetried) {
  Fault({{"api", "cloudwatch"}, {"status", 400}, {"aws_error", "Throttling"}, {"count", 2}});
  int64_t t0 = NowSeconds();
  ProcessResult r = Once();
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cloudwatch_throttled=2"));
  ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, 1800);
}

TEST_F(FaultTest, CloudWatchOutageFailsTheMetricsButKeepsTheRest) {
  Fault({{"api", "cloudwatch"}, {"status", 500}, {"count", 100}});
  ProcessResult r = Once();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("could not be read"));
  EXPECT_THAT(r.err, HasSubstr("GetMetricData"));
  EXPECT_TRUE(sandbox_.Get("/_sandbox/points").empty());
  // Once CloudWatch is back, the next run fills everything.
  sandbox_.Delete("/_sandbox/faults");
  OnceDeliversExactly("30m", 1800);
}

TEST_F(FaultTest, ValueChangedAfterPublicationIsRepostedOnceNotEveryCycle) {
  OnceDeliversExactly("20m", 1200);
  // CloudWatch revises a settled minute inside the lookback window (late data): the second minute
  // of the newest settled 5-minute bucket, so the reliability point changes too.
  int64_t bucket = LastSettled(NowSeconds(), 300, 120) + 60;
  sandbox_.Post("/_sandbox/cloudwatch/data",
                {{"namespace", "AWS/ApplicationELB"},
                 {"metric", "RequestCount"},
                 {"dimensions", {{"LoadBalancer", "app/demo-alb/50dc6c495c0c9188"}}},
                 {"timestamp", bucket},
                 {"value", 123456},
                 {"mode", "override"}});
  sandbox_.Post("/_sandbox/cloudwatch/data",
                {{"namespace", "AWS/ApplicationELB"},
                 {"metric", "HTTPCode_Target_5XX_Count"},
                 {"dimensions", {{"LoadBalancer", "app/demo-alb/50dc6c495c0c9188"}}},
                 {"timestamp", bucket},
                 {"value", 1000},
                 {"mode", "add"}});
  size_t before = StatuspageRequestTimes(sandbox_).size();
  ProcessResult r = Once("20m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stored = sandbox_.Get("/_sandbox/points?metric_id=sbxrequests1")["sbxrequests1"];
  bool found = false;
  for (const auto& p : stored) {
    if (p["timestamp"].get<int64_t>() == bucket) {
      EXPECT_EQ(p["value"].get<double>(), 123456.0);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // The revised minute changes request-volume and (with the added errors) the reliability of its
  // 5-minute bucket; response time is unchanged. So 2 points for the revision, plus any bucket
  // that settled meanwhile (at most 1 per metric).
  auto log = sandbox_.Get("/_sandbox/requests?api=statuspage");
  int reposted = PointsPostedSince(log, before);
  EXPECT_GE(reposted, 2);
  EXPECT_LE(reposted, 5);
  // A third run: nothing changed, nothing is re-posted (bar a newly settled bucket).
  before = log.size();
  r = Once("20m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  log = sandbox_.Get("/_sandbox/requests?api=statuspage");
  reposted = PointsPostedSince(log, before);
  EXPECT_LE(reposted, 3);
}

TEST_F(FaultTest, RestartAfterTwoHourOutageRepairsTheGapFromTheWatermark) {
  OnceDeliversExactly("4h", 14400);
  // Simulate having been down for two hours: move every watermark back 2 h and forget what was
  // published since, on both sides (the sandbox's Statuspage loses its points too).
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(state_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE watermark SET bucket = bucket - 7200;"
                           "DELETE FROM published;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  sandbox_.Post("/_sandbox/reset", nlohmann::json::object());
  int64_t t0 = NowSeconds();
  ProcessResult r = Once("4h");
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stored = sandbox_.Get("/_sandbox/points");
  for (const MetricCase& m : kDemoMetrics) {
    // Read from the bucket after the watermark, not from the 4 h backfill.
    int64_t first = stored[m.id].front()["timestamp"].get<int64_t>();
    int64_t expected_first_0 = LastSettled(t0, m.period, 120) - 7200 + m.period;
    int64_t expected_first_1 = LastSettled(t1, m.period, 120) - 7200 + m.period;
    EXPECT_TRUE(first >= expected_first_0 - m.period && first <= expected_first_1)
        << m.id << " " << first;
    ExpectExactMetric(stored[m.id], m, first, t0, t1);
  }
  // Two hours of 1-minute buckets fit in one GetMetricData call per window: two windows (1- and
  // 5-minute metrics), which coincide in one minute out of five and then share a call.
  int calls = sandbox_.Get("/_sandbox/stats")["getmetricdata_calls"].get<int>();
  EXPECT_GE(calls, 1);
  EXPECT_LE(calls, 2);
}

TEST_F(FaultTest, StatelessRunTakesTheWatermarkFromStatuspage) {
  int64_t t0 = NowSeconds();
  ProcessResult r =
      RunProcess({StatusbridgeBinary(), "once", "-c",
                  (dir_.Write("s.yaml", DemoConfig("none", "1h")), dir_.File("s.yaml"))},
                 SandboxEnv(sandbox_));
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, 3600);
  auto log_before = sandbox_.Get("/_sandbox/requests?api=statuspage").size();
  r = RunProcess({StatusbridgeBinary(), "once", "-c", dir_.File("s.yaml")}, SandboxEnv(sandbox_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The second run lists the metrics (most_recent_data_at) and re-posts only the lookback window
  // (10 min: ~10 points per 1-minute metric, ~2 for the 5-minute one), not the hour.
  auto log = sandbox_.Get("/_sandbox/requests?api=statuspage");
  int points = PointsPostedSince(log, log_before);
  bool listed = false;
  for (size_t i = log_before; i < log.size(); ++i) {
    if (log[i]["method"] == "GET") listed = true;
  }
  EXPECT_TRUE(listed);
  EXPECT_GE(points, 20);
  EXPECT_LE(points, 26);
  ExpectRateNeverExceeded(sandbox_);
}

// --- the daemon --------------------------------------------------------------------------------

class DaemonTest : public FaultTest {
 protected:
  std::unique_ptr<BackgroundProcess> StartDaemon() {
    return std::make_unique<BackgroundProcess>(
        std::vector<std::string>{StatusbridgeBinary(), "run", "-c", WriteConfig("30m")},
        SandboxEnv(sandbox_), dir_.File("daemon.out"), dir_.File("daemon.err"));
  }
  std::string DaemonLog() {
    std::ifstream in(dir_.File("daemon.err"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Waits until the daemon logged `n` cycles.
  bool WaitForCycles(int n, int seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
      std::string log = DaemonLog();
      int count = 0;
      for (size_t p = log.find("cycle metrics="); p != std::string::npos;
           p = log.find("cycle metrics=", p + 1))
        ++count;
      if (count >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

TEST_F(DaemonTest, SigtermFinishesTheRequestInFlightKeepsTheRestAndExitsZero) {
  // A slow Statuspage: the first data request takes 2 s.
  Fault({{"api", "statuspage"}, {"delay_ms", 2000}, {"count", 1}});
  auto daemon = StartDaemon();
  // Wait until the slow request is in flight (a minute at most: ASan on a busy machine).
  for (int i = 0; i < 2400 && PendingFaults(sandbox_) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto t0 = std::chrono::steady_clock::now();
  int code = daemon->Stop(SIGTERM, Millis(30000));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(code, 0) << DaemonLog();
  EXPECT_LT(took, std::chrono::seconds(10));  // the 2 s request, then exit
  EXPECT_THAT(DaemonLog(), HasSubstr("stopping"));
  // Whatever was not acknowledged is delivered by the next start.
  int64_t t_0 = NowSeconds();
  ProcessResult r = Once();
  int64_t t_1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t_0, t_1, 1800);
}

TEST_F(DaemonTest, SecondInstanceOnTheSameStateFileRefusesToStart) {
  auto daemon = StartDaemon();
  ASSERT_TRUE(WaitForCycles(1, 120)) << DaemonLog();
  ProcessResult r = RunProcess({StatusbridgeBinary(), "run", "-c", dir_.File("config.yaml")},
                               SandboxEnv(sandbox_), Millis(60000));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("already running"));
  EXPECT_THAT(r.err, HasSubstr(state_));
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
}

TEST_F(DaemonTest, KillNineAtSeveralMomentsLosesNothing) {
  const int64_t t0 = NowSeconds();
  // Moments: during the CloudWatch read, during a Statuspage send, and between cycles.
  struct Moment {
    const char* what;
    nlohmann::json fault;
    int wait_ms;
  } moments[] = {
      {"reading CloudWatch", {{"api", "cloudwatch"}, {"delay_ms", 1500}, {"count", 1}}, 500},
      {"sending to Statuspage", {{"api", "statuspage"}, {"delay_ms", 1500}, {"count", 1}}, 700},
      {"right after start", nlohmann::json(), 30},
      {"between cycles", nlohmann::json(), 2500},
  };
  for (const Moment& m : moments) {
    SCOPED_TRACE(m.what);
    if (!m.fault.is_null()) Fault(m.fault);
    auto daemon = StartDaemon();
    std::this_thread::sleep_for(std::chrono::milliseconds(m.wait_ms));
    daemon->Stop(SIGKILL);
  }
  sandbox_.Delete("/_sandbox/faults");
  // A final, undisturbed start delivers everything, exactly.
  auto daemon = StartDaemon();
  ASSERT_TRUE(WaitForCycles(1, 60)) << DaemonLog();
  int64_t t1 = NowSeconds();
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);
  ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, 1800);
  ExpectRateNeverExceeded(sandbox_);
}

}  // namespace
}  // namespace statusbridge::testing
