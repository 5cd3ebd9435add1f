#include "aws/cloudwatch_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "aws/cloudwatch_test_queries.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using json = nlohmann::json;
using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::FakeHttpClient;
using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Pair;
using ::testing::StartsWith;

using cw_test::IsInsights;
using cw_test::kDay;
using cw_test::kMinute;
using cw_test::kStart;
using cw_test::Math;
using cw_test::MathQueries;
using cw_test::Queries;
using cw_test::Query;
using cw_test::Stat;
using cw_test::T;
using cw_test::Window;

class TestCredentials : public CredentialsProvider {
 public:
  Result<Credentials> GetCredentials() override {
    ++calls;
    if (!error.ok()) {
      return error;
    }
    return credentials;
  }
  std::string Name() const override { return "test"; }

  Credentials credentials{"AKIDEXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                          Secret(), std::nullopt, "test"};
  Status error;
  int calls = 0;
};

json ResultJson(const std::string& id, std::vector<int64_t> timestamps, std::vector<double> values,
                const std::string& status = "Complete") {
  return json{{"Id", id},
              {"Label", "Requests"},
              {"Timestamps", std::move(timestamps)},
              {"Values", std::move(values)},
              {"StatusCode", status}};
}

std::string PageBody(std::vector<json> results, std::optional<std::string> next_token = {}) {
  json page{{"MetricDataResults", std::move(results)}, {"Messages", json::array()}};
  if (next_token) {
    page["NextToken"] = *next_token;
  }
  return page.dump();
}

http::HttpResponse ErrorResponse(int status, const std::string& type, const std::string& message,
                                 const std::string& query_error = "") {
  http::HttpResponse r;
  r.status = status;
  r.body = json{{"__type", "com.amazonaws.cloudwatch#" + type}, {"message", message}}.dump();
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"x-amzn-RequestId", "req-1"}};
  if (!query_error.empty()) {
    r.headers.emplace_back("x-amzn-query-error", query_error);
  }
  return r;
}

// Identifiers an expression refers to: lowercase-initial words outside quoted strings, not
// followed by "(" (the test's own, regex-based reading of the metric math syntax).
std::set<std::string> ReferencedIds(const std::string& expression) {
  static const std::regex kStrings(R"('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")");
  static const std::regex kIdentifier(R"(\b([a-z][A-Za-z0-9_]*)\b(?!\s*\())");
  const std::string bare = std::regex_replace(expression, kStrings, "''");
  std::set<std::string> ids;
  for (auto it = std::sregex_iterator(bare.begin(), bare.end(), kIdentifier);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1] != "true" && (*it)[1] != "false") {
      ids.insert((*it)[1]);
    }
  }
  return ids;
}

// A strict little CloudWatch that answers GetMetricData from the request itself: every bucket of
// [StartTime, EndTime) for every returned query (ReturnData true), with the number in the
// query's Id ("q17" -> 17) as the value; expressions are not evaluated. It rejects with a 400
// ValidationError what the real service rejects: more than 500 queries or 100,800 returned
// datapoints, invalid or duplicate Ids, not exactly one of MetricStat and Expression, Period
// outside an Expression, an expression referring to an Id the request does not define, two
// Metrics Insights queries, a window not aligned to a period, a missing header. With
// page_size > 0 it returns at most that many metric datapoints per page and hands out a
// NextToken, marking unfinished results PartialData; expression results come whole on the first
// page only (CloudWatch does not page them).
class FakeCloudWatch : public http::HttpClient {
 public:
  Result<http::HttpResponse> Send(const http::HttpRequest& request) override {
    ++requests;
    std::string violation = Check(request);
    if (!violation.empty()) {
      violations.push_back(violation);
      return ErrorResponse(400, "ValidationError", violation, "ValidationError;Sender");
    }
    json body = json::parse(request.body);
    bodies.push_back(body);
    // Metric datapoints are numbered query by query: query i owns [first[i], first[i] + count).
    std::vector<json> queries;
    for (const json& q : body["MetricDataQueries"]) {
      if (q.value("ReturnData", true)) {
        queries.push_back(q);
      }
    }
    const int64_t start = body["StartTime"].get<int64_t>();
    const int64_t end = body["EndTime"].get<int64_t>();
    std::vector<size_t> first;
    std::vector<int64_t> periods;
    size_t total = 0;
    for (const json& q : queries) {
      const bool math = q.contains("Expression");
      periods.push_back(math ? q["Period"].get<int64_t>()
                             : q["MetricStat"]["Period"].get<int64_t>());
      first.push_back(total);
      total += math ? 0 : static_cast<size_t>((end - start) / periods.back());
    }
    size_t from = body.contains("NextToken") ? std::stoul(body["NextToken"].get<std::string>()) : 0;
    size_t to = page_size > 0 ? std::min(total, from + page_size) : total;
    // Written by hand rather than with nlohmann: large pages are slow to build in debug builds.
    std::string out = R"({"MetricDataResults":[)";
    for (size_t i = 0; i < queries.size(); ++i) {
      const bool math = queries[i].contains("Expression");
      if (math && from > 0) {
        continue;
      }
      const std::string id = queries[i]["Id"].get<std::string>();
      const std::string value = id.substr(1);
      const size_t count = static_cast<size_t>((end - start) / periods[i]);
      // Positions [lo, hi) of this query's datapoints go on this page.
      size_t lo = 0;
      size_t hi = count;
      if (!math) {
        lo = std::max(from, first[i]) - first[i];
        hi = std::max(std::min(to, first[i] + count), first[i]) - first[i];
      }
      std::string timestamps;
      std::string values;
      for (size_t p = lo; p < hi; ++p) {
        const char* sep = timestamps.empty() ? "" : ",";
        timestamps += sep + std::to_string(start + static_cast<int64_t>(p) * periods[i]);
        values += sep + value;
      }
      const bool more = !math && first[i] + count > to;
      out += std::string(out.back() == '[' ? "" : ",") + R"({"Id":")" + id +
             R"(","Label":"x","Timestamps":[)" + timestamps + R"(],"Values":[)" + values +
             R"(],"StatusCode":")" + (more ? "PartialData" : "Complete") + R"("})";
    }
    out += R"(],"Messages":[])";
    if (to < total) {
      out += R"(,"NextToken":")" + std::to_string(to) + "\"";
    }
    out += "}";
    http::HttpResponse response;
    response.status = 200;
    response.body = std::move(out);
    return response;
  }

  int requests = 0;
  size_t page_size = 0;
  std::vector<json> bodies;
  std::vector<std::string> violations;

 private:
  static std::string Check(const http::HttpRequest& request) {
    if (request.method != "POST") {
      return "method " + request.method;
    }
    if (http::FindHeader(request.headers, "X-Amz-Target") !=
            "GraniteServiceVersion20100801.GetMetricData" ||
        http::FindHeader(request.headers, "Content-Type") != "application/x-amz-json-1.0" ||
        http::FindHeader(request.headers, "x-amzn-query-mode") != "true" ||
        http::FindHeader(request.headers, "Authorization").empty()) {
      return "missing or wrong header";
    }
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return "body is not a JSON object";
    }
    const json& queries = body["MetricDataQueries"];
    if (!queries.is_array() || queries.empty() || queries.size() > 500) {
      return "MetricDataQueries must have 1..500 members";
    }
    if (!body["StartTime"].is_number_integer() || !body["EndTime"].is_number_integer()) {
      return "StartTime/EndTime must be epoch seconds";
    }
    const int64_t start = body["StartTime"].get<int64_t>();
    const int64_t end = body["EndTime"].get<int64_t>();
    if (end <= start) {
      return "EndTime must be after StartTime";
    }
    static const std::regex kId("[a-z][a-zA-Z0-9_]{0,254}");
    std::set<std::string> ids;
    std::set<std::string> referenced;
    int insights = 0;
    int64_t datapoints = 0;
    for (const json& q : queries) {
      const std::string id = q.value("Id", "");
      if (!std::regex_match(id, kId) || !ids.insert(id).second) {
        return "bad or duplicate Id " + id;
      }
      if (q.contains("MetricStat") == q.contains("Expression")) {
        return id + ": exactly one of MetricStat and Expression";
      }
      if (q.contains("ReturnData") && !q["ReturnData"].is_boolean()) {
        return id + ": ReturnData must be a boolean";
      }
      int64_t period = 0;
      if (q.contains("Expression")) {
        const std::string expression = q["Expression"].get<std::string>();
        if (expression.empty() || expression.size() > 2048) {
          return id + ": Expression must be 1..2048 characters";
        }
        if (IsInsights(expression)) {
          ++insights;
        } else {
          for (const std::string& ref : ReferencedIds(expression)) {
            referenced.insert(ref);
          }
        }
        if (!q.contains("Period") || !q["Period"].is_number_integer()) {
          return id + ": an Expression needs an integer Period here";
        }
        period = q["Period"].get<int64_t>();
      } else {
        if (q.contains("Period")) {
          return id + ": Period is only for Expression";
        }
        period = q["MetricStat"]["Period"].get<int64_t>();
      }
      if (period <= 0 || start % period != 0 || end % period != 0) {
        return "window not aligned to period";
      }
      if (q.value("ReturnData", true)) {
        datapoints += (end - start) / period;
      }
    }
    for (const std::string& ref : referenced) {
      if (ids.count(ref) == 0) {
        return "an expression refers to " + ref + ", which the request does not define";
      }
    }
    if (insights > 1) {
      return "more than one Metrics Insights query";
    }
    if (datapoints > kMaxDatapointsPerCall) {
      return "too many datapoints: " + std::to_string(datapoints);
    }
    return "";
  }
};

