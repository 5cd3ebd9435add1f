// The default chain end to end: real files in a temp dir (never the real HOME), MapEnv for the
// environment, the real curl client, and loopback STS / container / IMDS servers sharing the
// test's FakeClock, so role chaining, expiry and refresh run against real HTTP and real SigV4.

#include "aws/credential_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_clock.h"
#include "fifo_guard.h"
#include "http/curl_http_client.h"
#include "status_matchers.h"
#include "support/aws_test_servers.h"

namespace statusbridge::aws {
namespace {

namespace fs = std::filesystem;
using ::statusbridge::testing::ContainerCredentialsServer;
using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::ImdsServer;
using ::statusbridge::testing::SilentServer;
using ::statusbridge::testing::StatusIs;
using ::statusbridge::testing::StsServer;
using ::statusbridge::testing::StsServerOptions;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBaseId = "AKIABASE000000000001";
constexpr const char* kBaseSecret = "base/SECRET+never-in-messages";
constexpr const char* kEnvId = "AKIAENV0000000000001";
constexpr const char* kEnvSecret = "env/SECRET+never-in-messages";
constexpr const char* kWebToken = "eyJ.web.TOKEN-never-in-messages";
constexpr const char* kRoleA = "arn:aws:iam::111111111111:role/a";
constexpr const char* kRoleB = "arn:aws:iam::111111111111:role/b";

::testing::Matcher<const std::string&> NoSecrets() {
  return AllOf(Not(HasSubstr(kBaseSecret)), Not(HasSubstr(kEnvSecret)), Not(HasSubstr(kWebToken)),
               Not(HasSubstr("-secret-")), Not(HasSubstr("session-token")));
}

class CredentialChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("sb_chain_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "home");
    sts_.AddSourceKey(kBaseId, kBaseSecret);
    sts_.AddSourceKey(kEnvId, kEnvSecret);
    sts_.set_web_identity_token(kWebToken);
    ASSERT_OK(sts_.Start());
    ASSERT_OK(container_.Start());
    env_ = {{"HOME", (dir_ / "home").string()},
            {"AWS_SHARED_CREDENTIALS_FILE", Path("credentials")},
            {"AWS_CONFIG_FILE", Path("config")}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return Path(name);
  }

  // Options pointing every service at the loopback servers; IMDS at a refused port unless set.
  ChainOptions Options() {
    ChainOptions o(MapEnv(env_), curl_, clock_);
    o.sts_endpoint = sts_.url();
    o.container.relative_uri_base = container_.url();
    o.imds.endpoint = imds_endpoint_.empty()
                          ? "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort())
                          : imds_endpoint_;
    return o;
  }

  Result<Credentials> Get(const ChainOptions& options) {
    return NewDefaultChain(options)->GetCredentials();
  }
  Result<Credentials> Get() { return Get(Options()); }

  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      std::ostringstream s;
      if (e.is_regular_file()) {
        s << std::ifstream(e.path(), std::ios::binary).rdbuf();
      }
      files[e.path().string()] = s.str();
    }
    return files;
  }

  fs::path dir_;
  FakeClock clock_;
  http::CurlHttpClient curl_;
  StsServer sts_{clock_};
  ContainerCredentialsServer container_{clock_};
  std::string imds_endpoint_;
  std::map<std::string, std::string> env_;
};

std::string Keys(const std::string& id, const std::string& secret) {
  return "aws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n";
}

// --- Nothing found ---

TEST_F(CredentialChainTest, NoCredentialsMessageListsEveryProviderAndWhy) {
  SilentServer silent;
  imds_endpoint_ = silent.url();
  env_["AWS_METADATA_SERVICE_TIMEOUT"] = "0.2";
  EXPECT_THAT(
      Get(),
      StatusIs(
          StatusCode::kNotFound,
          "no AWS credentials found: environment: AWS_ACCESS_KEY_ID is not set; "
          "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set; profile \"default\": neither " +
              Path("credentials") + " nor " + Path("config") +
              " exists; container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
              "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set; EC2 instance metadata: no "
              "response from " +
              silent.url() + " within 200ms"));
}

