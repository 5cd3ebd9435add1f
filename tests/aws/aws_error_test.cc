#include "aws/aws_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

http::HttpResponse Response(int status, std::string body, http::Headers headers = {}) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

struct ParseCase {
  const char* name;
  int status;
  std::string body;
  http::Headers headers;
  std::string want_code;
  std::string want_message;  // substring
};

class ParseAwsErrorTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseAwsErrorTest, ExtractsCodeAndMessage) {
  const ParseCase& c = GetParam();
  AwsError e = ParseAwsError(Response(c.status, c.body, c.headers));
  EXPECT_EQ(e.http_status, c.status);
  EXPECT_EQ(e.code, c.want_code);
  EXPECT_THAT(e.message, HasSubstr(c.want_message));
  EXPECT_THAT(e.message, Not(HasSubstr("\n")));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, ParseAwsErrorTest,
    ::testing::Values(
        ParseCase{
            "JsonTypeWithNamespace",
            400,
            R"({"__type":"com.amazonaws.cloudwatch#ThrottlingException","message":"Rate exceeded"})",
            {},
            "ThrottlingException",
            "Rate exceeded"},
        ParseCase{
            "JsonTypeCutAtColon",
            400,
            R"({"__type":"aws.protocoltests.json10#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/","Message":"Hi"})",
            {},
            "FooError",
            "Hi"},
        ParseCase{"JsonPlainType",
                  400,
                  R"({"__type":"ValidationError","message":"1 validation error detected"})",
                  {},
                  "ValidationError",
                  "1 validation error detected"},
        ParseCase{
            "QueryErrorHeaderWins",
            400,
            R"({"__type":"com.amazonaws.cloudwatch#ThrottlingException","message":"Rate exceeded"})",
            {{"x-amzn-query-error", "Throttling;Sender"}},
            "Throttling",
            "Rate exceeded"},
        ParseCase{"QueryErrorHeaderWithoutSenderIsIgnored",
                  400,
                  R"({"__type":"ThrottlingException","message":"Rate exceeded"})",
                  {{"x-amzn-query-error", "Throttling"}},
                  "ThrottlingException",
                  "Rate exceeded"},
        ParseCase{"QueryErrorHeaderWithEmptyCodeIsIgnored",
                  400,
                  R"({"__type":"ThrottlingException"})",
                  {{"X-Amzn-Query-Error", ";Sender"}},
                  "ThrottlingException",
                  ""},
        ParseCase{"ErrorTypeHeaderWhenNoType",
                  403,
                  R"({"message":"denied"})",
                  {{"x-amzn-ErrorType", "AccessDeniedException:http://internal/"}},
                  "AccessDeniedException",
                  "denied"},
        ParseCase{"QueryXml",
                  400,
                  "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">\n"
                  "  <Error><Type>Sender</Type><Code>Throttling</Code>"
                  "<Message>Rate exceeded</Message></Error>\n"
                  "  <RequestId>abc-123</RequestId>\n</ErrorResponse>",
                  {},
                  "Throttling",
                  "Rate exceeded"},
        ParseCase{"XmlEntitiesAreDecoded",
                  403,
                  "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>a &lt;b&gt; "
                  "&amp; &quot;c&quot;</Message></Error></ErrorResponse>",
                  {},
                  "SignatureDoesNotMatch",
                  "a <b> & \"c\""},
        ParseCase{"Html",
                  502,
                  "<html>\n<body>Bad Gateway</body>\n</html>",
                  {},
                  "",
                  "unrecognised response body: <html> <body>Bad Gateway"},
        ParseCase{"EmptyBody", 503, "", {}, "", "empty response body"},
        ParseCase{"WhitespaceBody", 503, " \r\n ", {}, "", "empty response body"},
        ParseCase{"JsonArray", 400, "[1,2]", {}, "", "unrecognised response body: [1,2]"},
        ParseCase{
            "JsonWithoutErrorFields", 400, R"({"foo":1})", {}, "", "unrecognised response body"},
        ParseCase{
            "TruncatedJson", 400, R"({"__type":"Throt)", {}, "", "unrecognised response body"},
        ParseCase{"WrongTypes",
                  400,
                  R"({"__type":42,"message":{"x":1}})",
                  {},
                  "",
                  "unrecognised response body"},
        ParseCase{"PlainText",
                  500,
                  "Internal Server Error",
                  {},
                  "",
                  "unrecognised response body: Internal Server Error"},
        ParseCase{"QueryHeaderOnUnreadableBody",
                  400,
                  "garbage",
                  {{"x-amzn-query-error", "InvalidParameterValue;Sender"}},
                  "InvalidParameterValue",
                  "unrecognised response body: garbage"},
        ParseCase{"DeeplyNestedJson",
                  400,
                  R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}",
                  {},
                  "",
                  R"(unrecognised response body: {"a":[[[)"},
        ParseCase{"DeeplyNestedArray",
                  400,
                  std::string(100000, '[') + std::string(100000, ']'),
                  {},
                  "",
                  "unrecognised response body: [[["}),
    [](const ::testing::TestParamInfo<ParseCase>& p) { return std::string(p.param.name); });