class CloudWatchClientTest : public ::testing::Test {
 protected:
  static CloudWatchOptions Options() {
    CloudWatchOptions o;
    o.endpoint = "https://monitoring.us-east-1.amazonaws.com";
    o.region = "us-east-1";
    o.max_attempts = 4;
    o.backoff = BackoffPolicy{Millis(2000), Millis(20000)};
    o.timeout = Millis(7000);
    return o;
  }
  std::unique_ptr<CloudWatchClient> Client(http::HttpClient& http,
                                           CloudWatchOptions options = Options()) {
    return NewCloudWatchClient(
        http, credentials_, clock_, [] { return 0.5; }, std::move(options));
  }

  FakeHttpClient http_;
  TestCredentials credentials_;
  FakeClock clock_;  // 1700000000 = 2023-11-14T22:13:20Z
};

// ---- Request shape ----

TEST_F(CloudWatchClientTest, SendsSignedJson10RequestWithTheDocumentedShape) {
  MetricQuery elb = Query("5xx");
  elb.stat.metric_name = "HTTPCode_Target_5XX_Count";
  elb.stat.dimensions = {{"LoadBalancer", "app/my-lb/50dc6c495c0c9188"}};
  elb.stat.unit = "Count";
  MetricQuery plain = Query("latency", Seconds(300), "TargetResponseTime");
  plain.stat.stat = "p99";
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart + 60, kStart}, {3, 0}),
                                   ResultJson("q1", {kStart}, {0.25})}));

  CloudWatchStats stats;
  auto result =
      Client(http_)->GetMetricData({elb, plain}, Window(kStart, kStart + 3600), &stats, Deadline());
  ASSERT_OK(result);

  ASSERT_EQ(http_.requests().size(), 1u);
  const http::HttpRequest r = http_.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://monitoring.us-east-1.amazonaws.com/");
  EXPECT_EQ(r.timeout, Millis(7000));
  EXPECT_EQ(http::FindHeader(r.headers, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(http::FindHeader(r.headers, "X-Amz-Target"),
            "GraniteServiceVersion20100801.GetMetricData");
  EXPECT_EQ(http::FindHeader(r.headers, "x-amzn-query-mode"), "true");
  EXPECT_EQ(http::FindHeader(r.headers, "Host"), "monitoring.us-east-1.amazonaws.com");
  EXPECT_EQ(http::FindHeader(r.headers, "X-Amz-Date"), "20231114T221320Z");
  EXPECT_THAT(std::string(http::FindHeader(r.headers, "Authorization")),
              AllOf(StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/"
                               "monitoring/aws4_request, SignedHeaders="),
                    HasSubstr("content-type"), HasSubstr("x-amz-target"),
                    HasSubstr("x-amzn-query-mode"), MatchesRegex(".*Signature=[0-9a-f]{64}")));

  json body = json::parse(r.body);
  std::set<std::string> keys;
  for (const auto& [key, value] : body.items()) {
    keys.insert(key);
  }
  EXPECT_EQ(keys, (std::set<std::string>{"MetricDataQueries", "StartTime", "EndTime", "ScanBy"}));
  ASSERT_TRUE(body["StartTime"].is_number_integer());
  ASSERT_TRUE(body["EndTime"].is_number_integer());
  EXPECT_EQ(body["StartTime"].get<int64_t>(), kStart);
  EXPECT_EQ(body["EndTime"].get<int64_t>(), kStart + 3600);
  EXPECT_EQ(body["ScanBy"], "TimestampAscending");

  ASSERT_TRUE(body["MetricDataQueries"].is_array());
  ASSERT_EQ(body["MetricDataQueries"].size(), 2u);
  const json& q0 = body["MetricDataQueries"][0];
  EXPECT_EQ(q0, json::parse(R"({"Id":"q0","MetricStat":{"Metric":{
      "Namespace":"AWS/ApplicationELB","MetricName":"HTTPCode_Target_5XX_Count",
      "Dimensions":[{"Name":"LoadBalancer","Value":"app/my-lb/50dc6c495c0c9188"}]},
      "Period":60,"Stat":"Sum","Unit":"Count"},"ReturnData":true})"));
  EXPECT_TRUE(q0["ReturnData"].is_boolean());
  EXPECT_TRUE(q0["MetricStat"]["Period"].is_number_integer());
  const json& q1 = body["MetricDataQueries"][1];
  EXPECT_EQ(q1, json::parse(R"({"Id":"q1","MetricStat":{"Metric":{
      "Namespace":"AWS/ApplicationELB","MetricName":"TargetResponseTime"},
      "Period":300,"Stat":"p99"},"ReturnData":true})"));

  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].id, "5xx");
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 0.0), Pair(T(kStart + 60), 3.0)));
  EXPECT_EQ((*result)[1].id, "latency");
  EXPECT_THAT((*result)[1].values, ElementsAre(Pair(T(kStart), 0.25)));
  EXPECT_EQ(stats.calls, 1);
  EXPECT_EQ(stats.throttled, 0);
  EXPECT_EQ(stats.datapoints, 3);
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
}

