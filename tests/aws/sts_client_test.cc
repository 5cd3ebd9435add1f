// StsClient against the loopback StsServer (real HTTP, real SigV4 verification) and, for exact
// wire checks and malformed answers, against FakeHttpClient.

#include "aws/sts_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "http/curl_http_client.h"
#include "status_matchers.h"
#include "support/aws_test_servers.h"

namespace statusbridge::aws {
namespace {

using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::FakeHttpClient;
using ::statusbridge::testing::StatusIs;
using ::statusbridge::testing::StsServer;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSourceId = "AKIASOURCE0000000001";
constexpr const char* kSourceSecret = "source/SECRET+never-in-messages";
constexpr const char* kRole = "arn:aws:iam::123456789012:role/reader";
constexpr const char* kWebToken = "eyJ.web-identity-token.never-in-messages";

::testing::Matcher<const std::string&> NoSecrets() {
  return AllOf(Not(HasSubstr(kSourceSecret)), Not(HasSubstr(kWebToken)), Not(HasSubstr("-secret-")),
               Not(HasSubstr("session-token")));
}

Credentials Source() {
  Credentials c;
  c.access_key_id = kSourceId;
  c.secret_access_key = Secret(kSourceSecret);
  c.source = "profile \"base\" in /test/credentials";
  return c;
}

class StsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddSourceKey(kSourceId, kSourceSecret);
    server_.set_web_identity_token(kWebToken);
    ASSERT_OK(server_.Start());
  }

  StsClient Client(int attempts = 3) {
    StsOptions options;
    options.region = "us-east-1";
    options.endpoint = server_.url();
    options.timeout = Millis(5000);
    options.max_attempts = attempts;
    return StsClient(curl_, clock_, options);
  }

  AssumeRoleParams Params() {
    AssumeRoleParams p;
    p.role_arn = kRole;
    p.role_session_name = "test-session";
    return p;
  }

  WebIdentityParams WebParams(std::string token = kWebToken) {
    WebIdentityParams p;
    p.role_arn = kRole;
    p.role_session_name = "web-session";
    p.web_identity_token = Secret(std::move(token));
    p.token_source = "token file /var/run/token";
    return p;
  }

  FakeClock clock_;
  http::CurlHttpClient curl_;
  StsServer server_{clock_};
};

TEST_F(StsClientTest, AssumeRoleIsSignedAndReturnsTemporaryCredentials) {
  AssumeRoleParams params = Params();
  params.external_id = "ext-42";
  params.duration = Seconds(1800);
  Result<Credentials> c = Client().AssumeRole(params, Source());
  ASSERT_OK(c);
  std::optional<testing::IssuedCredentials> issued = server_.Issued(c->access_key_id);
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(c->secret_access_key.reveal(), issued->secret_access_key);
  EXPECT_EQ(c->session_token.reveal(), issued->session_token);
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, clock_.Now() + Seconds(1800));
  EXPECT_EQ(c->source, std::string("assumed role ") + kRole + " (session test-session)");

  auto calls = server_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].action, "AssumeRole");
  EXPECT_EQ(calls[0].signed_by, kSourceId);
  EXPECT_EQ(calls[0].params["RoleArn"], kRole);
  EXPECT_EQ(calls[0].params["RoleSessionName"], "test-session");
  EXPECT_EQ(calls[0].params["ExternalId"], "ext-42");
  EXPECT_EQ(calls[0].params["DurationSeconds"], "1800");
  EXPECT_EQ(calls[0].content_type, "application/x-www-form-urlencoded; charset=utf-8");
}

TEST_F(StsClientTest, TemporarySourceCredentialsSendAndSignTheirSessionToken) {
  Result<Credentials> first = Client().AssumeRole(Params(), Source());
  ASSERT_OK(first);
  Result<Credentials> second = Client().AssumeRole(Params(), *first);
  ASSERT_OK(second);
  EXPECT_EQ(server_.calls().back().signed_by, first->access_key_id);

  // A token that does not match is rejected, naming the credentials' source.
  Credentials wrong = *first;
  wrong.session_token = Secret("not-the-token");
  wrong.source = "assumed role X";
  EXPECT_THAT(Client(1).AssumeRole(Params(), wrong),
              StatusIs(StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("InvalidClientTokenId"),
                             HasSubstr("source credentials: assumed role X"), NoSecrets())));
}

