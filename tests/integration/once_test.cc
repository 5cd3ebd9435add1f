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
    ProcessResult r = RunProcess({StatusbridgeBinary(), "check-config", "-c",
                                  std::string(SB_SOURCE_DIR) + "/examples/" + name},
                                 env);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("OK")) << name;
  }
}

}  // namespace
}  // namespace statusbridge::testing