TEST_F(CloudWatchClientTest, SessionTokenIsSent) {
  credentials_.credentials.session_token = Secret("token-abc");
  http_.AddResponse(200, PageBody({ResultJson("q0", {}, {})}));
  ASSERT_OK(
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()));
  const http::HttpRequest r = http_.requests()[0];
  EXPECT_EQ(http::FindHeader(r.headers, "X-Amz-Security-Token"), "token-abc");
}

TEST_F(CloudWatchClientTest, EndpointWithTrailingSlashAndPort) {
  CloudWatchOptions options = Options();
  options.endpoint = "http://127.0.0.1:4566/";
  http_.AddResponse(200, PageBody({}));
  ASSERT_OK(Client(http_, options)
                ->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()));
  const http::HttpRequest r = http_.requests()[0];
  EXPECT_EQ(r.url, "http://127.0.0.1:4566/");
  EXPECT_EQ(http::FindHeader(r.headers, "Host"), "127.0.0.1:4566");
}

TEST_F(CloudWatchClientTest, ParsesFloatTimestampsAndIgnoresPointsOutsideTheWindow) {
  http_.AddResponse(200, R"({"MetricDataResults":[{"Id":"q0","StatusCode":"Complete",
      "Timestamps":[1704067140, 1704067200.0, 1704067260.9, 1704067320, 1704067380],
      "Values":[9, 1.5, 2, 3, 7]}]})");
  CloudWatchStats stats;
  auto result =
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 180), &stats, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 1.5), Pair(T(kStart + 60), 2.0),
                                               Pair(T(kStart + 120), 3.0)));
  EXPECT_EQ(stats.datapoints, 5);
}

TEST_F(CloudWatchClientTest, ResultsWithoutDataAndNullFieldsAreFine) {
  http_.AddResponse(200, R"({"MetricDataResults":[{"Id":"q0","StatusCode":"Complete"},
      {"Id":"q1","StatusCode":"Complete","Timestamps":[],"Values":[],"Label":null}],
      "NextToken":null,"Messages":[{"Code":"Info","Value":"x"}]})");
  auto result = Client(http_)->GetMetricData({Query("a"), Query("b")}, Window(kStart, kStart + 60),
                                             nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT((*result)[0].values, IsEmpty());
  EXPECT_THAT((*result)[1].values, IsEmpty());
}

TEST_F(CloudWatchClientTest, NoQueriesOrEmptyWindowMakeNoRequest) {
  auto none = Client(http_)->GetMetricData({}, Window(kStart, kStart + 60), nullptr, Deadline());
  ASSERT_OK(none);
  EXPECT_THAT(*none, IsEmpty());
  auto empty =
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart), nullptr, Deadline());
  ASSERT_OK(empty);
  ASSERT_EQ(empty->size(), 1u);
  EXPECT_EQ((*empty)[0].id, "a");
  EXPECT_THAT((*empty)[0].values, IsEmpty());
  EXPECT_THAT(http_.requests(), IsEmpty());
}

TEST_F(CloudWatchClientTest, InvalidInputsFailBeforeAnyRequest) {
  EXPECT_THAT(Client(http_)->GetMetricData({Query("a", Seconds(300))},
                                           Window(kStart + 60, kStart + 600), nullptr, Deadline()),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(StartsWith("GetMetricData: query \"a\""), HasSubstr("5m period"))));
  CloudWatchOptions no_region = Options();
  no_region.region = "";
  EXPECT_THAT(Client(http_, no_region)
                  ->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("region")));
  CloudWatchOptions bad_endpoint = Options();
  bad_endpoint.endpoint = "monitoring.us-east-1.amazonaws.com";
  EXPECT_THAT(Client(http_, bad_endpoint)
                  ->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("GetMetricData: endpoint")));
  MetricQuery bad_utf8 = Query("a");
  bad_utf8.stat.dimensions = {{"Name", "\xff\xfe"}};
  EXPECT_THAT(
      Client(http_)->GetMetricData({bad_utf8}, Window(kStart, kStart + 60), nullptr, Deadline()),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("cannot encode")));
  EXPECT_THAT(http_.requests(), IsEmpty());
}

TEST_F(CloudWatchClientTest, CredentialErrorsAreReturnedAsTheyAre) {
  credentials_.error = Status::NotFound("no AWS credentials: environment: AWS_ACCESS_KEY_ID unset");
  EXPECT_THAT(
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()),
      StatusIs(StatusCode::kNotFound,
               "GetMetricData: no AWS credentials: environment: AWS_ACCESS_KEY_ID unset"));
  EXPECT_THAT(http_.requests(), IsEmpty());
}

// ---- Batching and planning through the client ----