TEST_F(StsClientTest, WrongSecretIsSignatureDoesNotMatchNamingTheSource) {
  Credentials bad = Source();
  bad.secret_access_key = Secret("wrong-secret");
  EXPECT_THAT(Client().AssumeRole(Params(), bad),
              StatusIs(StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("AssumeRole arn:aws:iam::123456789012:role/reader"),
                             HasSubstr("HTTP 403 SignatureDoesNotMatch"),
                             HasSubstr("profile \"base\" in /test/credentials"), NoSecrets())));
  EXPECT_EQ(server_.calls().size(), 1u) << "a rejection is not retried";
}

TEST_F(StsClientTest, ExpiredSourceCredentialsAreExpiredToken) {
  Result<Credentials> temp = Client().AssumeRole(Params(), Source());
  ASSERT_OK(temp);
  temp->source = "assumed role base-role";
  clock_.Advance(Seconds(3601));
  EXPECT_THAT(
      Client().AssumeRole(Params(), *temp),
      StatusIs(StatusCode::kPermissionDenied,
               AllOf(HasSubstr("HTTP 400 ExpiredToken"),
                     HasSubstr("source credentials: assumed role base-role"), NoSecrets())));
}

TEST_F(StsClientTest, WebIdentityIsUnsignedAndCarriesTheToken) {
  WebIdentityParams params = WebParams();
  params.duration = Seconds(900);
  Result<Credentials> c = Client().AssumeRoleWithWebIdentity(params);
  ASSERT_OK(c);
  EXPECT_FALSE(c->session_token.empty());
  EXPECT_EQ(*c->expiration, clock_.Now() + Seconds(900));
  EXPECT_EQ(c->source, std::string("web identity role ") + kRole + " (session web-session)");
  auto calls = server_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].action, "AssumeRoleWithWebIdentity");
  EXPECT_FALSE(calls[0].had_authorization);
  EXPECT_EQ(calls[0].params["WebIdentityToken"], kWebToken);
  EXPECT_EQ(calls[0].params["RoleSessionName"], "web-session");
}

TEST_F(StsClientTest, RejectedWebIdentityTokenNamesTheTokenFileNotTheToken) {
  EXPECT_THAT(Client().AssumeRoleWithWebIdentity(WebParams("some-other-token")),
              StatusIs(StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("InvalidIdentityToken"),
                             HasSubstr("web identity token: token file /var/run/token"),
                             Not(HasSubstr("some-other-token")), NoSecrets())));
  EXPECT_THAT(Client().AssumeRoleWithWebIdentity(WebParams("")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST_F(StsClientTest, IdpCommunicationErrorIsRetried) {
  server_.FailNext(2, 400, "IDPCommunicationError", "The IdP could not be reached");
  ASSERT_OK(Client(3).AssumeRoleWithWebIdentity(WebParams()));
  EXPECT_EQ(server_.calls().size(), 3u);
  EXPECT_EQ(clock_.sleeps().size(), 2u) << "backoff between attempts, on the clock";

  server_.FailNext(5, 400, "IDPCommunicationError", "The IdP could not be reached");
  EXPECT_THAT(Client(3).AssumeRoleWithWebIdentity(WebParams()),
              StatusIs(StatusCode::kUnavailable,
                       AllOf(HasSubstr("IDPCommunicationError"), HasSubstr("3 attempts"))));
}

TEST_F(StsClientTest, ThrottlingAndServerErrorsAreRetried) {
  server_.FailNext(1, 400, "Throttling", "Rate exceeded");
  ASSERT_OK(Client(2).AssumeRole(Params(), Source()));
  server_.FailNext(1, 503, "ServiceUnavailable", "try later");
  ASSERT_OK(Client(2).AssumeRole(Params(), Source()));
  server_.FailNext(2, 500, "InternalFailure", "oops");
  EXPECT_THAT(Client(2).AssumeRole(Params(), Source()),
              StatusIs(StatusCode::kUnavailable, HasSubstr("InternalFailure")));
}

struct ErrorCase {
  int http_status;
  std::string code;
  StatusCode expected;
};

TEST_F(StsClientTest, ErrorResponsesMapToStatus) {
  const ErrorCase cases[] = {
      {403, "AccessDenied", StatusCode::kPermissionDenied},
      {400, "ExpiredTokenException", StatusCode::kPermissionDenied},
      {400, "InvalidIdentityToken", StatusCode::kPermissionDenied},
      {403, "IDPRejectedClaim", StatusCode::kPermissionDenied},
      {403, "RegionDisabledException", StatusCode::kFailedPrecondition},
      {400, "MalformedPolicyDocument", StatusCode::kInvalidArgument},
      {400, "PackedPolicyTooLarge", StatusCode::kInvalidArgument},
      {400, "ValidationError", StatusCode::kInvalidArgument},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.code);
    server_.FailNext(1, c.http_status, c.code, "message for " + c.code);
    Result<Credentials> r = Client(1).AssumeRoleWithWebIdentity(WebParams());
    EXPECT_THAT(r,
                StatusIs(c.expected, AllOf(HasSubstr(c.code), HasSubstr("message for " + c.code),
                                           HasSubstr("request id test-request-id"), NoSecrets())));
  }
}

TEST_F(StsClientTest, UnreachableEndpointIsUnavailableAfterRetries) {
  StsOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort());
  options.max_attempts = 2;
  StsClient client(curl_, clock_, options);
  EXPECT_THAT(client.AssumeRole(Params(), Source()),
              StatusIs(StatusCode::kUnavailable, HasSubstr("2 attempts")));
}

