// End-to-end: `statusbridge once` (the real binary) against `statusbridge-sandbox` on loopback.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "expected.h"
#include "harness.h"

namespace statusbridge::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
int64_t AlignDown(int64_t t, int64_t p) { return t - ((t % p) + p) % p; }
int64_t AlignUp(int64_t t, int64_t p) { return AlignDown(t + p - 1, p); }
int64_t LastSettled(int64_t now, int64_t period, int64_t delay) {
  return AlignDown(now - delay - period, period);
}

struct MetricCase {
  const char* id;
  int64_t period;
  std::optional<double> (*expected)(int64_t);
};
const MetricCase kDemoMetrics[] = {
    {"sbxrequests1", 60, &ExpectedRequestVolume},
    {"sbxreliabil1", 300, &ExpectedReliability},
    {"sbxresptime1", 60, &ExpectedResponseTimeMs},
};

// Checks that the sandbox stored, for every demo metric, exactly the expected value for every
// settled bucket in [run time - backfill, last settled], and nothing else. The run started at t0
// and ended at t1, so the bucket range is taken at one of those instants.
void ExpectExactDemoPoints(const nlohmann::json& stored, int64_t t0, int64_t t1,
                           int64_t backfill) {
  for (const MetricCase& m : kDemoMetrics) {
    SCOPED_TRACE(m.id);
    ASSERT_TRUE(stored.contains(m.id)) << stored.dump().substr(0, 500);
    const auto& points = stored[m.id];
    ASSERT_FALSE(points.empty());
    int64_t first = points.front()["timestamp"].get<int64_t>();
    int64_t last = points.back()["timestamp"].get<int64_t>();
    EXPECT_TRUE(first == AlignUp(t0 - backfill, m.period) || first == AlignUp(t1 - backfill, m.period))
        << "first bucket " << first;
    EXPECT_TRUE(last == LastSettled(t0, m.period, 120) || last == LastSettled(t1, m.period, 120))
        << "last bucket " << last;
    size_t i = 0;
    int checked = 0;
    for (int64_t t = first; t <= last; t += m.period) {
      std::optional<double> want = m.expected(t);
      if (!want.has_value()) continue;  // undefined buckets are skipped, never published as 0
      ASSERT_LT(i, points.size()) << "missing bucket " << t;
      EXPECT_EQ(points[i]["timestamp"].get<int64_t>(), t);
      EXPECT_EQ(points[i]["value"].get<double>(), *want) << "bucket " << t;
      ++i;
      ++checked;
    }
    EXPECT_EQ(i, points.size()) << "unexpected extra points";
    EXPECT_GT(checked, 0);
  }
}

class OnceTest : public ::testing::Test {
 protected:
  ProcessResult Once(const std::string& config, EnvVars env, std::vector<std::string> extra = {}) {
    dir_.Write("config.yaml", config);
    std::vector<std::string> argv = {StatusbridgeBinary(), "once", "-c", dir_.File("config.yaml")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv, env);
  }

  Sandbox sandbox_;
  TempDir dir_;
};

TEST_F(OnceTest, StatelessRunPublishesExactlyTheGeneratorsSeries) {
  int64_t t0 = NowSeconds();
  ProcessResult r = Once(DemoConfig("none", "2h"), SandboxEnv(sandbox_));
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cycle metrics=3 metrics_failed=0"));
  ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, 7200);

  // Three metrics over two windows: ⌈queries/500⌉ = 1 call per window; one bulk POST.
  nlohmann::json stats = sandbox_.Get("/_sandbox/stats");
  EXPECT_EQ(stats["getmetricdata_calls"].get<int>(), 2);
  EXPECT_EQ(stats["statuspage_data_requests"].get<int>(), 1);
}