TEST_F(CloudWatchClientTest, BatchesAbove500QueriesAndMapsIdsBack) {
  FakeCloudWatch cloudwatch;
  std::vector<MetricQuery> queries = Queries(1201);
  CloudWatchStats stats;
  auto result =
      Client(cloudwatch)->GetMetricData(queries, Window(kStart, kStart + 300), &stats, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT(cloudwatch.violations, IsEmpty());
  ASSERT_EQ(cloudwatch.bodies.size(), 3u);
  EXPECT_EQ(cloudwatch.bodies[0]["MetricDataQueries"].size(), 500u);
  EXPECT_EQ(cloudwatch.bodies[1]["MetricDataQueries"].size(), 500u);
  EXPECT_EQ(cloudwatch.bodies[2]["MetricDataQueries"].size(), 201u);
  EXPECT_EQ(cloudwatch.bodies[2]["MetricDataQueries"][0]["Id"], "q1000");
  ASSERT_EQ(result->size(), 1201u);
  for (size_t i = 0; i < queries.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ((*result)[i].id, queries[i].id);
    ASSERT_EQ((*result)[i].values.size(), 5u);
    EXPECT_EQ((*result)[i].values.begin()->second, static_cast<double>(i));
  }
  EXPECT_EQ(stats.calls, 3);
  EXPECT_EQ(stats.datapoints, 1201 * 5);
}

TEST_F(CloudWatchClientTest, StaysUnderTheDatapointLimitFor500QueriesOverADay) {
  FakeCloudWatch cloudwatch;
  std::vector<MetricQuery> queries = Queries(500);
  auto result = Client(cloudwatch)
                    ->GetMetricData(queries, Window(kStart, kStart + kDay), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT(cloudwatch.violations, IsEmpty());
  // 720,000 datapoints need at least 8 calls; 70 queries x 1440 buckets = 100,800 fills one.
  EXPECT_EQ(cloudwatch.requests, 8);
  for (size_t i = 0; i < queries.size(); ++i) {
    ASSERT_EQ((*result)[i].values.size(), 1440u) << i;
    EXPECT_EQ((*result)[i].values.rbegin()->first, T(kStart + kDay - 60));
    EXPECT_EQ((*result)[i].values.rbegin()->second, static_cast<double>(i));
  }
}

TEST_F(CloudWatchClientTest, SplitsTheWindowWhenOneQueryExceedsTheDatapointLimit) {
  FakeCloudWatch cloudwatch;
  // 100 days of one-minute buckets: 144,000 datapoints for a single query.
  auto result =
      Client(cloudwatch)
          ->GetMetricData({Query("a")}, Window(kStart, kStart + 100 * kDay), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT(cloudwatch.violations, IsEmpty());
  ASSERT_EQ(cloudwatch.bodies.size(), 2u);
  EXPECT_EQ(cloudwatch.bodies[0]["StartTime"].get<int64_t>(), kStart);
  EXPECT_EQ(cloudwatch.bodies[0]["EndTime"].get<int64_t>(), kStart + 100800 * kMinute);
  EXPECT_EQ(cloudwatch.bodies[1]["StartTime"].get<int64_t>(), kStart + 100800 * kMinute);
  EXPECT_EQ(cloudwatch.bodies[1]["EndTime"].get<int64_t>(), kStart + 100 * kDay);
  EXPECT_EQ((*result)[0].values.size(), 144000u);
}

// ---- Metric math through the client ----

TEST_F(CloudWatchClientTest, MathQueryTravelsAsAnExpressionAfterItsInputs) {
  MetricStat errors = Stat("HTTPCode_Target_5XX_Count");
  errors.dimensions = {{"LoadBalancer", "app/my-lb/50dc6c495c0c9188"}};
  MetricStat requests = Stat("RequestCount");
  requests.unit = "Count";
  MetricQuery rate =
      Math("error rate", "100 * FILL(m1, 0) / m2", {{"m1", errors}, {"m2", requests}});
  rate.label = "5xx %";
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {7}),
                                   ResultJson("q1", {kStart, kStart + 60}, {0.5, 1.5})}));

  CloudWatchStats stats;
  auto result = Client(http_)->GetMetricData({Query("plain"), rate}, Window(kStart, kStart + 120),
                                             &stats, Deadline());
  ASSERT_OK(result);

  ASSERT_EQ(http_.requests().size(), 1u);
  json body = json::parse(http_.requests()[0].body);
  EXPECT_EQ(body["MetricDataQueries"], json::parse(R"([
      {"Id":"q0","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB","MetricName":"Requests"},
       "Period":60,"Stat":"Sum"},"ReturnData":true},
      {"Id":"q1_0","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB",
       "MetricName":"HTTPCode_Target_5XX_Count",
       "Dimensions":[{"Name":"LoadBalancer","Value":"app/my-lb/50dc6c495c0c9188"}]},
       "Period":60,"Stat":"Sum"},"ReturnData":false},
      {"Id":"q1_1","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB",
       "MetricName":"RequestCount"},"Period":60,"Stat":"Sum","Unit":"Count"},"ReturnData":false},
      {"Id":"q1","Expression":"100 * FILL(q1_0, 0) / q1_1","Period":60,"ReturnData":true,
       "Label":"5xx %"}])"));
  const json& expression = body["MetricDataQueries"][3];
  EXPECT_TRUE(expression["Period"].is_number_integer());
  EXPECT_TRUE(expression["ReturnData"].is_boolean());
  EXPECT_TRUE(body["MetricDataQueries"][1]["ReturnData"].is_boolean());

  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].id, "plain");
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 7.0)));
  EXPECT_EQ((*result)[1].id, "error rate");
  EXPECT_THAT((*result)[1].values, ElementsAre(Pair(T(kStart), 0.5), Pair(T(kStart + 60), 1.5)));
  EXPECT_EQ(stats.datapoints, 3);
}

TEST_F(CloudWatchClientTest, QueriesSharingInputIdsGetDistinctWireIds) {
  const std::string search =
      R"(SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="m1" m1', 'Sum', 60))";
  std::vector<MetricQuery> queries = {
      Math("a", "FILL(m1, 0)", {{"m1", Stat("Errors")}}),
      Math("b", "m1 + SUM(" + search + ")", {{"m1", Stat("Requests")}}),
      Query("c"),
  };
  FakeCloudWatch cloudwatch;
  auto result =
      Client(cloudwatch)->GetMetricData(queries, Window(kStart, kStart + 180), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT(cloudwatch.violations, IsEmpty());
  ASSERT_EQ(cloudwatch.bodies.size(), 1u);
  const json& wire = cloudwatch.bodies[0]["MetricDataQueries"];
  std::vector<std::string> ids;
  for (const json& q : wire) {
    ids.push_back(q["Id"].get<std::string>());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"q0_0", "q0", "q1_0", "q1", "q2"}));
  EXPECT_EQ(wire[0]["MetricStat"]["Metric"]["MetricName"], "Errors");
  EXPECT_EQ(wire[1]["Expression"], "FILL(q0_0, 0)");
  EXPECT_FALSE(wire[1].contains("Label"));
  EXPECT_EQ(wire[2]["MetricStat"]["Metric"]["MetricName"], "Requests");
  EXPECT_EQ(wire[3]["Expression"], "q1_0 + SUM(" + search + ")");  // the quoted m1s stay
  ASSERT_EQ(result->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ((*result)[i].id, queries[i].id);
    ASSERT_EQ((*result)[i].values.size(), 3u);
    EXPECT_EQ((*result)[i].values.begin()->second, static_cast<double>(i));
  }
}

