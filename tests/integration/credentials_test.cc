// Issue 5 end to end: `statusbridge once` (the real binary) gets its AWS credentials from each
// source of the SDKs' chain, served on loopback by the test servers (tests/support), and publishes
// exactly the expected points. Every credential a server issues is registered with the sandbox,
// whose CloudWatch then accepts it (with its session token) until it expires.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "aws_test_servers.h"
#include "core/clock.h"
#include "expected.h"
#include "harness.h"

namespace statusbridge::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRoleA = "arn:aws:iam::123456789012:role/statusbridge-reader";
constexpr const char* kRoleB = "arn:aws:iam::210987654321:role/other-account-reader";

class CredentialsTest : public ::testing::Test {
 protected:
  // Makes `server` register what it issues with the sandbox, then starts it.
  void Serve(LoopbackHttpServer& server) {
    server.set_on_issue([this](const IssuedCredentials& c) {
      sandbox_.Post("/_sandbox/credentials", {{"access_key_id", c.access_key_id},
                                              {"secret_access_key", c.secret_access_key},
                                              {"session_token", c.session_token},
                                              {"expiration", ToUnixSeconds(c.expiration)}});
    });
    ASSERT_TRUE(server.Start().ok());
  }

  // The environment with no credentials of its own: only what the test adds.
  EnvVars BareEnv() {
    return {{"STATUSPAGE_API_KEY", Sandbox::kApiKey},
            {"SANDBOX_URL", sandbox_.url()},
            {"HOME", dir_.path()},
            {"AWS_EC2_METADATA_DISABLED", "true"}};
  }

  ProcessResult Once(const EnvVars& env, const std::string& config) {
    dir_.Write("config.yaml", config);
    return RunProcess({StatusbridgeBinary(), "once", "-c", dir_.File("config.yaml")}, env);
  }

  // Runs once with `env` and checks every demo metric was published exactly.
  void ExpectPublishedWith(const EnvVars& env) {
    int64_t t0 = NowSeconds();
    ProcessResult r = Once(env, DemoConfig("none", "30m"));
    int64_t t1 = NowSeconds();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, 1800);
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("secret-")));  // issued secrets never printed
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("session-token-")));
  }

  Sandbox sandbox_{{"--also-region", "eu-west-1"}};
  TempDir dir_;
  SystemClock clock_;
};

TEST_F(CredentialsTest, EnvironmentKeys) { ExpectPublishedWith(SandboxEnv(sandbox_)); }

TEST_F(CredentialsTest, ProfileWithAnAssumedRole) {
  StsServer sts(clock_);
  sts.AddSourceKey(Sandbox::kAccessKeyId, Sandbox::kSecretAccessKey);
  Serve(sts);
  dir_.Write("credentials", std::string("[base]\naws_access_key_id = ") + Sandbox::kAccessKeyId +
                                "\naws_secret_access_key = " + Sandbox::kSecretAccessKey + "\n");
  dir_.Write("config", std::string("[profile reader]\nrole_arn = ") + kRoleA +
                           "\nsource_profile = base\nregion = us-east-1\n");
  EnvVars env = BareEnv();
  env["AWS_SHARED_CREDENTIALS_FILE"] = dir_.File("credentials");
  env["AWS_CONFIG_FILE"] = dir_.File("config");
  env["AWS_PROFILE"] = "reader";
  env["AWS_ENDPOINT_URL_STS"] = sts.url();
  ExpectPublishedWith(env);
  ASSERT_FALSE(sts.calls().empty());
  EXPECT_EQ(sts.calls()[0].action, "AssumeRole");
  EXPECT_EQ(sts.calls()[0].params.at("RoleArn"), kRoleA);
  EXPECT_EQ(sts.calls()[0].signed_by, Sandbox::kAccessKeyId);
}