TEST_F(CredentialChainTest, DefaultFilesLiveUnderHome) {
  env_.erase("AWS_SHARED_CREDENTIALS_FILE");
  env_.erase("AWS_CONFIG_FILE");
  env_["AWS_EC2_METADATA_DISABLED"] = "true";
  EXPECT_THAT(Get(),
              StatusIs(StatusCode::kNotFound,
                       AllOf(HasSubstr(Path("home") + "/.aws/credentials"),
                             HasSubstr("EC2 instance metadata: AWS_EC2_METADATA_DISABLED"))));
  fs::create_directories(dir_ / "home/.aws");
  Write("home/.aws/credentials", "[default]\n" + Keys(kBaseId, kBaseSecret));
  Result<Credentials> c = Get();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kBaseId);
}

// --- Order ---

TEST_F(CredentialChainTest, ProvidersAreTriedInTheSdkOrder) {
  ImdsServer imds(clock_);
  ASSERT_OK(imds.Start());
  imds_endpoint_ = imds.url();
  Write("web-token", kWebToken);
  Write("credentials", "[default]\n" + Keys(kBaseId, kBaseSecret));
  env_["AWS_ACCESS_KEY_ID"] = kEnvId;
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Path("web-token");
  env_["AWS_ROLE_ARN"] = kRoleA;
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/test";

  Result<Credentials> c = Get();
  ASSERT_OK(c);
  EXPECT_EQ(c->source, "environment");

  env_.erase("AWS_ACCESS_KEY_ID");
  env_.erase("AWS_SECRET_ACCESS_KEY");
  c = Get();
  ASSERT_OK(c);
  EXPECT_THAT(c->source, HasSubstr(std::string("web identity role ") + kRoleA));

  env_.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  c = Get();
  ASSERT_OK(c);
  EXPECT_EQ(c->source, "profile \"default\" in " + Path("credentials"));

  fs::remove(Path("credentials"));
  c = Get();
  ASSERT_OK(c);
  EXPECT_THAT(c->source, HasSubstr("container credentials endpoint"));

  env_.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  c = Get();
  ASSERT_OK(c);
  EXPECT_THAT(c->source, HasSubstr("EC2 instance metadata role"));
  EXPECT_FALSE(c->session_token.empty());
}

TEST_F(CredentialChainTest, ExplicitProfileSkipsEnvironmentKeys) {
  Write("credentials", "[prod]\n" + Keys(kBaseId, kBaseSecret));
  env_["AWS_ACCESS_KEY_ID"] = kEnvId;
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  ChainOptions options = Options();
  options.profile = "prod";
  Result<Credentials> c = Get(options);
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kBaseId);

  // AWS_PROFILE picks the profile but, as in the SDKs, does not skip the environment.
  env_["AWS_PROFILE"] = "prod";
  c = Get();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kEnvId);
}

TEST_F(CredentialChainTest, MissingExplicitProfileStopsTheChain) {
  Write("credentials", "[other]\n" + Keys(kBaseId, kBaseSecret));
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/test";
  ChainOptions options = Options();
  options.profile = "prod";
  EXPECT_THAT(Get(options), StatusIs(StatusCode::kInvalidArgument,
                                     HasSubstr("profile \"prod\": profile \"prod\" is not in")));
  EXPECT_EQ(container_.requests(), 0);

  env_["AWS_PROFILE"] = "prod";
  EXPECT_THAT(Get(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("is not in")));
  // The implicit default profile missing just moves on.
  env_.erase("AWS_PROFILE");
  ASSERT_OK(Get());
  EXPECT_EQ(container_.requests(), 1);
}

// --- role_arn ---