// --- Exact wire format and malformed answers, on a scripted client ---

TEST(StsClientWireTest, QueryProtocolFormBody) {
  FakeClock clock;
  FakeHttpClient http;
  http.AddResponse(403, "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>");
  StsOptions options;
  options.region = "eu-west-1";
  StsClient client(http, clock, options);
  AssumeRoleParams params;
  params.role_arn = "arn:aws:iam::1:role/a b";
  params.role_session_name = "s@x";
  (void)client.AssumeRole(params, Source());
  std::vector<http::HttpRequest> requests = http.requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::HttpRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(r.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b"
            "&RoleSessionName=s%40x");
  EXPECT_THAT(std::string(http::FindHeader(r.headers, "Authorization")),
              HasSubstr("/eu-west-1/sts/aws4_request"));
}

TEST(StsClientWireTest, MalformedSuccessResponsesAreInternalAndNeverQuoted) {
  const std::string secret = "LEAKED/secret+value";
  const std::string cases[] = {
      "not xml " + secret,
      "<Other/>",
      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult/>"
      "</AssumeRoleWithWebIdentityResponse>",
      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
      "<AccessKeyId>A</AccessKeyId><SecretAccessKey>" +
          secret +
          "</SecretAccessKey><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
          "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
      "<AccessKeyId>A</AccessKeyId><SecretAccessKey>" +
          secret +
          "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>soon</Expiration>"
          "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
  };
  for (const std::string& body : cases) {
    SCOPED_TRACE(body);
    FakeClock clock;
    FakeHttpClient http;
    http.AddResponse(200, body);
    StsClient client(http, clock, StsOptions{});
    WebIdentityParams params;
    params.role_arn = kRole;
    params.role_session_name = "s";
    params.web_identity_token = Secret(kWebToken);
    EXPECT_THAT(client.AssumeRoleWithWebIdentity(params),
                StatusIs(StatusCode::kInternal, Not(HasSubstr(secret))));
  }
}

TEST(StsClientWireTest, ResolveStsOptionsPrecedence) {
  EXPECT_EQ(ResolveStsOptions("", "", MapEnv({})).endpoint, "https://sts.us-east-1.amazonaws.com");
  EXPECT_EQ(ResolveStsOptions("", "", MapEnv({})).region, "us-east-1");
  EnvLookup env = MapEnv({{"AWS_REGION", "eu-central-1"},
                          {"AWS_DEFAULT_REGION", "ap-south-1"},
                          {"AWS_ENDPOINT_URL", "http://127.0.0.1:9/"}});
  StsOptions o = ResolveStsOptions("", "", env);
  EXPECT_EQ(o.region, "eu-central-1");
  EXPECT_EQ(o.endpoint, "http://127.0.0.1:9");
  o = ResolveStsOptions("us-west-2", "", MapEnv({{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:8"}}));
  EXPECT_EQ(o.region, "us-west-2");
  EXPECT_EQ(o.endpoint, "http://127.0.0.1:8");
  EXPECT_EQ(ResolveStsOptions("us-west-2", "http://127.0.0.1:7", env).endpoint,
            "http://127.0.0.1:7");
  EXPECT_EQ(ResolveStsOptions("", "", MapEnv({{"AWS_DEFAULT_REGION", "ap-south-1"}})).endpoint,
            "https://sts.ap-south-1.amazonaws.com");
}

}  // namespace
}  // namespace statusbridge::aws
