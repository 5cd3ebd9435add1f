// The emulated CloudWatch end to end: requests signed by the project's own signer and sent with
// CurlHttpClient to an in-process sandbox.

#include <chrono>
#include <iostream>
#include <map>
#include <vector>

#include "sandbox_fixture.h"
#include "traffic.h"

namespace statusbridge::sandbox {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kHour = 3600;

class CloudWatchTest : public SandboxTest {
 protected:
  // Timestamps/values of one result, ascending, as Datapoints.
  static std::vector<Datapoint> Series(const json& result) {
    std::vector<Datapoint> out;
    for (size_t i = 0; i < result["Timestamps"].size(); ++i) {
      out.push_back(
          Datapoint{result["Timestamps"][i].get<int64_t>(), result["Values"][i].get<double>()});
    }
    std::sort(out.begin(), out.end(),
              [](const Datapoint& a, const Datapoint& b) { return a.timestamp < b.timestamp; });
    return out;
  }

  void ExpectAwsError(const http::HttpResponse& response, int status, const std::string& code,
                      const std::string& message_part) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.Header("x-amzn-query-error"), code + ";Sender");
    EXPECT_FALSE(response.Header("x-amzn-RequestId").empty());
    json body = json::parse(response.body);
    EXPECT_EQ(body["__type"], "com.amazonaws.cloudwatch#" + code);
    EXPECT_THAT(body["message"].get<std::string>(), HasSubstr(message_part));
  }

  json Request(int period, const std::string& stat, int64_t start, int64_t end) {
    return {{"MetricDataQueries",
             json::array({StatQuery("m1", DemoMetric("RequestCount"), period, stat)})},
            {"StartTime", start},
            {"EndTime", end}};
  }
};

TEST_F(CloudWatchTest, GetMetricDataServesTheGeneratedSeriesForEachPeriod) {
  const int64_t end = kNow - kNow % kHour;
  const int64_t start = end - 6 * kHour;
  for (int period : {60, 300, 3600}) {
    json body = {
        {"MetricDataQueries",
         json::array({StatQuery("req", DemoMetric("RequestCount"), period, "Sum"),
                      StatQuery("lat", DemoMetric("TargetResponseTime"), period, "Average"),
                      StatQuery("err", DemoMetric("HTTPCode_Target_5XX_Count"), period, "Sum")})},
        {"StartTime", start},
        {"EndTime", end}};
    http::HttpResponse response = GetMetricData(body);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.Header("Content-Type"), "application/x-amz-json-1.0");
    json out = json::parse(response.body);
    ASSERT_EQ(out["MetricDataResults"].size(), 3u);
    EXPECT_EQ(out["Messages"], json::array());
    EXPECT_FALSE(out.contains("NextToken"));
    const std::map<std::string, std::pair<std::string_view, Statistic>> expected = {
        {"req", {kRequestCount, Statistic::kSum}},
        {"lat", {kTargetResponseTime, Statistic::kAverage}},
        {"err", {kTarget5xxCount, Statistic::kSum}}};
    for (const json& result : out["MetricDataResults"]) {
      EXPECT_EQ(result["StatusCode"], "Complete");
      auto [metric, stat] = expected.at(result["Id"]);
      EXPECT_EQ(result["Label"], std::string(metric));
      EXPECT_EQ(Series(result), GeneratedSeries(1, metric, stat, start, end, period))
          << result["Id"] << " period " << period;
    }
  }
}

TEST_F(CloudWatchTest, ResultsAreDescendingByDefaultAndAscendingOnRequest) {
  json body = Request(60, "Sum", kNow - kHour, kNow);
  json out = json::parse(GetMetricData(body).body);
  std::vector<int64_t> ts = out["MetricDataResults"][0]["Timestamps"];
  ASSERT_EQ(ts.size(), 60u);
  EXPECT_TRUE(std::is_sorted(ts.rbegin(), ts.rend()));

  body["ScanBy"] = "TimestampAscending";
  out = json::parse(GetMetricData(body).body);
  ts = out["MetricDataResults"][0]["Timestamps"].get<std::vector<int64_t>>();
  EXPECT_TRUE(std::is_sorted(ts.begin(), ts.end()));
  EXPECT_EQ(ts.front(), kNow - kHour);
}