TEST_F(CredentialChainTest, AssumesRoleFromSourceProfile) {
  Write("credentials", "[base]\n" + Keys(kBaseId, kBaseSecret));
  Write("config", std::string("[profile app]\nrole_arn = ") + kRoleA +
                      "\nsource_profile = base\nrole_session_name = bridge\nexternal_id = ext-1\n"
                      "duration_seconds = 1800\n");
  env_["AWS_PROFILE"] = "app";
  const auto before = Snapshot();
  Result<Credentials> c = Get();
  ASSERT_OK(c);
  EXPECT_EQ(Snapshot(), before) << "credential files are only read";
  auto issued = sts_.Issued(c->access_key_id);
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(c->session_token.reveal(), issued->session_token);
  EXPECT_EQ(*c->expiration, clock_.Now() + Seconds(1800));
  EXPECT_EQ(c->source,
            std::string("assumed role ") + kRoleA + " (session bridge) via profile \"app\"");
  auto calls = sts_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].signed_by, kBaseId);
  EXPECT_EQ(calls[0].params["RoleArn"], kRoleA);
  EXPECT_EQ(calls[0].params["RoleSessionName"], "bridge");
  EXPECT_EQ(calls[0].params["ExternalId"], "ext-1");
  EXPECT_EQ(calls[0].params["DurationSeconds"], "1800");
}

TEST_F(CredentialChainTest, ChainsRolesTwoDeep) {
  Write("credentials", "[c]\n" + Keys(kBaseId, kBaseSecret));
  Write("config", std::string("[profile a]\nrole_arn = ") + kRoleA +
                      "\nsource_profile = b\n[profile b]\nrole_arn = " + kRoleB +
                      "\nsource_profile = c\n");
  ChainOptions options = Options();
  options.profile = "a";
  Result<Credentials> c = Get(options);
  ASSERT_OK(c);
  auto calls = sts_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].params["RoleArn"], kRoleB);
  EXPECT_EQ(calls[0].signed_by, kBaseId);
  EXPECT_EQ(calls[1].params["RoleArn"], kRoleA);
  ASSERT_TRUE(sts_.Issued(calls[1].signed_by).has_value()) << "signed with b's role credentials";
  EXPECT_THAT(calls[1].params["RoleSessionName"], HasSubstr("statusbridge-"));
  EXPECT_THAT(c->source, HasSubstr(std::string(kRoleA) + " (session statusbridge-"));
}

TEST_F(CredentialChainTest, ProfileCyclesAreDetected) {
  Write("config", std::string("[profile a]\nrole_arn = ") + kRoleA +
                      "\nsource_profile = b\n[profile b]\nrole_arn = " + kRoleB +
                      "\nsource_profile = a\n[profile self]\nrole_arn = " + kRoleA +
                      "\nsource_profile = self\n");
  ChainOptions options = Options();
  options.profile = "a";
  EXPECT_THAT(Get(options), StatusIs(StatusCode::kInvalidArgument,
                                     HasSubstr("source_profile loop: a -> b -> a")));
  options.profile = "self";
  EXPECT_THAT(Get(options), StatusIs(StatusCode::kInvalidArgument,
                                     HasSubstr("source_profile loop: self -> self")));
  EXPECT_TRUE(sts_.calls().empty());
}

TEST_F(CredentialChainTest, ProfileMayUseItsOwnKeysAsTheSource) {
  Write("credentials", "[self]\n" + Keys(kBaseId, kBaseSecret));
  Write("config",
        std::string("[profile self]\nrole_arn = ") + kRoleA + "\nsource_profile = self\n");
  ChainOptions options = Options();
  options.profile = "self";
  Result<Credentials> c = Get(options);
  ASSERT_OK(c);
  EXPECT_EQ(sts_.calls().at(0).signed_by, kBaseId);
  EXPECT_THAT(c->source, HasSubstr("assumed role"));
}

