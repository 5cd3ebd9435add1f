#include "statuspage/statuspage_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "status_matchers.h"

namespace statusbridge::statuspage {
namespace {

using ::nlohmann::json;
using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::FakeHttpClient;
using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "spkey-8f2c1e0b9a7d4c3e";
constexpr char kBase[] = "https://api.example.test/v1";
constexpr char kDataUrl[] = "https://api.example.test/v1/pages/page1/metrics/data";
constexpr int64_t kNow = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

StatuspageOptions DefaultOptions() {
  StatuspageOptions o;
  o.base_url = kBase;
  o.page_id = "page1";
  o.api_key = Secret(kKey);
  o.timeout = Millis(7000);
  return o;
}

Point P(int64_t t, double v) { return Point{FromUnixSeconds(t), v}; }

std::vector<MetricPoints> OneMetric() { return {{"m1", {P(1700000000, 1.5)}}}; }

// True when `s` is well-formed UTF-8 without control characters.
bool IsPrintableUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      return false;
    }
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      return false;
    }
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

http::HttpResponse Response(int status, std::string body, http::Headers headers = {}) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class StatuspageClientTest : public ::testing::Test {
 protected:
  StatuspageClientTest() : clock_(FromUnixSeconds(kNow)) {}

  std::unique_ptr<StatuspageClient> Client(StatuspageOptions options = DefaultOptions()) {
    return NewStatuspageClient(http_, clock_, std::move(options));
  }

  // Submits OneMetric() against a single scripted response.
  SubmitResult SubmitAgainst(http::HttpResponse response) {
    http_.AddResponse(Result<http::HttpResponse>(std::move(response)));
    return Client()->SubmitMetricData(OneMetric());
  }

  FakeHttpClient http_;
  FakeClock clock_;
};

// ---------------------------------------------------------------------------------------------
// SubmitMetricData: the request

TEST_F(StatuspageClientTest, SubmitSendsOneBulkPostInThePublishedShape) {
  http_.AddResponse(202, R"({"m1":[{"timestamp":1700000000,"value":1.5}]})");
  std::vector<MetricPoints> data = {
      {"m1", {P(1700000000, 1.5), P(1700000030, 2), P(1700000060, -0.25)}},
      {"m2", {P(1700000000, 99.95)}},
  };
  SubmitResult r = Client()->SubmitMetricData(data);

  EXPECT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_EQ(r.http_status, 202);
  EXPECT_OK(r.status);
  EXPECT_FALSE(r.retry_after.has_value());

  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::HttpRequest& req = requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, kDataUrl);
  EXPECT_EQ(req.timeout, Millis(7000));
  const http::Headers expected_headers = {{"Authorization", std::string("OAuth ") + kKey},
                                          {"Accept", "application/json"},
                                          {"Content-Type", "application/json"}};
  EXPECT_THAT(req.headers, ::testing::UnorderedElementsAreArray(expected_headers));

  json body = json::parse(req.body);
  json expected = json::parse(R"({"data":{
      "m1":[{"timestamp":1700000000,"value":1.5},{"timestamp":1700000030,"value":2},
            {"timestamp":1700000060,"value":-0.25}],
      "m2":[{"timestamp":1700000000,"value":99.95}]}})");
  EXPECT_EQ(body, expected);
  // Timestamps are integers and values numbers, as the spec declares (int32, float).
  for (const auto& [id, points] : body["data"].items()) {
    for (const json& p : points) {
      EXPECT_TRUE(p["timestamp"].is_number_integer()) << id;
      EXPECT_TRUE(p["value"].is_number()) << id;
      EXPECT_EQ(p.size(), 2u);
    }
  }
  EXPECT_THAT(req.body, Not(HasSubstr("null")));
}

TEST_F(StatuspageClientTest, ValuesRoundTripExactly) {
  http_.AddResponse(202, "{}");
  const std::vector<double> values = {
      0.0, -0.0, 1e-300, 1.7976931348623157e308, 0.1 + 0.2, 123456789.123456789, -42, 4.9e-324};
  MetricPoints m{"m1", {}};
  for (size_t i = 0; i < values.size(); ++i) {
    m.points.push_back(P(1700000000 + 30 * static_cast<int64_t>(i), values[i]));
  }
  ASSERT_EQ(Client()->SubmitMetricData({m}).outcome, Outcome::kAccepted);
  json body = json::parse(http_.requests().at(0).body);
  const json& points = body["data"]["m1"];
  ASSERT_EQ(points.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(points[i]["value"].get<double>(), values[i]) << i;
  }
}