TEST(ParseAwsErrorTest, RequestIdFromHeaderOrXml) {
  EXPECT_EQ(
      ParseAwsError(Response(400, R"({"__type":"X"})", {{"x-amzn-RequestId", "rid-1"}})).request_id,
      "rid-1");
  EXPECT_EQ(ParseAwsError(Response(400,
                                   "<ErrorResponse><Error><Code>X</Code></Error>"
                                   "<RequestId>rid-2</RequestId></ErrorResponse>"))
                .request_id,
            "rid-2");
}

TEST(ParseAwsErrorTest, LongMessagesAndCodesAreTruncated) {
  std::string body = R"({"__type":")" + std::string(1000, 'C') + R"(","message":")" +
                     std::string(5000, 'm') + R"("})";
  AwsError e = ParseAwsError(Response(400, body));
  EXPECT_LE(e.code.size(), 131u);
  EXPECT_LE(e.message.size(), 503u);
  EXPECT_THAT(e.message, HasSubstr("..."));
}

struct MappingCase {
  int status;
  std::string code;
  StatusCode want;
};

class AwsErrorToStatusTest : public ::testing::TestWithParam<MappingCase> {};

TEST_P(AwsErrorToStatusTest, MapsCodeThenHttpStatus) {
  const MappingCase& c = GetParam();
  Status s = AwsErrorToStatus("GetMetricData", AwsError{c.code, "msg", c.status, ""});
  EXPECT_EQ(s.code(), c.want) << c.status << " " << c.code << ": " << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Table, AwsErrorToStatusTest,
    ::testing::Values(
        // Throttling: by code, whatever the HTTP status, and HTTP 429.
        MappingCase{400, "Throttling", StatusCode::kResourceExhausted},
        MappingCase{400, "ThrottlingException", StatusCode::kResourceExhausted},
        MappingCase{400, "RequestLimitExceeded", StatusCode::kResourceExhausted},
        MappingCase{400, "LimitExceededException", StatusCode::kResourceExhausted},
        MappingCase{400, "TooManyRequestsException", StatusCode::kResourceExhausted},
        MappingCase{400, "ProvisionedThroughputExceededException", StatusCode::kResourceExhausted},
        MappingCase{503, "SlowDown", StatusCode::kResourceExhausted},
        MappingCase{429, "", StatusCode::kResourceExhausted},
        MappingCase{429, "ConcurrentModificationException", StatusCode::kResourceExhausted},
        // Transient.
        MappingCase{500, "", StatusCode::kUnavailable},
        MappingCase{502, "", StatusCode::kUnavailable},
        MappingCase{503, "ServiceUnavailable", StatusCode::kUnavailable},
        MappingCase{504, "Whatever", StatusCode::kUnavailable},
        MappingCase{500, "InternalServiceError", StatusCode::kUnavailable},
        MappingCase{400, "RequestTimeout", StatusCode::kUnavailable},
        MappingCase{408, "RequestTimeoutException", StatusCode::kUnavailable},
        // Credentials and signatures.
        MappingCase{403, "", StatusCode::kPermissionDenied},
        MappingCase{401, "", StatusCode::kPermissionDenied},
        MappingCase{403, "AccessDenied", StatusCode::kPermissionDenied},
        MappingCase{400, "AccessDeniedException", StatusCode::kPermissionDenied},
        MappingCase{400, "UnrecognizedClientException", StatusCode::kPermissionDenied},
        MappingCase{403, "InvalidClientTokenId", StatusCode::kPermissionDenied},
        MappingCase{403, "SignatureDoesNotMatch", StatusCode::kPermissionDenied},
        MappingCase{400, "ExpiredToken", StatusCode::kPermissionDenied},
        MappingCase{400, "ExpiredTokenException", StatusCode::kPermissionDenied},
        MappingCase{400, "InvalidSignatureException", StatusCode::kPermissionDenied},
        // Our request is wrong.
        MappingCase{400, "ValidationError", StatusCode::kInvalidArgument},
        MappingCase{400, "InvalidParameterValue", StatusCode::kInvalidArgument},
        MappingCase{400, "InvalidNextToken", StatusCode::kInvalidArgument},
        MappingCase{400, "LimitExceeded", StatusCode::kInvalidArgument},
        MappingCase{404, "ResourceNotFound", StatusCode::kInvalidArgument},
        MappingCase{400, "", StatusCode::kInvalidArgument},
        // Not an error status at all.
        MappingCase{302, "", StatusCode::kInternal}, MappingCase{0, "", StatusCode::kInternal}));