TEST_F(CloudWatchTest, TheMinuteInProgressAndTheFutureHaveNoData) {
  json body = Request(60, "Sum", kNow - 300, kNow + 300);
  body["ScanBy"] = "TimestampAscending";
  json out = json::parse(GetMetricData(body).body);
  std::vector<int64_t> ts = out["MetricDataResults"][0]["Timestamps"];
  ASSERT_FALSE(ts.empty());
  EXPECT_EQ(ts.back(), kNow - 60);
}

TEST_F(CloudWatchTest, IngestLagDelaysGeneratedMinutes) {
  SandboxOptions options = QuietOptions();
  options.ingest_lag = Seconds(180);
  StartSandbox(options);
  json body = Request(60, "Sum", kNow - 600, kNow);
  body["ScanBy"] = "TimestampAscending";
  std::vector<int64_t> ts =
      json::parse(GetMetricData(body).body)["MetricDataResults"][0]["Timestamps"];
  ASSERT_FALSE(ts.empty());
  EXPECT_EQ(ts.back(), kNow - 60 - 180);
  clock().Advance(Seconds(60));
  ts = json::parse(GetMetricData(body).body)["MetricDataResults"][0]["Timestamps"]
           .get<std::vector<int64_t>>();
  EXPECT_EQ(ts.back(), kNow - 180);
}

TEST_F(CloudWatchTest, FloatTimestampsAreAccepted) {
  json body = Request(60, "Sum", kNow - 600, kNow);
  body["StartTime"] = static_cast<double>(kNow - 600) + 0.5;
  body["EndTime"] = static_cast<double>(kNow) - 0.25;
  http::HttpResponse response = GetMetricData(body);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["MetricDataResults"][0]["Timestamps"].size(), 10u);
}

TEST_F(CloudWatchTest, ControlDataOverridesOrAddsToAMinuteAndDefinesOtherMetrics) {
  const int64_t minute = kNow - 600;
  json put = {{"namespace", "AWS/ApplicationELB"},
              {"metric", "RequestCount"},
              {"dimensions", {{"LoadBalancer", "app/demo-alb/50dc6c495c0c9188"}}},
              {"timestamp", minute + 17},
              {"value", 5}};
  ASSERT_EQ(client().Post("/_sandbox/cloudwatch/data", put.dump(), "application/json")->status,
            200);
  json body = Request(60, "Sum", minute, minute + 60);
  auto value_at = [&](const json& request) {
    json result = json::parse(GetMetricData(request).body)["MetricDataResults"][0];
    return result["Values"].empty() ? -1.0 : result["Values"][0].get<double>();
  };
  EXPECT_EQ(value_at(body), 5);

  put["mode"] = "add";
  put["value"] = 3;
  ASSERT_EQ(client().Post("/_sandbox/cloudwatch/data", put.dump(), "application/json")->status,
            200);
  EXPECT_EQ(value_at(body), 8);
  body["MetricDataQueries"][0]["MetricStat"]["Stat"] = "SampleCount";
  EXPECT_EQ(value_at(body), 2);

  // Add to a generated minute.
  const int64_t other = minute + 60;
  put["timestamp"] = other;
  ASSERT_EQ(client().Post("/_sandbox/cloudwatch/data", put.dump(), "application/json")->status,
            200);
  EXPECT_EQ(value_at(Request(60, "Sum", other, other + 60)),
            GeneratedMinute(1, kRequestCount, other)->sum + 3);

  // A metric of its own, with stats; the dimension set must match exactly.
  json custom = {{"namespace", "Custom/App"},
                 {"metric", "Latency"},
                 {"dimensions", {{"Service", "api"}, {"Stage", "prod"}}},
                 {"timestamp", minute},
                 {"stats", {{"SampleCount", 4}, {"Sum", 2.0}, {"Minimum", 0.1}, {"Maximum", 1.2}}}};
  ASSERT_EQ(client().Post("/_sandbox/cloudwatch/data", custom.dump(), "application/json")->status,
            200);
  json metric = {{"Namespace", "Custom/App"},
                 {"MetricName", "Latency"},
                 {"Dimensions", json::array({{{"Name", "Stage"}, {"Value", "prod"}},
                                             {{"Name", "Service"}, {"Value", "api"}}})}};
  json custom_query = {{"MetricDataQueries", json::array({StatQuery("c", metric, 60, "Average")})},
                       {"StartTime", minute},
                       {"EndTime", minute + 120}};
  EXPECT_EQ(value_at(custom_query), 0.5);
  custom_query["MetricDataQueries"][0]["MetricStat"]["Stat"] = "Maximum";
  EXPECT_EQ(value_at(custom_query), 1.2);
  custom_query["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"].erase(0);
  EXPECT_EQ(value_at(custom_query), -1);

  // The demo metric under a dimension subset has no data either.
  json subset = Request(60, "Sum", kNow - 600, kNow);
  subset["MetricDataQueries"][0]["MetricStat"]["Metric"].erase("Dimensions");
  EXPECT_EQ(value_at(subset), -1);
}

