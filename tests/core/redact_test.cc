#include "core/redact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/secret.h"

namespace statusbridge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDtoken+/=";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

TEST(RedactCredentialsTest, SignatureDoesNotMatchCanonicalRequest) {
  // What AWS sends back on SignatureDoesNotMatch: the canonical request, headers and all.
  const std::string message =
      std::string(
          "The request signature we calculated does not match the signature you "
          "provided. The Canonical String for this request should have been\n'POST\n/\n\n"
          "content-type:application/x-amz-json-1.0\nhost:monitoring.us-east-1."
          "amazonaws.com\nx-amz-date:20261204T120000Z\nX-Amz-Security-Token:") +
      kToken + "\nx-amz-target:GraniteServiceVersion20100801.GetMetricData\n\n'";
  const std::string out = RedactCredentials(message);
  EXPECT_THAT(out, Not(HasSubstr(kToken)));
  EXPECT_THAT(out, Not(HasSubstr("IQoJ")));
  EXPECT_THAT(out, HasSubstr("X-Amz-Security-Token:<redacted>\nx-amz-target:"));
  EXPECT_THAT(out, HasSubstr("host:monitoring.us-east-1.amazonaws.com"));
}

TEST(RedactCredentialsTest, QueryParametersHeadersJsonAndXml) {
  const std::string t = kToken;
  const std::string s = kSecret;
  const std::pair<std::string, std::string> cases[] = {
      {"GET /?Action=X&X-Amz-Security-Token=" + t + "&Version=1",
       "GET /?Action=X&X-Amz-Security-Token=<redacted>&Version=1"},
      {"Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abc\r\nHost: h",
       "Authorization: <redacted>\r\nHost: h"},
      {"authorization:OAuth sk_live_123", "authorization:<redacted>"},
      {R"({"AccessKeyId":"AKID","SecretAccessKey":")" + s + R"(","Token":")" + t + R"("})",
       R"({"AccessKeyId":"AKID","SecretAccessKey":"<redacted>","Token":"<redacted>"})"},
      {"<Credentials><SessionToken>" + t + "</SessionToken><SecretAccessKey>" + s +
           "</SecretAccessKey></Credentials>",
       "<Credentials><SessionToken><redacted></SessionToken><SecretAccessKey><redacted>"
       "</SecretAccessKey></Credentials>"},
      {"aws_secret_access_key = " + s + "\naws_session_token=" + t,
       "aws_secret_access_key = <redacted>\naws_session_token=<redacted>"},
      {R"({"api_key": "abc\"def", "x": 1})", R"({"api_key": "<redacted>", "x": 1})"},
  };
  for (const auto& [in, want] : cases) {
    SCOPED_TRACE(in);
    EXPECT_EQ(RedactCredentials(in), want);
  }
}

TEST(RedactCredentialsTest, LeavesOrdinaryTextAlone) {
  const std::string texts[] = {
      "The security token included in the request is invalid.",
      "Token expired at 2026-12-04T12:00:00Z",
      "</SessionToken>\n  <Expiration>2026</Expiration>",
      "x-aws-ec2-metadata-token-ttl-seconds: 21600",
      "",
      "tokenizer: 1, authorizations=3",
  };
  for (const std::string& t : texts) {
    EXPECT_EQ(RedactCredentials(t), t);
  }
}

TEST(RedactCredentialsTest, UnterminatedValuesAreRedactedToTheEnd) {
  EXPECT_EQ(RedactCredentials(std::string(R"({"Token":")") + kToken), R"({"Token":"<redacted>)");
  EXPECT_EQ(RedactCredentials("X-Amz-Security-Token="), "X-Amz-Security-Token=");
}

TEST(RedactCredentialsTest, AnySecretsValueIsRemovedWhereverItAppears) {
  const Secret token("BareEchoedSessionToken0123456789");
  const Secret short_one("abc");  // too short to tell from ordinary text: left alone
  EXPECT_EQ(RedactCredentials("not JSON: xx BareEchoedSessionToken0123456789 yy abc"),
            "not JSON: xx <redacted> yy abc");
}

}  // namespace
}  // namespace statusbridge