TEST_F(CredentialChainTest, MisconfiguredRolesAreErrorsNamingTheProfile) {
  struct Case {
    std::string config;
    std::string message;
  };
  const Case cases[] = {
      {"role_arn = R\n", "has role_arn but no source_profile, credential_source"},
      {"role_arn = R\nsource_profile = base\ncredential_source = Environment\n",
       "both source_profile and credential_source"},
      {"role_arn = R\nsource_profile = base\nmfa_serial = arn:mfa\n", "mfa_serial"},
      {"role_arn = R\nsource_profile = base\nduration_seconds = 60\n", "duration_seconds"},
      {"role_arn = R\nsource_profile = base\nduration_seconds = 1h\n", "duration_seconds"},
      {"role_arn = R\ncredential_source = Laptop\n", "credential_source \"Laptop\""},
      {"role_arn = R\nsource_profile = nowhere\n", "source_profile \"nowhere\", which is not in"},
      {"role_arn = R\nsource_profile = empty\n", "profile \"empty\" has no aws_access_key_id"},
      {"web_identity_token_file = /t\n", "web_identity_token_file but no role_arn"},
  };
  Write("credentials", "[base]\n" + Keys(kBaseId, kBaseSecret) + "[empty]\nregion = x\n");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.config);
    Write("config", "[profile app]\n" + c.config);
    ChainOptions options = Options();
    options.profile = "app";
    EXPECT_THAT(Get(options),
                StatusIs(StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("profile \"app\""), HasSubstr(c.message), NoSecrets())));
  }
  EXPECT_TRUE(sts_.calls().empty());
}

TEST_F(CredentialChainTest, CredentialSourceEnvironment) {
  Write("config",
        std::string("[profile app]\nrole_arn = ") + kRoleA + "\ncredential_source = Environment\n");
  ChainOptions options = Options();
  options.profile = "app";  // skips the environment provider, not credential_source
  env_["AWS_ACCESS_KEY_ID"] = kEnvId;
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  options.env = MapEnv(env_);
  ASSERT_OK(Get(options));
  EXPECT_EQ(sts_.calls().at(0).signed_by, kEnvId);

  env_.erase("AWS_ACCESS_KEY_ID");
  env_.erase("AWS_SECRET_ACCESS_KEY");
  options.env = MapEnv(env_);
  EXPECT_THAT(Get(options),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("credential_source Environment: AWS_ACCESS_KEY_ID is not set")));
}

TEST_F(CredentialChainTest, CredentialSourceContainerAndImdsNameTheirSourceWhenRejected) {
  Write("config", std::string("[profile ecs]\nrole_arn = ") + kRoleA +
                      "\ncredential_source = EcsContainer\n[profile ec2]\nrole_arn = " + kRoleA +
                      "\ncredential_source = Ec2InstanceMetadata\n");
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/test";
  ChainOptions options = Options();
  options.profile = "ecs";
  // This STS does not know the container's keys: the rejection names where they came from.
  EXPECT_THAT(Get(options), StatusIs(StatusCode::kPermissionDenied,
                                     AllOf(HasSubstr("InvalidClientTokenId"),
                                           HasSubstr("source credentials: container credentials "
                                                     "endpoint " +
                                                     container_.url()),
                                           NoSecrets())));
  EXPECT_EQ(sts_.calls().at(0).access_key_id, container_.last_issued()->access_key_id);

  // No instance metadata: configured, so an error rather than "move on".
  options.profile = "ec2";
  EXPECT_THAT(Get(options),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("credential_source Ec2InstanceMetadata: cannot reach")));
}

TEST_F(CredentialChainTest, ExpiredSourceCredentialsAreRejectedNamingTheirSource) {
  // The source profile holds temporary keys STS issued earlier; once they expire STS says so.
  Result<Credentials> temp = [&] {
    Write("credentials", "[base]\n" + Keys(kBaseId, kBaseSecret));
    Write("config", std::string("[profile b]\nrole_arn = ") + kRoleB + "\nsource_profile = base\n");
    ChainOptions o = Options();
    o.profile = "b";
    return Get(o);
  }();
  ASSERT_OK(temp);
  Write("credentials", "[tmp]\naws_access_key_id = " + temp->access_key_id +
                           "\naws_secret_access_key = " + temp->secret_access_key.reveal() +
                           "\naws_session_token = " + temp->session_token.reveal() + "\n");
  Write("config", std::string("[profile app]\nrole_arn = ") + kRoleA + "\nsource_profile = tmp\n");
  ChainOptions options = Options();
  options.profile = "app";
  ASSERT_OK(Get(options));
  clock_.Advance(Seconds(3601));
  EXPECT_THAT(
      Get(options),
      StatusIs(StatusCode::kPermissionDenied,
               AllOf(HasSubstr("ExpiredToken"),
                     HasSubstr("source credentials: profile \"tmp\" in " + Path("credentials")),
                     Not(HasSubstr(temp->secret_access_key.reveal())),
                     Not(HasSubstr(temp->session_token.reveal())))));
}