TEST_F(CloudWatchTest, NextTokenPagesReassembleExactlyTheUnpagedResult) {
  const int64_t start = kNow - 3 * kHour;
  json body = {{"MetricDataQueries",
                json::array({StatQuery("a", DemoMetric("RequestCount"), 300, "Sum"),
                             StatQuery("b", DemoMetric("HTTPCode_Target_5XX_Count"), 60, "Sum"),
                             StatQuery("c", DemoMetric("TargetResponseTime"), 60, "Maximum")})},
               {"StartTime", start},
               {"EndTime", kNow}};
  json whole = json::parse(GetMetricData(body).body);
  ASSERT_FALSE(whole.contains("NextToken"));

  SandboxOptions options = QuietOptions();
  options.max_datapoints_per_page = 7;
  StartSandbox(options);
  for (const char* scan : {"TimestampDescending", "TimestampAscending"}) {
    body["ScanBy"] = scan;
    body.erase("NextToken");
    std::map<std::string, json> merged;
    int pages = 0;
    size_t total = 0;
    while (true) {
      http::HttpResponse response = GetMetricData(body);
      ASSERT_EQ(response.status, 200) << response.body;
      json page = json::parse(response.body);
      ++pages;
      ASSERT_EQ(page["MetricDataResults"].size(), 3u);
      size_t in_page = 0;
      for (const json& r : page["MetricDataResults"]) {
        json& m = merged[r["Id"]];
        if (m.is_null()) {
          m = {{"Timestamps", json::array()}, {"Values", json::array()}};
        }
        for (size_t i = 0; i < r["Timestamps"].size(); ++i) {
          m["Timestamps"].push_back(r["Timestamps"][i]);
          m["Values"].push_back(r["Values"][i]);
        }
        in_page += r["Timestamps"].size();
        EXPECT_EQ(r["StatusCode"], page.contains("NextToken") ? "PartialData" : "Complete");
      }
      EXPECT_LE(in_page, 7u);
      total += in_page;
      if (!page.contains("NextToken")) {
        break;
      }
      EXPECT_EQ(in_page, 7u);
      body["NextToken"] = page["NextToken"];
      ASSERT_LT(pages, 1000);
    }
    size_t whole_total = 0;
    for (const json& r : whole["MetricDataResults"]) {
      const json& m = merged.at(r["Id"]);
      std::vector<int64_t> ts = m.at("Timestamps");
      std::vector<int64_t> whole_ts = r["Timestamps"];
      if (std::string(scan) == "TimestampAscending") {
        std::reverse(whole_ts.begin(), whole_ts.end());
      }
      EXPECT_EQ(ts, whole_ts) << r["Id"] << " " << scan;
      whole_total += whole_ts.size();
      EXPECT_EQ(Series(m), Series(r)) << r["Id"];
    }
    EXPECT_EQ(total, whole_total);
    EXPECT_EQ(pages, static_cast<int>((whole_total + 6) / 7));
  }
}

