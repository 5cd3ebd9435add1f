// Container credentials and EC2 IMDS providers against the loopback servers, with the real curl
// client. Every address is 127.0.0.1; slow and unreachable services use short real timeouts.

#include "aws/metadata_credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "fakes/fake_clock.h"
#include "fifo_guard.h"
#include "http/curl_http_client.h"
#include "status_matchers.h"
#include "support/aws_test_servers.h"

namespace statusbridge::aws {
namespace {

namespace fs = std::filesystem;
using ::statusbridge::testing::ContainerCredentialsServer;
using ::statusbridge::testing::ContainerServerOptions;
using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::ImdsServer;
using ::statusbridge::testing::ImdsServerOptions;
using ::statusbridge::testing::SilentServer;
using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAuthToken = "container-AUTH-token-never-in-messages";

Millis Elapsed(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - since);
}

// --- Container ---

class ContainerProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("sb_container_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_OK(server_.Start());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<CredentialsProvider> Provider(std::map<std::string, std::string> env,
                                                int attempts = 3) {
    ContainerOptions options;
    options.relative_uri_base = server_.url();
    options.timeout = Millis(2000);
    options.attempts = attempts;
    return NewContainerProvider(MapEnv(std::move(env)), curl_, clock_, options);
  }

  std::string FullUri() const { return server_.url() + "/v2/credentials/test"; }

  fs::path dir_;
  FakeClock clock_;
  http::CurlHttpClient curl_;
  ContainerCredentialsServer server_{clock_};
};