TEST_F(StatuspageClientTest, SameMetricTwiceIsMergedInOrder) {
  http_.AddResponse(202, "{}");
  ASSERT_EQ(
      Client()
          ->SubmitMetricData(
              {{"m1", {P(1700000000, 1)}}, {"m2", {P(1700000000, 5)}}, {"m1", {P(1700000030, 2)}}})
          .outcome,
      Outcome::kAccepted);
  json body = json::parse(http_.requests().at(0).body);
  EXPECT_EQ(body["data"]["m1"], json::parse(R"([{"timestamp":1700000000,"value":1},
                                               {"timestamp":1700000030,"value":2}])"));
  EXPECT_EQ(body["data"]["m2"].size(), 1u);
}

TEST_F(StatuspageClientTest, PageIdIsPathEncodedAndTrailingSlashIgnored) {
  StatuspageOptions o = DefaultOptions();
  o.base_url = "http://127.0.0.1:4010/v1/";
  o.page_id = "my page/../x?y";
  http_.AddResponse(202, "{}");
  http_.AddResponse(200, "[]");
  auto client = Client(o);
  ASSERT_EQ(client->SubmitMetricData(OneMetric()).outcome, Outcome::kAccepted);
  ASSERT_OK(client->ListMetrics());
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:4010/v1/pages/my%20page%2F..%2Fx%3Fy/metrics/data");
  EXPECT_EQ(requests[1].url,
            "http://127.0.0.1:4010/v1/pages/my%20page%2F..%2Fx%3Fy/metrics?page=1&per_page=100");
}

TEST_F(StatuspageClientTest, MetricIdsNeedNoEscapingInTheBody) {
  http_.AddResponse(202, "{}");
  ASSERT_EQ(Client()->SubmitMetricData({{"a\"b/c é", {P(1700000000, 1)}}}).outcome,
            Outcome::kAccepted);
  json body = json::parse(http_.requests().at(0).body);
  EXPECT_TRUE(body["data"].contains("a\"b/c é"));
}

// ---------------------------------------------------------------------------------------------
// SubmitMetricData: refusing to send

TEST_F(StatuspageClientTest, NonFiniteValuesAreRejectedWithoutARequest) {
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(bad);
    SubmitResult r =
        Client()->SubmitMetricData({{"ok-metric", {P(1700000000, 1)}},
                                    {"bad-metric", {P(1700000000, 1), P(1700000030, bad)}}});
    EXPECT_EQ(r.outcome, Outcome::kRejected);
    EXPECT_EQ(r.http_status, 0);
    EXPECT_THAT(r.status,
                StatusIs(StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("bad-metric"), HasSubstr("non-finite"),
                               HasSubstr("2023-11-14T22:13:50Z"), HasSubstr("1700000030"))));
  }
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(StatuspageClientTest, TimestampsOutsideInt32AreRejectedWithoutARequest) {
  for (int64_t t : {int64_t{-1}, int64_t{2147483648}, int64_t{4102444800}}) {
    SCOPED_TRACE(t);
    SubmitResult r = Client()->SubmitMetricData({{"m1", {P(t, 1)}}});
    EXPECT_EQ(r.outcome, Outcome::kRejected);
    EXPECT_THAT(r.status, StatusIs(StatusCode::kInvalidArgument,
                                   AllOf(HasSubstr("m1"), HasSubstr(std::to_string(t)))));
  }
  EXPECT_TRUE(http_.requests().empty());
  http_.AddResponse(202, "{}");
  EXPECT_EQ(Client()->SubmitMetricData({{"m1", {P(2147483647, 1), P(0, 1)}}}).outcome,
            Outcome::kAccepted);
}