TEST_F(CloudWatchClientTest, MathQueriesTravelWithTheirInputs) {
  FakeCloudWatch cloudwatch;  // refuses an expression naming an Id its request lacks
  std::vector<MetricQuery> queries = MathQueries(300);
  auto result =
      Client(cloudwatch)->GetMetricData(queries, Window(kStart, kStart + 300), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT(cloudwatch.violations, IsEmpty());
  ASSERT_EQ(cloudwatch.bodies.size(), 2u);
  EXPECT_EQ(cloudwatch.bodies[0]["MetricDataQueries"].size(), 500u);
  EXPECT_EQ(cloudwatch.bodies[1]["MetricDataQueries"].size(), 100u);
  EXPECT_EQ(cloudwatch.bodies[1]["MetricDataQueries"][0]["Id"], "q250_0");
  EXPECT_EQ(cloudwatch.bodies[1]["MetricDataQueries"][1]["Expression"], "FILL(q250_0, 0)");
  for (size_t i = 0; i < queries.size(); ++i) {
    ASSERT_EQ((*result)[i].values.size(), 5u) << i;
    EXPECT_EQ((*result)[i].values.begin()->second, static_cast<double>(i));
  }
}

TEST_F(CloudWatchClientTest, MetricsPageOnWhileMathResultsArriveWhole) {
  FakeCloudWatch cloudwatch;
  cloudwatch.page_size = 7;
  std::vector<MetricQuery> queries = Queries(2);
  queries.push_back(Math("x", "m1 * 2", {{"m1", Stat("Requests")}}));
  auto result =
      Client(cloudwatch)->GetMetricData(queries, Window(kStart, kStart + 600), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT(cloudwatch.violations, IsEmpty());
  EXPECT_EQ(cloudwatch.requests, 3);  // 20 metric datapoints, 7 per page
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*result)[i].values.size(), 10u) << i;
  }
  EXPECT_EQ((*result)[2].values.begin()->second, 2.0);
}

TEST_F(CloudWatchClientTest, MathResultRepeatedOnLaterPagesIsMerged) {
  json math = ResultJson("q1", {kStart, kStart + 60}, {5, 6});
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {1}, "PartialData"), math}, "t"));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart + 60}, {2}), math}));
  auto result =
      Client(http_)->GetMetricData({Query("a"), Math("x", "m1", {{"m1", Stat("Requests")}})},
                                   Window(kStart, kStart + 120), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 1.0), Pair(T(kStart + 60), 2.0)));
  EXPECT_THAT((*result)[1].values, ElementsAre(Pair(T(kStart), 5.0), Pair(T(kStart + 60), 6.0)));
  EXPECT_EQ(json::parse(http_.requests()[1].body)["NextToken"], "t");
}

TEST_F(CloudWatchClientTest, SeveralSeriesForOneMathQueryFailNamingTheQuery) {
  json lb1 = ResultJson("q0", {kStart}, {1});
  lb1["Label"] = "app/lb-1";
  json lb2 = ResultJson("q0", {kStart}, {2});
  lb2["Label"] = "app/lb-2";
  http_.AddResponse(200, PageBody({lb1, lb2}));
  MetricQuery all =
      Math("all 5xx", "SEARCH('{AWS/ApplicationELB,LoadBalancer} 5XX', 'Sum', 60)", {});
  EXPECT_THAT(Client(http_)->GetMetricData({all}, Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(StartsWith("GetMetricData: math query \"all 5xx\" (expression "
                                        "\"SEARCH('{AWS/ApplicationELB,LoadBalancer}"),
                             HasSubstr("returned more than one time series (\"app/lb-1\", "
                                       "\"app/lb-2\", ...)"),
                             HasSubstr("SUM(SEARCH(...))"))));
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(CloudWatchClientTest, ANewLabelOnALaterPageIsASecondSeries) {
  json first = ResultJson("q1", {kStart}, {1});
  first["Label"] = "a";
  json second = ResultJson("q1", {kStart}, {2});
  second["Label"] = "b";
  http_.AddResponse(200, PageBody({ResultJson("q0", {}, {}, "PartialData"), first}, "t"));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {1}), second}));
  EXPECT_THAT(Client(http_)->GetMetricData({Query("a"), Math("x", "SEARCH('x', 'Sum', 60)", {})},
                                           Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("math query \"x\" (expression \"SEARCH('x', 'Sum', 60)\") "
                                 "returned more than one time series")));
}

TEST_F(CloudWatchClientTest, ResultsForMathInputsAreIgnored) {
  http_.AddResponse(
      200, PageBody({ResultJson("q0_0", {kStart}, {99}), ResultJson("q0", {kStart}, {3})}));
  auto result = Client(http_)->GetMetricData({Math("x", "m1", {{"m1", Stat("Requests")}})},
                                             Window(kStart, kStart + 60), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 3.0)));
}

TEST_F(CloudWatchClientTest, ForbiddenMathResultNamesTheQuery) {
  http_.AddResponse(200, R"({"MetricDataResults":[{"Id":"q0","StatusCode":"Forbidden"}]})");
  EXPECT_THAT(Client(http_)->GetMetricData({Math("x", "m1 / 60", {{"m1", Stat("Requests")}})},
                                           Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kPermissionDenied,
                       "GetMetricData: access to math query \"x\" (expression \"m1 / 60\") is "
                       "Forbidden"));
}

TEST_F(CloudWatchClientTest, InvalidMathQueriesFailBeforeAnyRequest) {
  EXPECT_THAT(
      Client(http_)->GetMetricData({Query("a"), Math("x", "m1 + m2", {{"m1", Stat("Requests")}})},
                                   Window(kStart, kStart + 60), nullptr, Deadline()),
      StatusIs(StatusCode::kInvalidArgument,
               "GetMetricData: query \"x\": expression \"m1 + m2\" uses m2, which is not one of "
               "its inputs (m1)"));
  EXPECT_THAT(http_.requests(), IsEmpty());
}

// ---- Pagination ----