TEST_F(ContainerProviderTest, RelativeUriFetchesTemporaryCredentials) {
  auto provider = Provider({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/test"}});
  EXPECT_EQ(provider->Name(), "container");
  Result<Credentials> c = provider->GetCredentials();
  ASSERT_OK(c);
  auto issued = server_.last_issued();
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(c->access_key_id, issued->access_key_id);
  EXPECT_EQ(c->secret_access_key.reveal(), issued->secret_access_key);
  EXPECT_EQ(c->session_token.reveal(), issued->session_token);
  EXPECT_EQ(c->expiration, issued->expiration);
  EXPECT_THAT(c->source, HasSubstr("container credentials endpoint " + FullUri()));
  EXPECT_EQ(server_.last_accept(), "application/json");
  EXPECT_EQ(server_.last_authorization(), "");
}

TEST_F(ContainerProviderTest, NotConfiguredIsNotFound) {
  EXPECT_THAT(
      Provider({})->GetCredentials(),
      StatusIs(StatusCode::kNotFound, HasSubstr("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                                                "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set")));
}

TEST_F(ContainerProviderTest, FullUriOnLoopbackWithAuthorizationToken) {
  server_.set_authorization(kAuthToken);
  Result<Credentials> c = Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuthToken}})
                              ->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(server_.last_authorization(), kAuthToken);
}

TEST_F(ContainerProviderTest, TokenFileWinsAndIsReadOnEveryFetch) {
  std::string file = (dir_ / "token").string();
  std::ofstream(file) << "file-token-1\n";
  server_.set_authorization("file-token-1");
  auto provider = Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                            {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file},
                            {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token"}});
  ASSERT_OK(provider->GetCredentials());
  EXPECT_EQ(server_.last_authorization(), "file-token-1") << "trailing newline dropped";

  std::ofstream(file) << "file-token-2";  // rotated, as EKS Pod Identity does
  server_.set_authorization("file-token-2");
  ASSERT_OK(provider->GetCredentials());
  EXPECT_EQ(server_.last_authorization(), "file-token-2");
}

TEST_F(ContainerProviderTest, WrongTokenIsPermissionDeniedWithoutTheToken) {
  server_.set_authorization("the-right-one");
  EXPECT_THAT(Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuthToken}})
                  ->GetCredentials(),
              StatusIs(StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("HTTP 401"), HasSubstr("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                             Not(HasSubstr(kAuthToken)))));
  EXPECT_EQ(server_.requests(), 1) << "a 401 is not retried";
}

TEST_F(ContainerProviderTest, TokensWithCrOrLfAreRefusedBeforeSending) {
  std::string file = (dir_ / "token").string();
  std::ofstream(file) << "abc\r\nInjected: header";
  EXPECT_THAT(Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file}})
                  ->GetCredentials(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("CR or LF")));
  EXPECT_THAT(Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\nb"}})
                  ->GetCredentials(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("CR or LF")));
  EXPECT_THAT(Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (dir_ / "none").string()}})
                  ->GetCredentials(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("none")));
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(ContainerProviderTest, ATokenFileThatIsNotARegularFileIsAClearError) {
  const std::string fifo = (dir_ / "token-fifo").string();
  testing::MakeFifo(fifo);
  auto provider = Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                            {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", fifo}});
  EXPECT_THAT(testing::WithoutHangingOn(fifo, [&] { return provider->GetCredentials(); }),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + fifo +
                                 ": is a FIFO (named pipe), not a regular file")));
  EXPECT_THAT(Provider({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri()},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.string()}})
                  ->GetCredentials(),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr(dir_.string() + ": is a directory, not a regular file")));
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(ContainerProviderTest, ServerErrorsAreRetriedWithSleepsOnTheClock) {
  server_.FailNext(2, 500);
  auto provider = Provider({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/test"}});
  ASSERT_OK(provider->GetCredentials());
  EXPECT_EQ(server_.requests(), 3);
  EXPECT_EQ(clock_.sleeps(), (std::vector<Millis>{Millis(1000), Millis(1000)}));

  server_.FailNext(5, 503);
  EXPECT_THAT(provider->GetCredentials(),
              StatusIs(StatusCode::kUnavailable,
                       AllOf(HasSubstr("HTTP 503"), HasSubstr("gave up after 3 attempts"))));
}

TEST_F(ContainerProviderTest, SlowEndpointTimesOutWithinBoundedAttempts) {
  server_.set_delay(Millis(5000));
  ContainerOptions options;
  options.relative_uri_base = server_.url();
  options.timeout = Millis(150);
  options.attempts = 2;
  auto provider = NewContainerProvider(
      MapEnv({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/test"}}), curl_, clock_,
      options);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(provider->GetCredentials(),
              StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("2 attempts")));
  EXPECT_LT(Elapsed(start), Millis(2000));
}

TEST(ContainerUrlTest, AllowedHosts) {
  struct Case {
    std::string url;
    bool allowed;
  };
  const Case cases[] = {
      {"https://example.com/creds", true},
      {"http://127.0.0.1:8080/creds", true},
      {"http://127.1.2.3/creds", true},
      {"http://[::1]:80/creds", true},
      {"http://localhost/creds", true},
      {"http://169.254.170.2/v2/credentials", true},
      {"http://169.254.170.23/v1/credentials", true},
      {"http://[fd00:ec2::23]/v1/credentials", true},
      {"http://169.254.169.254/latest", false},
      {"http://example.com/creds", false},
      {"http://10.0.0.1/creds", false},
      {"http://128.0.0.1/creds", false},
      {"http://[fd00:ec2::24]/creds", false},
      {"ftp://127.0.0.1/creds", false},
      {"not a url", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsAllowedContainerCredentialsUrl(c.url), c.allowed) << c.url;
  }
}

TEST(ContainerUrlTest, DisallowedFullUriIsInvalidArgumentAndNotFetched) {
  FakeClock clock;
  http::CurlHttpClient curl;
  EXPECT_THAT(
      NewContainerProvider(
          MapEnv({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}}), curl, clock)
          ->GetCredentials(),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("is not allowed")));
}

// --- EC2 instance metadata ---

class ImdsProviderTest : public ::testing::Test {
 protected:
  void Start(ImdsServerOptions options = {}) {
    server_ = std::make_unique<ImdsServer>(clock_, options);
    ASSERT_OK(server_->Start());
  }

  std::unique_ptr<CredentialsProvider> Provider(std::map<std::string, std::string> env = {},
                                                bool allow_v1 = true) {
    ImdsOptions options;
    options.endpoint = server_ ? server_->url() : "";
    options.allow_v1_fallback = allow_v1;
    return NewImdsProvider(MapEnv(std::move(env)), curl_, clock_, options);
  }

  FakeClock clock_;
  http::CurlHttpClient curl_;
  std::unique_ptr<ImdsServer> server_;
};

TEST_F(ImdsProviderTest, V2TokenRoleAndCredentials) {
  Start();
  auto provider = Provider();
  EXPECT_EQ(provider->Name(), "EC2 instance metadata");
  Result<Credentials> c = provider->GetCredentials();
  ASSERT_OK(c);
  auto issued = server_->last_issued();
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(c->access_key_id, issued->access_key_id);
  EXPECT_EQ(c->secret_access_key.reveal(), issued->secret_access_key);
  EXPECT_EQ(c->session_token.reveal(), issued->session_token);
  EXPECT_EQ(c->expiration, issued->expiration);
  EXPECT_EQ(c->source, "EC2 instance metadata role statusbridge-test-role at " + server_->url());
  EXPECT_EQ(server_->token_requests(), 1);
  EXPECT_EQ(server_->last_ttl_header(), "21600");
}

TEST_F(ImdsProviderTest, EndpointFromEnvironment) {
  Start();
  ImdsOptions none;
  auto provider = NewImdsProvider(
      MapEnv({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server_->url() + "/"}}), curl_, clock_, none);
  ASSERT_OK(provider->GetCredentials());
}