TEST_F(StatuspageClientTest, EmptyDataOrMetricIdIsRejectedWithoutARequest) {
  EXPECT_EQ(Client()->SubmitMetricData({}).outcome, Outcome::kRejected);
  SubmitResult r = Client()->SubmitMetricData({{"", {P(1700000000, 1)}}});
  EXPECT_EQ(r.outcome, Outcome::kRejected);
  EXPECT_THAT(r.status, StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty metric id")));
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(StatuspageClientTest, InvalidUtf8MetricIdIsRejectedWithoutARequest) {
  SubmitResult r = Client()->SubmitMetricData({{"m\xff", {P(1700000000, 1)}}});
  EXPECT_EQ(r.outcome, Outcome::kRejected);
  EXPECT_THAT(r.status, StatusIs(StatusCode::kInvalidArgument, HasSubstr("JSON")));
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(StatuspageClientTest, MissingOrUnusableKeyStopsWithoutARequest) {
  StatuspageOptions no_key = DefaultOptions();
  no_key.api_key = Secret();
  SubmitResult r = Client(no_key)->SubmitMetricData(OneMetric());
  EXPECT_EQ(r.outcome, Outcome::kKeyRejected);
  EXPECT_THAT(r.status,
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("no Statuspage API key")));

  StatuspageOptions newline = DefaultOptions();
  newline.api_key = Secret(std::string(kKey) + "\n");
  r = Client(newline)->SubmitMetricData(OneMetric());
  EXPECT_EQ(r.outcome, Outcome::kKeyRejected);
  EXPECT_THAT(r.status, StatusIs(StatusCode::kPermissionDenied,
                                 AllOf(HasSubstr("control characters"), Not(HasSubstr(kKey)))));
  EXPECT_THAT(Client(newline)->ListMetrics(),
              StatusIs(StatusCode::kPermissionDenied, ::testing::_));

  StatuspageOptions no_page = DefaultOptions();
  no_page.page_id = "";
  r = Client(no_page)->SubmitMetricData(OneMetric());
  EXPECT_EQ(r.outcome, Outcome::kKeyRejected);
  EXPECT_THAT(r.status, StatusIs(StatusCode::kInvalidArgument, HasSubstr("page id")));

  EXPECT_TRUE(http_.requests().empty());
}

// ---------------------------------------------------------------------------------------------
// SubmitMetricData: outcome mapping

struct OutcomeCase {
  const char* name;
  int http_status;
  http::Headers headers;
  Outcome outcome;
  StatusCode code;
  std::optional<Millis> retry_after;
};

class SubmitOutcomeTest : public StatuspageClientTest,
                          public ::testing::WithParamInterface<OutcomeCase> {};

TEST_P(SubmitOutcomeTest, MapsStatusCode) {
  const OutcomeCase& c = GetParam();
  const bool success = c.http_status >= 200 && c.http_status <= 299;
  SubmitResult r = SubmitAgainst(Response(
      c.http_status, success ? R"({"m1":[]})" : R"({"message":"server says hi"})", c.headers));
  EXPECT_EQ(r.outcome, c.outcome) << OutcomeName(r.outcome);
  EXPECT_EQ(r.http_status, c.http_status);
  EXPECT_EQ(r.status.code(), c.code) << r.status.ToString();
  EXPECT_EQ(r.retry_after, c.retry_after);
  if (c.outcome != Outcome::kAccepted) {
    EXPECT_THAT(r.status.message(),
                AllOf(HasSubstr("HTTP " + std::to_string(c.http_status)),
                      HasSubstr(std::string("POST ") + kDataUrl), HasSubstr("server says hi")));
  }
  EXPECT_THAT(r.status.ToString(), Not(HasSubstr(kKey)));
}

// Tue, 14 Nov 2023 22:15:20 GMT is kNow + 120 s.
INSTANTIATE_TEST_SUITE_P(
    Table, SubmitOutcomeTest,
    ::testing::Values(
        OutcomeCase{"200", 200, {}, Outcome::kAccepted, StatusCode::kOk, {}},
        OutcomeCase{"201", 201, {}, Outcome::kAccepted, StatusCode::kOk, {}},
        OutcomeCase{"202", 202, {}, Outcome::kAccepted, StatusCode::kOk, {}},
        OutcomeCase{"400", 400, {}, Outcome::kRejected, StatusCode::kInvalidArgument, {}},
        OutcomeCase{"401", 401, {}, Outcome::kKeyRejected, StatusCode::kPermissionDenied, {}},
        OutcomeCase{"403", 403, {}, Outcome::kKeyRejected, StatusCode::kPermissionDenied, {}},
        OutcomeCase{"404", 404, {}, Outcome::kRejected, StatusCode::kNotFound, {}},
        OutcomeCase{"405", 405, {}, Outcome::kRejected, StatusCode::kInvalidArgument, {}},
        OutcomeCase{"408", 408, {}, Outcome::kRetryLater, StatusCode::kDeadlineExceeded, {}},
        OutcomeCase{"409", 409, {}, Outcome::kRejected, StatusCode::kInvalidArgument, {}},
        OutcomeCase{"420_seconds",
                    420,
                    {{"Retry-After", "30"}},
                    Outcome::kRetryLater,
                    StatusCode::kResourceExhausted,
                    Millis(30000)},
        OutcomeCase{"422", 422, {}, Outcome::kRejected, StatusCode::kInvalidArgument, {}},
        OutcomeCase{"429_http_date",
                    429,
                    {{"retry-after", "Tue, 14 Nov 2023 22:15:20 GMT"}},
                    Outcome::kRetryLater,
                    StatusCode::kResourceExhausted,
                    Millis(120000)},
        OutcomeCase{"429_no_retry_after",
                    429,
                    {},
                    Outcome::kRetryLater,
                    StatusCode::kResourceExhausted,
                    {}},
        OutcomeCase{"429_garbage_retry_after",
                    429,
                    {{"Retry-After", "soon"}},
                    Outcome::kRetryLater,
                    StatusCode::kResourceExhausted,
                    {}},
        OutcomeCase{"500", 500, {}, Outcome::kRetryLater, StatusCode::kUnavailable, {}},
        OutcomeCase{"502", 502, {}, Outcome::kRetryLater, StatusCode::kUnavailable, {}},
        OutcomeCase{"503_retry_after",
                    503,
                    {{"Retry-After", "5"}},
                    Outcome::kRetryLater,
                    StatusCode::kUnavailable,
                    Millis(5000)},
        OutcomeCase{"302", 302, {}, Outcome::kRetryLater, StatusCode::kUnavailable, {}},
        OutcomeCase{"100", 100, {}, Outcome::kRetryLater, StatusCode::kUnavailable, {}}),
    [](const ::testing::TestParamInfo<OutcomeCase>& p) { return std::string(p.param.name); });

// A 2xx counts as delivered only when its body is the documented MetricAddResponse: a captive
// portal's HTML 200 or an error object sent with 202 must not delete the points.
TEST_F(StatuspageClientTest, A2xxThatIsNotStatuspagesAnswerIsRetriedLater) {
  struct Case {
    int status;
    const char* body;
  };
  const Case not_answers[] = {
      {200, "<html><body>Welcome to the hotel wifi</body></html>"},
      {200, ""},
      {202, R"({"error":"internal error, nothing stored"})"},
      {202, R"({"errors":["bad"]})"},
      {202, R"({"message":"queued? no"})"},
      {201, "[]"},
      {202, "\"ok\""},
      {202, R"({"m1":[{"timestamp":1}],"error":"partial"})"},
      {202, R"({"m9":[{"timestamp":1700000000,"value":1.5}]})"},  // not a metric we sent
  };
  for (const Case& c : not_answers) {
    SCOPED_TRACE(c.body);
    SubmitResult r = SubmitAgainst(Response(c.status, c.body));
    EXPECT_EQ(r.outcome, Outcome::kRetryLater);
    EXPECT_EQ(r.http_status, c.status);
    EXPECT_THAT(r.status, StatusIs(StatusCode::kUnavailable,
                                   AllOf(HasSubstr("not its answer"),
                                         HasSubstr("HTTP " + std::to_string(c.status)),
                                         HasSubstr(std::string("POST ") + kDataUrl))));
  }
  const char* answers[] = {
      R"({"m1":[{"timestamp":1700000000,"value":1.5}]})",
      "{}",
      R"({"data":{"m1":[{"timestamp":1700000000,"value":1.5}]}})",
      R"( {"m1" : [ ]} )",
  };
  for (const char* body : answers) {
    SCOPED_TRACE(body);
    EXPECT_EQ(SubmitAgainst(Response(202, body)).outcome, Outcome::kAccepted);
  }
}

TEST_F(StatuspageClientTest, KeyRejectionMessageNamesRequestAndServerMessage) {
  SubmitResult r = SubmitAgainst(Response(401, R"({"message":"Could not authenticate"})"));
  EXPECT_EQ(r.status.message(),
            std::string("Statuspage rejected the API key (HTTP 401) for POST ") + kDataUrl +
                ": Could not authenticate");
}

TEST_F(StatuspageClientTest, RateLimitMessageCarriesRetryAfter) {
  SubmitResult r = SubmitAgainst(Response(420, "", {{"Retry-After", "60"}}));
  EXPECT_THAT(r.status, StatusIs(StatusCode::kResourceExhausted,
                                 AllOf(HasSubstr("rate limited"), HasSubstr("Retry-After 60s"),
                                       HasSubstr("(empty body)"))));
}

TEST_F(StatuspageClientTest, RetryAfterDateIsRelativeToTheClock) {
  clock_.Advance(Millis(100000));  // now is 20 s before the date
  SubmitResult r =
      SubmitAgainst(Response(429, "", {{"Retry-After", "Tue, 14 Nov 2023 22:15:20 GMT"}}));
  EXPECT_EQ(r.retry_after, Millis(20000));
}

TEST_F(StatuspageClientTest, TransportErrorsAreRetryLaterWithTheirStatus) {
  http_.AddResponse(Status::Unavailable(std::string("POST ") + kDataUrl + ": connection refused"));
  SubmitResult r = Client()->SubmitMetricData(OneMetric());
  EXPECT_EQ(r.outcome, Outcome::kRetryLater);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_FALSE(r.retry_after.has_value());
  EXPECT_THAT(r.status, StatusIs(StatusCode::kUnavailable, HasSubstr("connection refused")));

  http_.AddResponse(Status::DeadlineExceeded(std::string("POST ") + kDataUrl + ": timed out"));
  r = Client()->SubmitMetricData(OneMetric());
  EXPECT_EQ(r.outcome, Outcome::kRetryLater);
  EXPECT_THAT(r.status, StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("timed out")));
}

// ---------------------------------------------------------------------------------------------
// Error bodies

struct BodyCase {
  const char* name;
  std::string body;
  std::string message;  // expected after the last ": " of the status message
};

class ErrorBodyTest : public StatuspageClientTest,
                      public ::testing::WithParamInterface<BodyCase> {};

TEST_P(ErrorBodyTest, ExtractsServerMessage) {
  SubmitResult r = SubmitAgainst(Response(422, GetParam().body));
  EXPECT_EQ(r.outcome, Outcome::kRejected);
  const std::string prefix =
      std::string("Statuspage rejected the request (HTTP 422) for POST ") + kDataUrl + ": ";
  EXPECT_EQ(r.status.message(), prefix + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ErrorBodyTest,
    ::testing::Values(
        BodyCase{"message", R"({"message":"Metric not found"})", "Metric not found"},
        BodyCase{"error_string", R"({"error":"Invalid timestamp"})", "Invalid timestamp"},
        BodyCase{"error_array", R"({"error":["value is bad","timestamp is bad"]})",
                 "value is bad; timestamp is bad"},
        BodyCase{"error_array_mixed", R"({"error":[1,{"k":"v"}]})", R"(1; {"k":"v"})"},
        BodyCase{"errors_array", R"({"errors":["nope"]})", "nope"},
        BodyCase{"error_object", R"({"error":{"code":"invalid_json","message":"bad json"}})",
                 "bad json"},
        BodyCase{"message_wins", R"({"error":"second","message":"first"})", "first"},
        BodyCase{"message_wrong_type", R"({"message":42})", R"({"message":42})"},
        BodyCase{"empty_message", R"({"message":"","error":"fallback"})", "fallback"},
        BodyCase{"other_object", R"({"status":"bad"})", R"({"status":"bad"})"},
        BodyCase{"json_array", R"(["a"])", R"(["a"])"},
        BodyCase{"plain_text", "Bad Gateway", "Bad Gateway"},
        BodyCase{"html", "<html>\n<h1>Oops</h1>\n</html>", "<html> <h1>Oops</h1> </html>"},
        BodyCase{"invalid_json", R"({"message": "unterminated)", R"({"message": "unterminated)"},
        BodyCase{"empty", "", "(empty body)"},
        BodyCase{"control_chars_in_message", "{\"message\":\"a\\u001b[31mb\\nc\"}",
                 "a\\x1B[31mb c"}),
    [](const ::testing::TestParamInfo<BodyCase>& p) { return std::string(p.param.name); });

TEST_F(StatuspageClientTest, HugeBodyGivesBoundedMessage) {
  SubmitResult r = SubmitAgainst(Response(500, std::string(10 * 1024 * 1024, 'x')));
  EXPECT_EQ(r.outcome, Outcome::kRetryLater);
  EXPECT_LT(r.status.message().size(), 600u);
  EXPECT_THAT(r.status.message(), HasSubstr("..."));

  std::string long_message = R"({"message":")" + std::string(100000, 'y') + R"("})";
  r = SubmitAgainst(Response(422, long_message));
  EXPECT_LT(r.status.message().size(), 600u);
}

TEST_F(StatuspageClientTest, BinaryBodyGivesPrintableMessage) {
  std::string body;
  for (int i = 0; i < 4096; ++i) {
    body.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  }
  SubmitResult r = SubmitAgainst(Response(400, body));
  EXPECT_EQ(r.outcome, Outcome::kRejected);
  EXPECT_TRUE(IsPrintableUtf8(r.status.message())) << r.status.message();
  // A Status message must survive being put into JSON (nlohmann throws on invalid UTF-8).
  EXPECT_NO_THROW(json(r.status.message()).dump());
}

TEST_F(StatuspageClientTest, HostileJsonBodiesDoNotCrash) {
  const std::vector<std::string> bodies = {
      std::string(200000, '[') + std::string(200000, ']'),
      std::string(200000, '['),
      R"({"message":)" + std::string(100000, '{'),
      "{\"message\":\"\xff\xfe\"}",  // invalid UTF-8 inside a JSON string
      R"({"message":null,"error":{},"errors":[]})",
      R"({"error":[[[[[]]]]]})",
      std::string("\0\0\0", 3),
      "null",
      "1e999999",
  };
  for (const std::string& body : bodies) {
    SubmitResult r = SubmitAgainst(Response(422, body));
    EXPECT_EQ(r.outcome, Outcome::kRejected);
    EXPECT_TRUE(IsPrintableUtf8(r.status.message())) << r.status.message();
  }
}

// ---------------------------------------------------------------------------------------------
// The key never appears in a message

TEST_F(StatuspageClientTest, KeyNeverAppearsInSubmitMessages) {
  const std::string echo = std::string(R"({"message":"invalid key OAuth )") + kKey + R"("})";
  const std::string near_cut = std::string(290, 'a') + kKey + std::string(50, 'b');
  for (int status : {400, 401, 403, 404, 420, 422, 429, 500, 503, 302}) {
    for (const std::string& body : {echo, near_cut, std::string(kKey)}) {
      SCOPED_TRACE(std::to_string(status) + " " + body.substr(0, 40));
      SubmitResult r = SubmitAgainst(Response(status, body));
      EXPECT_THAT(r.status.ToString(), Not(HasSubstr(kKey)));
      EXPECT_THAT(r.status.ToString(), Not(HasSubstr("spkey-8f2c")));
    }
  }
  SubmitResult r = SubmitAgainst(Response(401, echo));
  EXPECT_THAT(r.status.message(), HasSubstr(Secret::kRedacted));

  // A transport (or proxy) error that echoes the key.
  http_.AddResponse(Status::Unavailable(std::string("proxy said: Authorization: OAuth ") + kKey));
  r = Client()->SubmitMetricData(OneMetric());
  EXPECT_THAT(r.status.ToString(), Not(HasSubstr(kKey)));
}

TEST_F(StatuspageClientTest, KeyNeverAppearsInListMessages) {
  const std::string echo = std::string(R"({"error":"bad key )") + kKey + R"("})";
  for (int status : {401, 404, 429, 500}) {
    http_.AddResponse(status, echo);
    auto r = Client()->ListMetrics();
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().ToString(), Not(HasSubstr(kKey)));
  }
  http_.AddResponse(200, std::string("not json ") + kKey);
  auto r = Client()->ListMetrics();
  EXPECT_THAT(r, StatusIs(StatusCode::kInternal, Not(HasSubstr(kKey))));
  http_.AddResponse(Status::Unavailable(kKey));
  EXPECT_THAT(Client()->ListMetrics(), StatusIs(StatusCode::kUnavailable, Not(HasSubstr(kKey))));
}

// ---------------------------------------------------------------------------------------------
// ListMetrics

std::string MetricsPage(int first, int count) {
  json page = json::array();
  for (int i = first; i < first + count; ++i) {
    page.push_back({{"id", "id" + std::to_string(i)},
                    {"name", "Metric " + std::to_string(i)},
                    {"metrics_provider_id", "prov"},
                    {"display", true},
                    {"most_recent_data_at", nullptr}});
  }
  return page.dump();
}

TEST_F(StatuspageClientTest, ListFollowsPaginationToAShortPage) {
  http_.AddResponse(200, MetricsPage(0, 100));
  http_.AddResponse(200, MetricsPage(100, 100));
  http_.AddResponse(200, MetricsPage(200, 5));
  auto metrics = Client()->ListMetrics();
  ASSERT_OK(metrics);
  ASSERT_EQ(metrics->size(), 205u);
  EXPECT_EQ(metrics->front().id, "id0");
  EXPECT_EQ((*metrics)[150].id, "id150");
  EXPECT_EQ((*metrics)[150].name, "Metric 150");
  EXPECT_EQ(metrics->back().id, "id204");

  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const http::HttpRequest& req = requests[i];
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.url, std::string(kBase) + "/pages/page1/metrics?page=" + std::to_string(i + 1) +
                           "&per_page=100");
    EXPECT_EQ(req.body, "");
    EXPECT_EQ(req.timeout, Millis(7000));
    EXPECT_EQ(http::FindHeader(req.headers, "Authorization"), std::string("OAuth ") + kKey);
    EXPECT_EQ(http::FindHeader(req.headers, "Accept"), "application/json");
    EXPECT_FALSE(http::HasHeader(req.headers, "Content-Type"));
  }
}

TEST_F(StatuspageClientTest, ListStopsAfterAnEmptyPage) {
  http_.AddResponse(200, MetricsPage(0, 100));
  http_.AddResponse(200, "[]");
  auto metrics = Client()->ListMetrics();
  ASSERT_OK(metrics);
  EXPECT_EQ(metrics->size(), 100u);
  EXPECT_EQ(http_.requests().size(), 2u);
}

TEST_F(StatuspageClientTest, ListAcceptsASingleObject) {
  // The published spec declares a single Metric as the 200 body; Prism answers that way.
  http_.AddResponse(200, R"({"id":"vq23nrtrsy1j","name":"Latency","display":true,
                             "most_recent_data_at":"2026-11-24T00:05:00.000Z"})");
  auto metrics = Client()->ListMetrics();
  ASSERT_OK(metrics);
  ASSERT_EQ(metrics->size(), 1u);
  EXPECT_EQ((*metrics)[0].id, "vq23nrtrsy1j");
  EXPECT_EQ((*metrics)[0].name, "Latency");
  EXPECT_EQ((*metrics)[0].most_recent_data_at, ParseIso8601("2026-11-24T00:05:00Z").value());
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(StatuspageClientTest, ListParsesOptionalFields) {
  http_.AddResponse(200, R"([
      {"id":"a","name":"A","most_recent_data_at":"2026-11-24T00:05:00Z"},
      {"id":"b","name":null,"most_recent_data_at":null},
      {"id":"c"},
      {"id":"d","name":"D","most_recent_data_at":"2026-11-24T01:05:00+01:00","extra":[1,2]}])");
  auto metrics = Client()->ListMetrics();
  ASSERT_OK(metrics);
  ASSERT_EQ(metrics->size(), 4u);
  const SystemTime t = ParseIso8601("2026-11-24T00:05:00Z").value();
  EXPECT_EQ((*metrics)[0].most_recent_data_at, t);
  EXPECT_EQ((*metrics)[1].name, "");
  EXPECT_FALSE((*metrics)[1].most_recent_data_at.has_value());
  EXPECT_EQ((*metrics)[2].name, "");
  EXPECT_FALSE((*metrics)[2].most_recent_data_at.has_value());
  EXPECT_EQ((*metrics)[3].most_recent_data_at, t);
}

TEST_F(StatuspageClientTest, ListMapsHttpErrors) {
  struct Case {
    int status;
    StatusCode code;
  };
  for (Case c :
       {Case{401, StatusCode::kPermissionDenied}, Case{403, StatusCode::kPermissionDenied},
        Case{404, StatusCode::kNotFound}, Case{400, StatusCode::kInvalidArgument},
        Case{420, StatusCode::kResourceExhausted}, Case{429, StatusCode::kResourceExhausted},
        Case{500, StatusCode::kUnavailable}, Case{503, StatusCode::kUnavailable}}) {
    SCOPED_TRACE(c.status);
    http_.AddResponse(c.status, R"({"message":"nope"})", {{"Retry-After", "9"}});
    EXPECT_THAT(Client()->ListMetrics(),
                StatusIs(c.code, AllOf(HasSubstr("HTTP " + std::to_string(c.status)),
                                       HasSubstr(std::string("GET ") + kBase +
                                                 "/pages/page1/metrics?page=1&per_page=100"),
                                       HasSubstr("nope"))));
  }
  http_.AddResponse(429, "", {{"Retry-After", "9"}});
  EXPECT_THAT(Client()->ListMetrics(),
              StatusIs(StatusCode::kResourceExhausted, HasSubstr("Retry-After 9s")));
}

TEST_F(StatuspageClientTest, ListFailureOnALaterPageFailsTheCall) {
  http_.AddResponse(200, MetricsPage(0, 100));
  http_.AddResponse(Status::DeadlineExceeded("GET ...: timed out"));
  EXPECT_THAT(Client()->ListMetrics(),
              StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("timed out")));
  EXPECT_EQ(http_.requests().size(), 2u);
}