TEST_F(CloudWatchClientTest, FollowsNextTokenAndMergesPages) {
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {1}, "PartialData"),
                                   ResultJson("q1", {kStart}, {10}, "Complete")},
                                  "token-1"));
  http_.AddResponse(200,
                    PageBody({ResultJson("q0", {kStart + 60}, {2}, "PartialData")}, "token-2"));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart + 120}, {3})}));
  CloudWatchStats stats;
  auto result = Client(http_)->GetMetricData({Query("a"), Query("b")}, Window(kStart, kStart + 180),
                                             &stats, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 1.0), Pair(T(kStart + 60), 2.0),
                                               Pair(T(kStart + 120), 3.0)));
  EXPECT_THAT((*result)[1].values, ElementsAre(Pair(T(kStart), 10.0)));
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);
  json first = json::parse(requests[0].body);
  json second = json::parse(requests[1].body);
  json third = json::parse(requests[2].body);
  EXPECT_FALSE(first.contains("NextToken"));
  EXPECT_EQ(second["NextToken"], "token-1");
  EXPECT_EQ(third["NextToken"], "token-2");
  second.erase("NextToken");
  EXPECT_EQ(second, first);  // same queries and window
  EXPECT_EQ(stats.calls, 3);
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
}

TEST_F(CloudWatchClientTest, PagesThroughAStrictServer) {
  FakeCloudWatch cloudwatch;
  cloudwatch.page_size = 7;
  auto result = Client(cloudwatch)
                    ->GetMetricData(Queries(3), Window(kStart, kStart + 600), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_EQ(cloudwatch.requests, 5);  // 30 datapoints, 7 per page
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*result)[i].values.size(), 10u);
  }
}

TEST_F(CloudWatchClientTest, GivesUpOnEndlessPaging) {
  CloudWatchOptions options = Options();
  options.max_pages_per_call = 3;
  for (int i = 0; i < 3; ++i) {
    http_.AddResponse(
        200, PageBody({ResultJson("q0", {}, {}, "PartialData")}, "again-" + std::to_string(i)));
  }
  EXPECT_THAT(Client(http_, options)
                  ->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kInternal, HasSubstr("NextToken never ran out")));
  EXPECT_EQ(http_.requests().size(), 3u);
}

TEST_F(CloudWatchClientTest, ARepeatedNextTokenIsAnErrorNotALoop) {
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {1}, "PartialData")}, "t1"));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart + 60}, {2}, "PartialData")}, "t2"));
  http_.AddResponse(200, PageBody({ResultJson("q0", {}, {}, "PartialData")}, "t1"));
  EXPECT_THAT(
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 180), nullptr, Deadline()),
      StatusIs(StatusCode::kInternal, AllOf(HasSubstr("repeats a NextToken"), HasSubstr("t1"))));
  EXPECT_EQ(http_.requests().size(), 3u);
}

// `once --timeout` must bound reading too: a server that pages for ever is cut off at the cycle's
// deadline (here a stop request after a few pages), not after max_pages_per_call.
TEST_F(CloudWatchClientTest, TheDeadlineEndsEndlessPaging) {
  for (int i = 0; i < 50; ++i) {
    http_.AddResponse(
        200, PageBody({ResultJson("q0", {}, {}, "PartialData")}, "page-" + std::to_string(i)));
  }
  Deadline deadline(MonotonicTime::max(), [&] { return http_.requests().size() >= 5; });
  EXPECT_THAT(
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, deadline),
      StatusIs(StatusCode::kDeadlineExceeded,
               AllOf(HasSubstr("GetMetricData"), HasSubstr("stop requested"))));
  EXPECT_EQ(http_.requests().size(), 5u);
}

TEST_F(CloudWatchClientTest, TheDeadlineCapsRequestTimeoutsAndRetryWaits) {
  for (int i = 0; i < 4; ++i) {
    http_.AddResponse(
        ErrorResponse(400, "ThrottlingException", "Rate exceeded", "Throttling;Sender"));
  }
  // 3 s left: the first request's timeout is cut from 7 s to 3 s; the backoff waits (1 s, 2 s at
  // jitter 0.5 of 2 s, 4 s) cannot all fit, so the call ends before its attempts run out.
  Deadline deadline = Deadline::In(clock_, Millis(3000));
  auto result =
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, deadline);
  EXPECT_THAT(result, StatusIs(StatusCode::kDeadlineExceeded,
                               AllOf(HasSubstr("Rate exceeded"), HasSubstr("no time left"))));
  ASSERT_GE(http_.requests().size(), 1u);
  EXPECT_EQ(http_.requests()[0].timeout, Millis(3000));
  EXPECT_LT(http_.requests().size(), 4u);
  EXPECT_LE(clock_.Monotonic(), deadline.at());
}

TEST_F(CloudWatchClientTest, RetriesInternalErrorResultsWithoutToken) {
  http_.AddResponse(200, PageBody({ResultJson("q0", {}, {}, "InternalError")}));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {4})}));
  auto result =
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 4.0)));
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(json::parse(requests[1].body), json::parse(requests[0].body));
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(1000)));
}

TEST_F(CloudWatchClientTest, RetriesInternalErrorResultsWithTheirNextToken) {
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {1}, "InternalError")}, "resume"));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart + 60}, {2})}));
  auto result =
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 120), nullptr, Deadline());
  ASSERT_OK(result);
  EXPECT_THAT((*result)[0].values, ElementsAre(Pair(T(kStart), 1.0), Pair(T(kStart + 60), 2.0)));
  EXPECT_EQ(json::parse(http_.requests()[1].body)["NextToken"], "resume");
}

TEST_F(CloudWatchClientTest, InternalErrorResultsGiveUpAfterMaxAttempts) {
  for (int i = 0; i < 4; ++i) {
    http_.AddResponse(200, R"({"MetricDataResults":[{"Id":"q0","StatusCode":"InternalError",
        "Messages":[{"Code":"InternalError","Value":"try later"}]}]})");
  }
  EXPECT_THAT(
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()),
      StatusIs(StatusCode::kUnavailable,
               AllOf(StartsWith("GetMetricData: CloudWatch returned StatusCode InternalError for "
                                "metric AWS/ApplicationELB/Requests (query \"a\")"),
                     HasSubstr("try later"), HasSubstr("after 4 attempts"))));
  EXPECT_EQ(http_.requests().size(), 4u);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(1000), Millis(2000), Millis(4000)));
}

TEST_F(CloudWatchClientTest, ForbiddenResultIsPermissionDeniedNamingTheMetric) {
  http_.AddResponse(200, R"({"MetricDataResults":[{"Id":"q0","StatusCode":"Complete"},
      {"Id":"q1","StatusCode":"Forbidden","Messages":[{"Code":"Forbidden","Value":"no access"}]}]})");
  EXPECT_THAT(Client(http_)->GetMetricData({Query("a"), Query("b", Seconds(60), "Secret")},
                                           Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kPermissionDenied,
                       "GetMetricData: access to metric AWS/ApplicationELB/Secret (query \"b\") "
                       "is Forbidden: Forbidden: no access"));
}

// ---- Retries ----