TEST_F(OnceTest, StatefulRunsPublishOnceThenOnlyWhatChanged) {
  const std::string state = dir_.File("state.db");
  int64_t t0 = NowSeconds();
  ProcessResult r = Once(DemoConfig(state, "1h"), SandboxEnv(sandbox_));
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, 3600);
  int data_requests = sandbox_.Get("/_sandbox/stats")["statuspage_data_requests"].get<int>();

  // A second run re-reads the lookback window; nothing changed, so nothing is sent (unless a new
  // bucket settled in between, which is then the only thing sent).
  r = Once(DemoConfig(state, "1h"), SandboxEnv(sandbox_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("enqueued="));
  auto log = sandbox_.Get("/_sandbox/requests?api=statuspage");
  int later_points = 0;
  int later_data_requests = 0;
  for (const auto& rec : log) {
    if (rec["method"] == "POST") {
      ++later_data_requests;
      if (later_data_requests > data_requests) later_points += rec.value("points", 0);
    }
  }
  EXPECT_LE(later_points, 3) << "the second run re-sent unchanged points";
}

TEST_F(OnceTest, DryRunPrintsTheTableAndSendsNothing) {
  ProcessResult r = Once(DemoConfig("none", "30m"), SandboxEnv(sandbox_), {"--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("METRIC"));
  EXPECT_THAT(r.out, HasSubstr("BUCKET (UTC)"));
  EXPECT_THAT(r.out, HasSubstr("request-volume"));
  EXPECT_THAT(r.out, HasSubstr("api-reliability"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+Z"));
  EXPECT_EQ(sandbox_.Get("/_sandbox/stats")["statuspage_data_requests"].get<int>(), 0);
  EXPECT_TRUE(sandbox_.Get("/_sandbox/points").empty());
  // Secrets never in output.
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(Sandbox::kSecretAccessKey)));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(Sandbox::kApiKey)));
}

TEST_F(OnceTest, WrongAwsSecretIsAClearErrorAndNonZeroExit) {
  EnvVars env = SandboxEnv(sandbox_);
  env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-value-123";
  ProcessResult r = Once(DemoConfig("none", "30m"), env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("SignatureDoesNotMatch"));
  EXPECT_THAT(r.err, HasSubstr("GetMetricData"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("wrong-secret-value-123")));
  EXPECT_TRUE(sandbox_.Get("/_sandbox/points").empty());
}

TEST_F(OnceTest, WrongApiKeyIsAClearErrorAndNonZeroExit) {
  EnvVars env = SandboxEnv(sandbox_);
  env["STATUSPAGE_API_KEY"] = "not-the-key-456";
  ProcessResult r = Once(DemoConfig("none", "30m"), env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("API key"));
  EXPECT_THAT(r.err, HasSubstr("401"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("not-the-key-456")));
  EXPECT_TRUE(sandbox_.Get("/_sandbox/points").empty());
}

TEST_F(OnceTest, BadConfigExitsTwoNamingTheKeyPath) {
  std::string config = DemoConfig("none", "30m");
  config.replace(config.find("stat: Sum }"), 11, "stat: Avg }");
  ProcessResult r = Once(config, SandboxEnv(sandbox_));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("metrics[1] (api-reliability).queries.requests.cloudwatch.stat"));
  EXPECT_THAT(r.err, HasSubstr("\"Avg\""));
  EXPECT_EQ(sandbox_.Get("/_sandbox/stats")["cloudwatch_requests"].get<int>(), 0);
}

TEST_F(OnceTest, UnsetEnvironmentVariableIsNamed) {
  EnvVars env = SandboxEnv(sandbox_);
  env.erase("STATUSPAGE_API_KEY");
  ProcessResult r = Once(DemoConfig("none", "30m"), env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("STATUSPAGE_API_KEY"));
}

TEST_F(OnceTest, CheckConfigValidatesEveryExample) {
  for (const char* name : {"sandbox.yaml", "production.yaml"}) {
    EnvVars env = SandboxEnv(sandbox_);
    ProcessResult r = RunProcess(
        {StatusbridgeBinary(), "check-config", "-c", std::string(SB_SOURCE_DIR) + "/examples/" + name},
        env);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("OK")) << name;
  }
}

}  // namespace
}  // namespace statusbridge::testing