TEST_F(StatuspageClientTest, ListRejectsMalformedBodies) {
  struct Case {
    std::string body;
    std::string what;
  };
  const std::vector<Case> cases = {
      {"not json", "not valid JSON"},
      {"", "not valid JSON"},
      {"[1,2", "not valid JSON"},
      {R"("metrics")", "expected a JSON array of metrics, got string"},
      {"42", "got number"},
      {"null", "got null"},
      {R"([{"id":"a"},{"name":"no id"}])", "metrics[1]: Metric has no string \"id\""},
      {R"([{"id":7}])", "metrics[0]"},
      {R"([{"id":""}])", "metrics[0]"},
      {R"([["a"]])", "metrics[0]: expected a Metric object, got array"},
      {R"([{"id":"a","name":5}])", "\"name\" is not a string"},
      {R"([{"id":"a","most_recent_data_at":"yesterday"}])", "most_recent_data_at"},
      {R"([{"id":"a","most_recent_data_at":1700000000}])", "most_recent_data_at"},
      {R"([{"id":"a","most_recent_data_at":"\u0007)" + std::string(5000, 'z') + R"("}])",
       "most_recent_data_at: invalid timestamp \"\\x07zzz"},
      {R"({"name":"object without id"})", "no string \"id\""},
      {std::string(100000, '['), "not valid JSON"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 60));
    http_.AddResponse(200, c.body);
    auto r = Client()->ListMetrics();
    EXPECT_THAT(r, StatusIs(StatusCode::kInternal,
                            AllOf(HasSubstr("GET " + std::string(kBase)), HasSubstr(c.what))));
    EXPECT_TRUE(IsPrintableUtf8(r.status().message()));
  }
}