TEST_F(CredentialsTest, WebIdentity) {
  StsServer sts(clock_);
  sts.set_web_identity_token("eyJhbGciOiJSUzI1NiJ9.test-token.signature");
  Serve(sts);
  dir_.Write("token", "eyJhbGciOiJSUzI1NiJ9.test-token.signature");
  EnvVars env = BareEnv();
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = dir_.File("token");
  env["AWS_ROLE_ARN"] = kRoleA;
  env["AWS_ENDPOINT_URL_STS"] = sts.url();
  ExpectPublishedWith(env);
  ASSERT_FALSE(sts.calls().empty());
  EXPECT_EQ(sts.calls()[0].action, "AssumeRoleWithWebIdentity");
}

TEST_F(CredentialsTest, ContainerEndpoint) {
  ContainerCredentialsServer container(
      clock_, ContainerServerOptions{"/v2/credentials/test", "container-auth-token"});
  Serve(container);
  EnvVars env = BareEnv();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url() + "/v2/credentials/test";
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-auth-token";
  ExpectPublishedWith(env);
  EXPECT_GE(container.requests(), 1);
  EXPECT_EQ(container.last_authorization(), "container-auth-token");
}

TEST_F(CredentialsTest, InstanceMetadataV2) {
  ImdsServer imds(clock_);
  Serve(imds);
  EnvVars env = BareEnv();
  env.erase("AWS_EC2_METADATA_DISABLED");
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  ExpectPublishedWith(env);
  EXPECT_TRUE(imds.last_issued().has_value());
}

TEST_F(CredentialsTest, ExpiredCredentialsAreAClearErrorNamingTheService) {
  ImdsServerOptions options;
  options.issue_expired = true;
  ImdsServer imds(clock_, options);
  Serve(imds);
  EnvVars env = BareEnv();
  env.erase("AWS_EC2_METADATA_DISABLED");
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  ProcessResult r = Once(env, DemoConfig("none", "30m"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("ExpiredToken"));
  EXPECT_THAT(r.err, HasSubstr("GetMetricData"));
}

TEST_F(CredentialsTest, NoCredentialsAnywhereListsEveryProviderTried) {
  ProcessResult r = Once(BareEnv(), DemoConfig("none", "30m"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no AWS credentials found"));
  EXPECT_THAT(r.err, HasSubstr("environment"));
  EXPECT_THAT(r.err, HasSubstr("container"));
}

TEST_F(CredentialsTest, TwoRolesAndTwoRegionsInOneConfig) {
  StsServer sts(clock_);
  sts.AddSourceKey(Sandbox::kAccessKeyId, Sandbox::kSecretAccessKey);
  Serve(sts);
  std::string config = DemoConfig("none", "30m");
  // aws.role_arn for everything; the reliability metric reads through another account's role,
  // and response time from another region.
  config.replace(config.find("aws:\n"), 5, std::string("aws:\n  role_arn: \"") + kRoleA + "\"\n");
  config.replace(config.find("    period: 5m\n"), 14,
                 std::string("    period: 5m\n    role_arn: \"") + kRoleB + "\"\n");
  config.replace(config.find("  - name: response-time\n"), 24,
                 "  - name: response-time\n    region: eu-west-1\n");
  EnvVars env = SandboxEnv(sandbox_);
  env["AWS_ENDPOINT_URL_STS"] = sts.url();
  int64_t t0 = NowSeconds();
  ProcessResult r = Once(env, config);
  int64_t t1 = NowSeconds();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectExactDemoPoints(sandbox_.Get("/_sandbox/points"), t0, t1, 1800);
  std::set<std::string> roles;
  for (const auto& call : sts.calls()) {
    if (call.action == "AssumeRole" && call.error_code.empty())
      roles.insert(call.params.at("RoleArn"));
  }
  EXPECT_EQ(roles, (std::set<std::string>{kRoleA, kRoleB}));
  // One GetMetricData group per (role, region, window): the three metrics cannot share calls.
  EXPECT_EQ(sandbox_.Get("/_sandbox/stats")["getmetricdata_calls"].get<int>(), 3);
}

}  // namespace
}  // namespace statusbridge::testing