TEST_F(CloudWatchTest, MaxDatapointsInTheRequestAlsoPaginates) {
  json body = Request(60, "Sum", kNow - kHour, kNow);
  body["MaxDatapoints"] = 25;
  json page = json::parse(GetMetricData(body).body);
  EXPECT_EQ(page["MetricDataResults"][0]["Timestamps"].size(), 25u);
  EXPECT_EQ(page["MetricDataResults"][0]["StatusCode"], "PartialData");
  ASSERT_TRUE(page.contains("NextToken"));
  body["NextToken"] = page["NextToken"];
  page = json::parse(GetMetricData(body).body);
  EXPECT_EQ(page["MetricDataResults"][0]["Timestamps"].size(), 25u);
  body["NextToken"] = page["NextToken"];
  page = json::parse(GetMetricData(body).body);
  EXPECT_EQ(page["MetricDataResults"][0]["Timestamps"].size(), 10u);
  EXPECT_EQ(page["MetricDataResults"][0]["StatusCode"], "Complete");
  EXPECT_FALSE(page.contains("NextToken"));
}

TEST_F(CloudWatchTest, ForeignOrGarbledNextTokensAreRejected) {
  json body = Request(60, "Sum", kNow - kHour, kNow);
  body["MaxDatapoints"] = 10;
  std::string token = json::parse(GetMetricData(body).body)["NextToken"];

  json other = body;
  other["StartTime"] = kNow - 2 * kHour;
  other["NextToken"] = token;
  ExpectAwsError(GetMetricData(other), 400, "InvalidNextToken", "NextToken");

  for (const std::string& bad :
       {std::string("garbage"), std::string("00"), token + "0", std::string(token.size(), 'f')}) {
    body["NextToken"] = bad;
    ExpectAwsError(GetMetricData(body), 400, "InvalidNextToken", "NextToken");
  }
}

TEST_F(CloudWatchTest, AWrongSecretIsSignatureDoesNotMatch) {
  http::HttpResponse response = GetMetricData(Request(60, "Sum", kNow - 600, kNow), "wrong-secret");
  ExpectAwsError(response, 403, "SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided");
  EXPECT_EQ(Stats()["auth_failures"], 1);
  EXPECT_EQ(Stats()["getmetricdata_calls"], 0);
}

TEST_F(CloudWatchTest, AnUnknownAccessKeyIsUnrecognizedClient) {
  http::HttpResponse response =
      GetMetricData(Request(60, "Sum", kNow - 600, kNow), "", std::nullopt, "AKIDOTHER");
  ExpectAwsError(response, 403, "UnrecognizedClientException",
                 "The security token included in the request is invalid.");
}

TEST_F(CloudWatchTest, SignaturesOlderOrNewerThanFifteenMinutesAreExpired) {
  json body = Request(60, "Sum", kNow - 600, kNow);
  ExpectAwsError(GetMetricData(body, "", clock().Now() - Seconds(16 * 60)), 403,
                 "SignatureDoesNotMatch", "Signature expired");
  ExpectAwsError(GetMetricData(body, "", clock().Now() + Seconds(16 * 60)), 403,
                 "SignatureDoesNotMatch", "Signature not yet current");
  EXPECT_EQ(GetMetricData(body, "", clock().Now() - Seconds(14 * 60)).status, 200);
}

TEST_F(CloudWatchTest, TheSigningScopeMustNameTheRegionAndService) {
  SandboxOptions options = QuietOptions();
  options.region = "eu-west-1";
  StartSandbox(options);
  options_.region = "us-east-1";  // sign for the wrong region
  ExpectAwsError(GetMetricData(Request(60, "Sum", kNow - 600, kNow)), 403, "SignatureDoesNotMatch",
                 "Credential should be scoped to a valid region");
}