TEST_F(StatuspageClientTest, ListDetectsAServerIgnoringPagination) {
  for (int i = 0; i < 5; ++i) {
    http_.AddResponse(200, MetricsPage(0, 100));
  }
  EXPECT_THAT(Client()->ListMetrics(),
              StatusIs(StatusCode::kInternal, HasSubstr("ignoring pagination")));
  EXPECT_EQ(http_.requests().size(), 2u);
}

TEST_F(StatuspageClientTest, ListSkipsItemsRepeatedAcrossPages) {
  // A metric created mid-listing shifts one item from page 1 onto page 2.
  http_.AddResponse(200, MetricsPage(0, 100));
  http_.AddResponse(200, MetricsPage(99, 50));
  auto metrics = Client()->ListMetrics();
  ASSERT_OK(metrics);
  EXPECT_EQ(metrics->size(), 149u);
}

// ---------------------------------------------------------------------------------------------
// ParseRetryAfter

TEST(ParseRetryAfterTest, Table) {
  const SystemTime now = FromUnixSeconds(kNow);
  struct Case {
    const char* value;
    std::optional<Millis> expected;
  };
  const Case cases[] = {
      {"0", Millis(0)},
      {"30", Millis(30000)},
      {"  30\t", Millis(30000)},
      {"600", Millis(600000)},
      {"007", Millis(7000)},
      // Anything longer than kMaxRetryAfter (10 minutes) is cut to it, however large.
      {"601", kMaxRetryAfter},
      {"3600", kMaxRetryAfter},
      {"99999999", kMaxRetryAfter},
      {"9223372036854775", kMaxRetryAfter},
      {"9223372036854776", kMaxRetryAfter},
      {"99999999999999999999999999999999999999999", kMaxRetryAfter},
      {"000000000000000000000000000000000000000042", Millis(42000)},
      {"Tue, 14 Nov 2023 23:13:20 GMT", kMaxRetryAfter},  // an hour ahead
      {"Fri, 31 Dec 9999 23:59:59 GMT", kMaxRetryAfter},
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"abc", std::nullopt},
      {"-5", std::nullopt},
      {"+5", std::nullopt},
      {"1.5", std::nullopt},
      {"30s", std::nullopt},
      {"30 30", std::nullopt},
      {"Tue, 14 Nov 2023 22:15:20 GMT", Millis(120000)},
      {" Tue, 14 Nov 2023 22:13:21 GMT ", Millis(1000)},
      {"Tue, 14 Nov 2023 22:13:20 GMT", Millis(0)},
      {"Tue, 14 Nov 2023 22:00:00 GMT", Millis(0)},  // past
      {"Thu, 01 Jan 1970 00:00:00 GMT", Millis(0)},
      {"Tuesday, 14-Nov-23 22:15:20 GMT", std::nullopt},  // RFC 850: obsolete
      {"Tue Nov 14 22:15:20 2023", std::nullopt},         // asctime: obsolete
      {"Tue, 14 Nov 2023 22:15:20 UTC", std::nullopt},
      {"Tue, 31 Nov 2023 22:15:20 GMT", std::nullopt},
      {"Tue, 14 Foo 2023 22:15:20 GMT", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string("\"") + c.value + "\"");
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.expected);
  }
}

TEST(OutcomeNameTest, NamesEveryOutcome) {
  EXPECT_EQ(OutcomeName(Outcome::kAccepted), "accepted");
  EXPECT_EQ(OutcomeName(Outcome::kRejected), "rejected");
  EXPECT_EQ(OutcomeName(Outcome::kRetryLater), "retry_later");
  EXPECT_EQ(OutcomeName(Outcome::kKeyRejected), "key_rejected");
}

}  // namespace
}  // namespace statusbridge::statuspage