// --- Web identity ---

TEST_F(CredentialChainTest, WebIdentityFromEnvironmentRereadsTheTokenOnRefresh) {
  StsServerOptions short_lived;
  short_lived.lifetime = Seconds(20 * 60);
  StsServer sts(clock_, short_lived);
  sts.set_web_identity_token("token-one");
  ASSERT_OK(sts.Start());
  Write("token", "token-one\n");
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Path("token");
  env_["AWS_ROLE_ARN"] = kRoleA;
  env_["AWS_ROLE_SESSION_NAME"] = "irsa";
  ChainOptions options = Options();
  options.sts_endpoint = sts.url();
  auto chain = NewDefaultChain(options);

  Result<Credentials> first = chain->GetCredentials();
  ASSERT_OK(first);
  EXPECT_EQ(sts.calls().at(0).params["RoleSessionName"], "irsa");
  EXPECT_FALSE(sts.calls().at(0).had_authorization);
  ASSERT_OK(chain->GetCredentials());
  EXPECT_EQ(sts.calls().size(), 1u) << "cached while more than 15 min remain";

  // The token rotates (as the kubelet does); the next refresh must send the new one.
  Write("token", "token-two");
  sts.set_web_identity_token("token-two");
  clock_.Advance(Seconds(6 * 60));  // 14 min left: advisory refresh
  Result<Credentials> second = chain->GetCredentials();
  ASSERT_OK(second);
  EXPECT_NE(second->access_key_id, first->access_key_id);
  EXPECT_EQ(sts.calls().size(), 2u);
  EXPECT_EQ(sts.calls().at(1).params["WebIdentityToken"], "token-two");
}

TEST_F(CredentialChainTest, AWebIdentityTokenFileThatIsAFifoIsAClearError) {
  const std::string fifo = Path("token-fifo");
  testing::MakeFifo(fifo);
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = fifo;
  env_["AWS_ROLE_ARN"] = kRoleA;
  EXPECT_THAT(testing::WithoutHangingOn(fifo, [&] { return Get(); }),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("cannot read AWS_WEB_IDENTITY_TOKEN_FILE " + fifo +
                                 ": is a FIFO (named pipe), not a regular file")));
  EXPECT_TRUE(sts_.calls().empty());
}

TEST_F(CredentialChainTest, WebIdentityErrors) {
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Path("missing-token");
  EXPECT_THAT(Get(), StatusIs(StatusCode::kInvalidArgument,
                              HasSubstr("web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but "
                                        "AWS_ROLE_ARN is not")));
  env_["AWS_ROLE_ARN"] = kRoleA;
  EXPECT_THAT(Get(), StatusIs(StatusCode::kFailedPrecondition,
                              HasSubstr("cannot read AWS_WEB_IDENTITY_TOKEN_FILE " +
                                        Path("missing-token"))));
  Write("missing-token", "not-the-token");
  EXPECT_THAT(Get(), StatusIs(StatusCode::kPermissionDenied,
                              AllOf(HasSubstr("InvalidIdentityToken"),
                                    HasSubstr("token file " + Path("missing-token")),
                                    Not(HasSubstr("not-the-token")))));
}

TEST_F(CredentialChainTest, WebIdentityTokenFileInProfile) {
  Write("token", kWebToken);
  Write("config", std::string("[profile k8s]\nrole_arn = ") + kRoleB +
                      "\nweb_identity_token_file = " + Path("token") +
                      "\nrole_session_name = pod\n");
  ChainOptions options = Options();
  options.profile = "k8s";
  Result<Credentials> c = Get(options);
  ASSERT_OK(c);
  EXPECT_EQ(c->source,
            std::string("web identity role ") + kRoleB + " (session pod) via profile \"k8s\"");
  EXPECT_EQ(sts_.calls().at(0).action, "AssumeRoleWithWebIdentity");
}

// --- credential_process and static keys in profiles ---