TEST_F(ImdsProviderTest, FallsBackToV1WhenTheTokenIsRefusedAndAllowed) {
  ImdsServerOptions o;
  o.v1_only = true;
  o.require_token = false;
  Start(o);
  Result<Credentials> c = Provider()->GetCredentials();
  ASSERT_OK(c);
  EXPECT_THAT(c->source, HasSubstr("(IMDSv1)"));

  EXPECT_THAT(Provider({}, /*allow_v1=*/false)->GetCredentials(),
              StatusIs(StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("HTTP 404"), HasSubstr("IMDSv1 is disabled"))));
  EXPECT_THAT(Provider({{"AWS_EC2_METADATA_V1_DISABLED", "true"}})->GetCredentials(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("IMDSv1 is disabled")));
}

TEST_F(ImdsProviderTest, DisabledByEnvironmentWithoutAnyRequest) {
  Start();
  EXPECT_THAT(Provider({{"AWS_EC2_METADATA_DISABLED", "TRUE"}})->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("AWS_EC2_METADATA_DISABLED")));
  EXPECT_EQ(server_->token_requests(), 0);
}

TEST_F(ImdsProviderTest, NoRoleAttachedIsNotFound) {
  ImdsServerOptions o;
  o.role = "";
  Start(o);
  EXPECT_THAT(Provider()->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("no IAM role is attached")));
}

TEST_F(ImdsProviderTest, CodeOtherThanSuccessIsAnError) {
  ImdsServerOptions o;
  o.code = "AssumeRoleUnauthorizedAccess";
  Start(o);
  EXPECT_THAT(Provider()->GetCredentials(),
              StatusIs(StatusCode::kInternal,
                       AllOf(HasSubstr("Code is not Success"),
                             HasSubstr("AssumeRoleUnauthorizedAccess"), Not(HasSubstr("secret")))));
}

TEST_F(ImdsProviderTest, ExpiredCredentialsAreExtendedForStaticStability) {
  ImdsServerOptions o;
  o.issue_expired = true;
  Start(o);
  Result<Credentials> c = Provider()->GetCredentials();
  ASSERT_OK(c);
  EXPECT_EQ(*c->expiration, clock_.Now() + Seconds(20 * 60));
  EXPECT_THAT(c->source, HasSubstr("extended"));
}

TEST_F(ImdsProviderTest, SlowServiceCostsABoundedWait) {
  ImdsServerOptions o;
  o.delay = Millis(5000);
  Start(o);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(
      Provider(
          {{"AWS_METADATA_SERVICE_TIMEOUT", "0.2"}, {"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3"}})
          ->GetCredentials(),
      StatusIs(StatusCode::kNotFound, "no response from " + server_->url() + " within 200ms"));
  // The token PUT times out once (not retried), then one IMDSv1 try: about 2 x 200ms.
  EXPECT_LT(Elapsed(start), Millis(1500));
  EXPECT_EQ(server_->token_requests(), 1);

  start = std::chrono::steady_clock::now();
  EXPECT_THAT(
      Provider({{"AWS_METADATA_SERVICE_TIMEOUT", "0.2"}}, /*allow_v1=*/false)->GetCredentials(),
      StatusIs(StatusCode::kNotFound, HasSubstr("within 200ms")));
  EXPECT_LT(Elapsed(start), Millis(1000));
}

TEST_F(ImdsProviderTest, SilentListenerIsNoResponse) {
  SilentServer silent;
  ImdsOptions options;
  options.endpoint = silent.url();
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(
      NewImdsProvider(MapEnv({{"AWS_METADATA_SERVICE_TIMEOUT", "0.25"}}), curl_, clock_, options)
          ->GetCredentials(),
      StatusIs(StatusCode::kNotFound, "no response from " + silent.url() + " within 250ms"));
  EXPECT_LT(Elapsed(start), Millis(1500));
}

TEST_F(ImdsProviderTest, RefusedConnectionEndsAtOnce) {
  ImdsOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort());
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(NewImdsProvider(MapEnv({}), curl_, clock_, options)->GetCredentials(),
              StatusIs(StatusCode::kNotFound, HasSubstr("cannot reach " + options.endpoint)));
  EXPECT_LT(Elapsed(start), Millis(1000));
}

TEST_F(ImdsProviderTest, BadTimeoutOrAttemptsAreInvalidArgument) {
  Start();
  for (const char* bad : {"0", "-1", "abc", "1s", "99999"}) {
    EXPECT_THAT(Provider({{"AWS_METADATA_SERVICE_TIMEOUT", bad}})->GetCredentials(),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("AWS_METADATA_SERVICE_TIMEOUT")))
        << bad;
  }
  for (const char* bad : {"0", "x", "2.5", "11"}) {
    EXPECT_THAT(
        Provider({{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", bad}})->GetCredentials(),
        StatusIs(StatusCode::kInvalidArgument, HasSubstr("AWS_METADATA_SERVICE_NUM_ATTEMPTS")))
        << bad;
  }
}

}  // namespace
}  // namespace statusbridge::aws