TEST_F(CloudWatchClientTest, RetriesThrottlingWithBackoffAndResigns) {
  http_.AddResponse(
      ErrorResponse(400, "ThrottlingException", "Rate exceeded", "Throttling;Sender"));
  http_.AddResponse(
      ErrorResponse(400, "ThrottlingException", "Rate exceeded", "Throttling;Sender"));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {1})}));
  CloudWatchStats stats;
  auto result =
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), &stats, Deadline());
  ASSERT_OK(result);
  // Full jitter with random() = 0.5: 0.5 * 2000ms * 2^attempt.
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(1000), Millis(2000)));
  EXPECT_EQ(stats.calls, 3);
  EXPECT_EQ(stats.throttled, 2);
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(http::FindHeader(requests[0].headers, "X-Amz-Date"), "20231114T221320Z");
  EXPECT_EQ(http::FindHeader(requests[1].headers, "X-Amz-Date"), "20231114T221321Z");
  EXPECT_EQ(http::FindHeader(requests[2].headers, "X-Amz-Date"), "20231114T221323Z");
  EXPECT_NE(http::FindHeader(requests[0].headers, "Authorization"),
            http::FindHeader(requests[2].headers, "Authorization"));
  EXPECT_EQ(credentials_.calls, 3);
}

TEST_F(CloudWatchClientTest, ThrottlingExhaustedIsResourceExhaustedWithTheAwsCode) {
  for (int i = 0; i < 4; ++i) {
    http_.AddResponse(
        ErrorResponse(400, "ThrottlingException", "Rate exceeded", "Throttling;Sender"));
  }
  CloudWatchStats stats;
  EXPECT_THAT(
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), &stats, Deadline()),
      StatusIs(StatusCode::kResourceExhausted,
               "GetMetricData: HTTP 400 Throttling: Rate exceeded (request id req-1) "
               "(gave up after 4 attempts)"));
  EXPECT_EQ(http_.requests().size(), 4u);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(1000), Millis(2000), Millis(4000)));
  EXPECT_EQ(stats.calls, 4);
  EXPECT_EQ(stats.throttled, 3);
}

TEST_F(CloudWatchClientTest, RetriesHttp429And5xxAndTransportErrors) {
  http_.AddResponse(429, "");
  http_.AddResponse(503, "<html>Service Unavailable</html>");
  http_.AddResponse(Result<http::HttpResponse>(
      Status::Unavailable("POST https://monitoring.us-east-1.amazonaws.com/: connection reset")));
  http_.AddResponse(200, PageBody({ResultJson("q0", {kStart}, {1})}));
  CloudWatchOptions options = Options();
  options.max_attempts = 5;
  CloudWatchStats stats;
  ASSERT_OK(Client(http_, options)
                ->GetMetricData({Query("a")}, Window(kStart, kStart + 60), &stats, Deadline()));
  EXPECT_EQ(http_.requests().size(), 4u);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(1000), Millis(2000), Millis(4000)));
  EXPECT_EQ(stats.throttled, 1);
}

TEST_F(CloudWatchClientTest, TransportErrorsExhaustedKeepTheirCode) {
  for (int i = 0; i < 2; ++i) {
    http_.AddResponse(Result<http::HttpResponse>(
        Status::DeadlineExceeded("POST https://monitoring.us-east-1.amazonaws.com/: timed out")));
  }
  CloudWatchOptions options = Options();
  options.max_attempts = 2;
  EXPECT_THAT(Client(http_, options)
                  ->GetMetricData({Query("a")}, Window(kStart, kStart + 60), nullptr, Deadline()),
              StatusIs(StatusCode::kDeadlineExceeded,
                       "GetMetricData: POST https://monitoring.us-east-1.amazonaws.com/: timed out "
                       "(gave up after 2 attempts)"));
}

struct ErrorCase {
  const char* name;
  http::HttpResponse response;
  StatusCode want_code;
  std::string want_message;
};