TEST_F(CredentialChainTest, CredentialProcessInProfileAndItsPlaceInTheOrder) {
  fs::path script = dir_ / "helper.sh";
  std::ofstream(script) << "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"AKIDPROCESS\","
                           "\"SecretAccessKey\":\"s\",\"Expiration\":\"%s\"}' \"$1\"\n";
  ::chmod(script.c_str(), 0755);
  const std::string expiration = FormatIso8601(clock_.Now() + Seconds(3600));
  // In the config file, credential_process beats static keys there...
  Write("config", "[profile p]\ncredential_process = '" + script.string() + "' " + expiration +
                      "\n" + Keys("AKIDCONFIG", "config-secret"));
  ChainOptions options = Options();
  options.profile = "p";
  Result<Credentials> c = Get(options);
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, "AKIDPROCESS");
  EXPECT_EQ(c->source, "credential_process of profile \"p\"");
  EXPECT_EQ(*c->expiration, clock_.Now() + Seconds(3600));

  // ...but static keys in the credentials file beat it.
  Write("credentials", "[p]\n" + Keys(kBaseId, kBaseSecret));
  c = Get(options);
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kBaseId);
}

TEST_F(CredentialChainTest, FailingCredentialProcessStopsTheChain) {
  Write("config", "[default]\ncredential_process = /bin/false\n");
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/test";
  EXPECT_THAT(Get(), StatusIs(StatusCode::kFailedPrecondition,
                              HasSubstr("profile \"default\": credential_process \"/bin/false\" "
                                        "of profile \"default\": exited with status 1")));
  EXPECT_EQ(container_.requests(), 0);
}

// --- Refresh and concurrency, end to end ---

TEST_F(CredentialChainTest, AssumedRoleIsCachedAndRefreshedBeforeExpiry) {
  Write("credentials", "[c]\n" + Keys(kBaseId, kBaseSecret));
  Write("config", std::string("[profile a]\nrole_arn = ") + kRoleA +
                      "\nsource_profile = b\n[profile b]\nrole_arn = " + kRoleB +
                      "\nsource_profile = c\n");
  ChainOptions options = Options();
  options.profile = "a";
  auto chain = NewDefaultChain(options);
  EXPECT_EQ(chain->Name(), "chain");
  Result<Credentials> first = chain->GetCredentials();
  ASSERT_OK(first);
  EXPECT_EQ(sts_.calls().size(), 2u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(chain->GetCredentials());
  }
  EXPECT_EQ(sts_.calls().size(), 2u);

  clock_.Advance(Seconds(3600 - 9 * 60));  // 9 min left: mandatory refresh, whole chain again
  Result<Credentials> second = chain->GetCredentials();
  ASSERT_OK(second);
  EXPECT_NE(second->access_key_id, first->access_key_id);
  EXPECT_EQ(sts_.calls().size(), 4u);
  EXPECT_EQ(*second->expiration, clock_.Now() + Seconds(3600));
}

TEST_F(CredentialChainTest, ConcurrentCallersShareOneRoleAssumption) {
  Write("credentials", "[base]\n" + Keys(kBaseId, kBaseSecret));
  Write("config", std::string("[profile app]\nrole_arn = ") + kRoleA + "\nsource_profile = base\n");
  ChainOptions options = Options();
  options.profile = "app";
  auto chain = NewDefaultChain(options);
  std::vector<std::thread> threads;
  std::vector<std::string> ids(8);
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<Credentials> c = chain->GetCredentials();
      ids[i] = c.ok() ? c->access_key_id : c.status().ToString();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(id, ids[0]);
  }
  EXPECT_EQ(sts_.calls().size(), 1u);
}

TEST_F(CredentialChainTest, UncachedChainWalksEveryTime) {
  Write("credentials", "[default]\n" + Keys(kBaseId, kBaseSecret));
  auto chain = NewUncachedDefaultChain(Options());
  ASSERT_OK(chain->GetCredentials());
  Write("credentials", "[default]\n" + Keys(kEnvId, kEnvSecret));
  Result<Credentials> c = chain->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(c->access_key_id, kEnvId);
}

}  // namespace
}  // namespace statusbridge::aws