TEST_F(CloudWatchTest, UnsignedOrTamperedRequestsAreRejected) {
  httplib::Headers headers = {{"X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"}};
  httplib::Result r = client().Post("/", headers, "{}", "application/x-amz-json-1.0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->get_header_value("x-amzn-query-error"), "MissingAuthenticationToken;Sender");

  // A valid signature over a different body.
  http::HttpRequest request;
  request.method = "POST";
  request.url = server().base_url() + "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"}};
  request.body = Request(60, "Sum", kNow - 600, kNow).dump();
  aws::Credentials credentials{"AKIDSANDBOX", Secret("SANDBOXSECRET"), Secret(), std::nullopt,
                               "test"};
  ASSERT_OK(aws::SignRequest(request, credentials, {"us-east-1", "monitoring"}, clock().Now()));
  request.body = Request(60, "Sum", kNow - 1200, kNow).dump();
  Result<http::HttpResponse> response = curl_.Send(request);
  ASSERT_OK(response);
  ExpectAwsError(*response, 403, "SignatureDoesNotMatch", "Canonical String");
}

TEST_F(CloudWatchTest, OtherOperationsAndContentTypesAreUnknownOperations) {
  httplib::Headers headers = {{"X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData"}};
  httplib::Result r = client().Post("/", headers, "{}", "application/x-amz-json-1.0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->get_header_value("x-amzn-query-error"), "UnknownOperationException;Sender");

  headers = {{"X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"}};
  r = client().Post("/", headers, "Action=GetMetricData", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->get_header_value("x-amzn-query-error"), "UnknownOperationException;Sender");
}

struct ValidationCase {
  std::string name;
  std::function<void(json&)> mutate;
  std::string code;
  std::string message_part;
};

TEST_F(CloudWatchTest, InvalidInputIsRejectedLikeTheService) {
  const json base = Request(60, "Sum", kNow - kHour, kNow);
  auto q = [](json& b) -> json& { return b["MetricDataQueries"][0]; };
  std::vector<ValidationCase> cases = {
      {"no queries", [](json& b) { b.erase("MetricDataQueries"); }, "MissingParameter",
       "MetricDataQueries is required"},
      {"empty queries", [](json& b) { b["MetricDataQueries"] = json::array(); }, "ValidationError",
       "1 to 500"},
      {"501 queries",
       [](json& b) {
         json queries = json::array();
         for (int i = 0; i < 501; ++i) {
           queries.push_back(
               StatQuery("q" + std::to_string(i), DemoMetric("RequestCount"), 3600, "Sum"));
         }
         b["MetricDataQueries"] = queries;
       },
       "ValidationError", "got 501 entries"},
      {"upper-case id", [&](json& b) { q(b)["Id"] = "M1"; }, "ValidationError", "Id is invalid"},
      {"id with dash", [&](json& b) { q(b)["Id"] = "m-1"; }, "ValidationError", "Id is invalid"},
      {"duplicate ids",
       [](json& b) { b["MetricDataQueries"].push_back(b["MetricDataQueries"][0]); },
       "InvalidParameterValue", "not unique"},
      {"both stat and expression", [&](json& b) { q(b)["Expression"] = "m1*2"; },
       "InvalidParameterValue", "Exactly one of MetricStat and Expression"},
      {"neither", [&](json& b) { q(b).erase("MetricStat"); }, "InvalidParameterValue",
       "Exactly one of MetricStat and Expression"},
      {"expression",
       [&](json& b) {
         b["MetricDataQueries"].push_back(
             {{"Id", "e1"}, {"Expression", "SEARCH('{AWS/EC2} CPUUtilization', 'Average', 60)"}});
       },
       "ValidationError", "not supported by the sandbox"},
      {"period 30", [&](json& b) { q(b)["MetricStat"]["Period"] = 30; }, "InvalidParameterValue",
       "multiple of 60"},
      {"period 0", [&](json& b) { q(b)["MetricStat"]["Period"] = 0; }, "InvalidParameterValue",
       "at least 1"},
      {"no period", [&](json& b) { q(b)["MetricStat"].erase("Period"); }, "MissingParameter",
       "Period is required"},
      {"no stat", [&](json& b) { q(b)["MetricStat"].erase("Stat"); }, "MissingParameter",
       "Stat is required"},
      {"p101", [&](json& b) { q(b)["MetricStat"]["Stat"] = "p101"; }, "InvalidParameterValue",
       "Stat must be one of"},
      {"P99", [&](json& b) { q(b)["MetricStat"]["Stat"] = "P99"; }, "InvalidParameterValue",
       "Stat must be one of"},
      {"no namespace", [&](json& b) { q(b)["MetricStat"]["Metric"].erase("Namespace"); },
       "MissingParameter", "Namespace is required"},
      {"start after end", [](json& b) { b["StartTime"] = kNow + 60; }, "InvalidParameterValue",
       "StartTime must be less than"},
      {"start equals end", [](json& b) { b["StartTime"] = kNow; }, "InvalidParameterValue",
       "StartTime must be less than"},
      {"string time", [](json& b) { b["EndTime"] = "2023-11-14T22:00:00Z"; },
       "InvalidParameterValue", "epoch seconds"},
      {"no end", [](json& b) { b.erase("EndTime"); }, "MissingParameter", "EndTime is required"},
      {"bad scan", [](json& b) { b["ScanBy"] = "Sideways"; }, "ValidationError", "scanBy"},
      {"too many datapoints", [](json& b) { b["StartTime"] = kNow - 100801 * 60; },
       "InvalidParameterValue", "100801 datapoints"},
      {"not an object", [](json& b) { b = json::array(); }, "SerializationException",
       "not a valid JSON object"},
  };
  for (const ValidationCase& c : cases) {
    json body = base;
    c.mutate(body);
    SCOPED_TRACE(c.name);
    ExpectAwsError(GetMetricData(body), 400, c.code, c.message_part);
  }
  // Exactly at the limit is fine.
  json at_limit = base;
  at_limit["StartTime"] = kNow - 100800 * 60;
  at_limit["MetricDataQueries"][0]["MetricStat"]["Metric"]["MetricName"] = "NoSuchMetric";
  EXPECT_EQ(GetMetricData(at_limit).status, 200);
}

TEST_F(CloudWatchTest, AFullCallOfFiveHundredQueriesIsServedInOneResponse) {
  const char* kStats[] = {"Sum", "Average", "Minimum", "Maximum", "SampleCount"};
  json queries = json::array();
  for (int i = 0; i < 500; ++i) {
    const char* metric = i % 2 == 0 ? "RequestCount" : "TargetResponseTime";
    queries.push_back(StatQuery("q" + std::to_string(i), DemoMetric(metric), 60, kStats[i % 5]));
  }
  json body = {{"MetricDataQueries", queries}, {"StartTime", kNow - 200 * 60}, {"EndTime", kNow}};
  auto started = std::chrono::steady_clock::now();
  http::HttpResponse response = GetMetricData(body);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(response.status, 200);
  json out = json::parse(response.body);
  size_t total = 0;
  for (const json& r : out["MetricDataResults"]) {
    total += r["Values"].size();
  }
  EXPECT_EQ(total, 100000u);
  EXPECT_FALSE(out.contains("NextToken"));
  std::cout << "500 queries, 100000 datapoints in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
}

TEST_F(CloudWatchTest, CallsAreCountedAndLoggedWithTheirQueries) {
  json body = Request(60, "Sum", kNow - 600, kNow);
  body["MetricDataQueries"].push_back(StatQuery("m2", DemoMetric("TargetResponseTime"), 60, "Sum"));
  ASSERT_EQ(GetMetricData(body).status, 200);
  json stats = Stats();
  EXPECT_EQ(stats["cloudwatch_requests"], 1);
  EXPECT_EQ(stats["getmetricdata_calls"], 1);
  json log = GetJson("/_sandbox/requests?api=cloudwatch");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["api"], "cloudwatch");
  EXPECT_EQ(log[0]["method"], "POST");
  EXPECT_EQ(log[0]["path"], "/");
  EXPECT_EQ(log[0]["target"], "GraniteServiceVersion20100801.GetMetricData");
  EXPECT_EQ(log[0]["status"], 200);
  EXPECT_EQ(log[0]["queries"], 2);
  EXPECT_TRUE(log[0]["points"].is_null());
}

}  // namespace
}  // namespace statusbridge::sandbox