class CloudWatchErrorTest : public CloudWatchClientTest,
                            public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(CloudWatchErrorTest, FailsImmediatelyWithoutRetry) {
  const ErrorCase& c = GetParam();
  http_.AddResponse(Result<http::HttpResponse>(c.response));
  CloudWatchStats stats;
  EXPECT_THAT(
      Client(http_)->GetMetricData({Query("a")}, Window(kStart, kStart + 60), &stats, Deadline()),
      StatusIs(c.want_code, c.want_message));
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
  EXPECT_EQ(stats.calls, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CloudWatchErrorTest,
    ::testing::Values(
        ErrorCase{"SignatureDoesNotMatch",
                  ErrorResponse(403, "SignatureDoesNotMatch",
                                "The request signature we calculated does not match the signature "
                                "you provided.",
                                "SignatureDoesNotMatch;Sender"),
                  StatusCode::kPermissionDenied,
                  "GetMetricData: HTTP 403 SignatureDoesNotMatch: The request signature we "
                  "calculated does not match the signature you provided. (request id req-1)"},
        ErrorCase{"ExpiredToken", ErrorResponse(400, "ExpiredTokenException", "expired"),
                  StatusCode::kPermissionDenied,
                  "GetMetricData: HTTP 400 ExpiredTokenException: expired (request id req-1)"},
        ErrorCase{"ValidationError",
                  ErrorResponse(400, "ValidationError",
                                "The parameter MetricDataQueries.member.1.Id must be valid",
                                "ValidationError;Sender"),
                  StatusCode::kInvalidArgument,
                  "GetMetricData: HTTP 400 ValidationError: The parameter "
                  "MetricDataQueries.member.1.Id must be valid (request id req-1)"},
        ErrorCase{"InvalidNextToken",
                  ErrorResponse(400, "InvalidNextToken", "bad token", "InvalidNextToken;Sender"),
                  StatusCode::kInvalidArgument,
                  "GetMetricData: HTTP 400 InvalidNextToken: bad token (request id req-1)"},
        ErrorCase{"QueryXmlAccessDenied",
                  http::HttpResponse{403,
                                     {},
                                     "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
                                     "</Code><Message>User is not authorized</Message></Error>"
                                     "</ErrorResponse>"},
                  StatusCode::kPermissionDenied,
                  "GetMetricData: HTTP 403 AccessDenied: User is not authorized"},
        ErrorCase{"Redirect", http::HttpResponse{301, {}, ""}, StatusCode::kInternal,
                  "GetMetricData: HTTP 301: empty response body"}),
    [](const ::testing::TestParamInfo<ErrorCase>& p) { return std::string(p.param.name); });

// ---- Malformed and hostile responses ----

struct MalformedCase {
  const char* name;
  std::string body;
  std::string want;  // substring of the message
};

class MalformedResponseTest : public CloudWatchClientTest,
                              public ::testing::WithParamInterface<MalformedCase> {};

TEST_P(MalformedResponseTest, IsAClearInternalErrorAndNotRetried) {
  const MalformedCase& c = GetParam();
  http_.AddResponse(200, c.body);
  auto result = Client(http_)->GetMetricData({Query("a"), Query("b")}, Window(kStart, kStart + 120),
                                             nullptr, Deadline());
  EXPECT_THAT(result, StatusIs(StatusCode::kInternal,
                               AllOf(StartsWith("GetMetricData: malformed response: "),
                                     HasSubstr(c.want))));
  EXPECT_LT(result.status().message().size(), 600u);
  EXPECT_EQ(http_.requests().size(), 1u);
}

std::string WithResult(const std::string& fields) {
  return R"({"MetricDataResults":[{"Id":"q0","StatusCode":"Complete",)" + fields + "}]}";
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedResponseTest,
    ::testing::Values(
        MalformedCase{"EmptyBody", "", "empty body"},
        MalformedCase{"NotJson", "<html>oops</html>", "not JSON: <html>oops</html>"},
        MalformedCase{"TruncatedJson", R"({"MetricDataResults":[{"Id":"q0")", "not JSON"},
        MalformedCase{"InvalidUtf8", "{\"MetricDataResults\":[],\"x\":\"\xff\"}", "not JSON"},
        MalformedCase{"JsonArray", "[]", "expected a JSON object, got an array"},
        MalformedCase{"JsonNull", "null", "expected a JSON object, got null"},
        MalformedCase{"JsonString", R"("hello")", "expected a JSON object, got a string"},
        MalformedCase{"NoResults", "{}", "no MetricDataResults"},
        MalformedCase{"ResultsNotArray", R"({"MetricDataResults":{"Id":"q0"}})",
                      "MetricDataResults is an object, not an array"},
        MalformedCase{"ResultNotObject", R"({"MetricDataResults":[42]})",
                      "MetricDataResults[0] is a number, not an object"},
        MalformedCase{"NoId", R"({"MetricDataResults":[{"StatusCode":"Complete"}]})",
                      "MetricDataResults[0] has no Id"},
        MalformedCase{"IdNotString", R"({"MetricDataResults":[{"Id":0}]})",
                      "MetricDataResults[0].Id is a number, not a string"},
        MalformedCase{"UnknownId", R"({"MetricDataResults":[{"Id":"q7","StatusCode":"Complete"}]})",
                      "MetricDataResults[0] has Id \"q7\", which this request did not send"},
        MalformedCase{"CallerIdIsNotAWireId",
                      R"({"MetricDataResults":[{"Id":"a","StatusCode":"Complete"}]})",
                      "has Id \"a\", which this request did not send"},
        MalformedCase{"NoStatusCode", R"({"MetricDataResults":[{"Id":"q0"}]})",
                      "MetricDataResults[0] (Id q0) has no StatusCode"},
        MalformedCase{"UnknownStatusCode",
                      R"({"MetricDataResults":[{"Id":"q0","StatusCode":"Fine"}]})",
                      "has unknown StatusCode \"Fine\""},
        MalformedCase{"LengthMismatch", WithResult(R"("Timestamps":[1704067200],"Values":[1,2])"),
                      "(Id q0) has 1 Timestamps but 2 Values"},
        MalformedCase{"ValuesWithoutTimestamps", WithResult(R"("Values":[1])"),
                      "has Values but no Timestamps"},
        MalformedCase{"TimestampsNotArray", WithResult(R"("Timestamps":5,"Values":[1])"),
                      "Timestamps is a number, not an array"},
        MalformedCase{"StringValue", WithResult(R"("Timestamps":[1704067200],"Values":["1.5"])"),
                      "(Id q0).Values[0] is a string, not a number"},
        MalformedCase{"NullValue", WithResult(R"("Timestamps":[1704067200],"Values":[null])"),
                      "Values[0] is null, not a number"},
        MalformedCase{"BoolValue", WithResult(R"("Timestamps":[1704067200],"Values":[true])"),
                      "Values[0] is a boolean, not a number"},
        MalformedCase{"NaNString", WithResult(R"("Timestamps":[1704067200],"Values":["NaN"])"),
                      "Values[0] is a string, not a number"},
        MalformedCase{"NaNLiteral", WithResult(R"("Timestamps":[1704067200],"Values":[NaN])"),
                      "not JSON"},
        MalformedCase{"InfinityLiteral",
                      WithResult(R"("Timestamps":[1704067200],"Values":[Infinity])"), "not JSON"},
        MalformedCase{"OverflowingValue",
                      WithResult(R"("Timestamps":[1704067200],"Values":[1e999])"), "not JSON"},
        MalformedCase{"StringTimestamp",
                      WithResult(R"("Timestamps":["2024-01-01T00:00:00Z"],"Values":[1])"),
                      "Timestamps[0] is a string, not epoch seconds"},
        MalformedCase{"HugeTimestamp", WithResult(R"("Timestamps":[1e300],"Values":[1])"),
                      "Timestamps[0] is out of range"},
        MalformedCase{"HugeIntegerTimestamp",
                      WithResult(R"("Timestamps":[18446744073709551615],"Values":[1])"),
                      "Timestamps[0] is out of range: 18446744073709551615"},
        MalformedCase{"BeyondUint64Timestamp",
                      WithResult(R"("Timestamps":[99999999999999999999999],"Values":[1])"),
                      "Timestamps[0] is out of range"},
        MalformedCase{"NegativeTimestamp", WithResult(R"("Timestamps":[-60],"Values":[1])"),
                      "Timestamps[0] is out of range: -60"},
        MalformedCase{"NestedTimestamp", WithResult(R"("Timestamps":[[1704067200]],"Values":[1])"),
                      "Timestamps[0] is an array, not epoch seconds"},
        MalformedCase{
            "NextTokenNotString",
            R"({"MetricDataResults":[{"Id":"q0","StatusCode":"Complete"}],"NextToken":7})",
            "NextToken is a number, not a string"},
        MalformedCase{"DeeplyNestedResult",
                      R"({"MetricDataResults":[)" + std::string(100000, '[') +
                          std::string(100000, ']') + "]}",
                      "MetricDataResults[0] is an array, not an object"},
        MalformedCase{"DeeplyNestedDocument", std::string(100000, '[') + std::string(100000, ']'),
                      "expected a JSON object, got an array"},
        MalformedCase{"DeeplyNestedUnclosed", R"({"a":)" + std::string(200000, '['), "not JSON"}),
    [](const ::testing::TestParamInfo<MalformedCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace statusbridge::aws