TEST(AwsErrorToStatusTest, MessageNamesOperationStatusCodeAndServerMessage) {
  Status s = AwsErrorToStatus(
      "GetMetricData",
      AwsError{"SignatureDoesNotMatch",
               "The request signature we calculated does not match the signature you provided.",
               403, ""});
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "GetMetricData: HTTP 403 SignatureDoesNotMatch: The request signature we calculated "
            "does not match the signature you provided.");
}

TEST(AwsErrorToStatusTest, MessageLeavesOutEmptyPartsAndAddsRequestId) {
  EXPECT_EQ(AwsErrorToStatus("StartQuery", AwsError{"", "", 502, ""}).message(),
            "StartQuery: HTTP 502");
  EXPECT_EQ(AwsErrorToStatus("StartQuery", AwsError{"Throttling", "", 400, "r-1"}).message(),
            "StartQuery: HTTP 400 Throttling (request id r-1)");
  EXPECT_EQ(AwsErrorToStatus("StartQuery", AwsError{"", "boom", 500, ""}).message(),
            "StartQuery: HTTP 500: boom");
}

TEST(AwsErrorStatusTest, ParsesAndMaps) {
  EXPECT_THAT(
      AwsErrorStatus("GetMetricData",
                     Response(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})",
                              {{"x-amzn-query-error", "Throttling;Sender"}})),
      StatusIs(StatusCode::kResourceExhausted,
               "GetMetricData: HTTP 400 Throttling: Rate exceeded"));
  EXPECT_THAT(AwsErrorStatus("GetMetricData", Response(502, "<html>bad gateway</html>")),
              StatusIs(StatusCode::kUnavailable,
                       "GetMetricData: HTTP 502: unrecognised response body: <html>bad "
                       "gateway</html>"));
}

TEST(IsThrottlingErrorCodeTest, KnowsBotocoreList) {
  EXPECT_TRUE(IsThrottlingErrorCode("Throttling"));
  EXPECT_TRUE(IsThrottlingErrorCode("EC2ThrottledException"));
  EXPECT_FALSE(IsThrottlingErrorCode("throttling"));
  EXPECT_FALSE(IsThrottlingErrorCode("ValidationError"));
  EXPECT_FALSE(IsThrottlingErrorCode(""));
}

}  // namespace
}  // namespace statusbridge::aws
