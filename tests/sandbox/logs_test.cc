// The emulated CloudWatch Logs Insights end to end: JSON 1.1 requests signed for "logs" and sent
// with CurlHttpClient to an in-process sandbox under a FakeClock.

#include <cmath>
#include <map>

#include "aws/logs_client.h"
#include "logs_data.h"
#include "pipeline/logs_points.h"
#include "sandbox_fixture.h"
#include "traffic.h"

namespace statusbridge::sandbox {
namespace {

using ::testing::HasSubstr;

constexpr const char* kGroup = "/test/app";
constexpr int64_t kStartMs = (kNow - 3600) * 1000;  // the put events' first timestamp
// Real time a background scan may take: wide, for ASan on a loaded machine (they take
// milliseconds to a few seconds).
constexpr Millis kScanWait{120000};

// The test's fake clock for a client under test, except that a sleep first lets the sandbox's
// background scans finish: a client polling with fake sleeps then sees each query as the fake
// clock says, however long the real scan takes.
class ScanSettlingClock : public Clock {
 public:
  ScanSettlingClock(statusbridge::testing::FakeClock& clock, SandboxServer& server)
      : clock_(clock), server_(server) {}
  SystemTime Now() const override { return clock_.Now(); }
  MonotonicTime Monotonic() const override { return clock_.Monotonic(); }
  void SleepFor(Millis d) override {
    EXPECT_TRUE(server_.WaitForLogsScans(kScanWait));
    clock_.SleepFor(d);
  }

 private:
  statusbridge::testing::FakeClock& clock_;
  SandboxServer& server_;
};

class LogsTest : public SandboxTest {
 protected:
  // Restarts the sandbox with a query latency (and concurrency limit).
  void StartWithLatency(Millis latency, int max_concurrent = 10) {
    SandboxOptions options = QuietOptions();
    options.logs_query_latency = latency;
    options.logs_max_concurrent = max_concurrent;
    StartSandbox(options);
  }

  // Five events one minute apart from kStartMs: status 200, 500, 200, 503, 200; elapsed 10..50.
  void PutFiveEvents() {
    json events = json::array();
    const int statuses[] = {200, 500, 200, 503, 200};
    for (int i = 0; i < 5; ++i) {
      json message = {{"path", "/api/" + std::to_string(i % 2)},
                      {"status", statuses[i]},
                      {"elapsed", 10 * (i + 1)}};
      events.push_back({{"timestamp", kStartMs + i * 60000}, {"message", message.dump()}});
    }
    PutLogEvents(kGroup, events);
  }

  json StartBody(const std::string& query, int64_t start = kNow - 3600, int64_t end = kNow) {
    return {
        {"logGroupName", kGroup}, {"startTime", start}, {"endTime", end}, {"queryString", query}};
  }

  // Starts a query and lets its background scan finish (in real time; the fake clock does not
  // move), so what the test sees next depends on the fake clock only. Returns its id (empty on
  // failure).
  std::string Start(const json& body) {
    http::HttpResponse response = Logs("StartQuery", body);
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_TRUE(server().WaitForLogsScans(kScanWait));
    json out = json::parse(response.body, nullptr, false);
    return out.is_object() && out.contains("queryId") ? out["queryId"].get<std::string>() : "";
  }

  json Results(const std::string& id) {
    http::HttpResponse response = Logs("GetQueryResults", {{"queryId", id}});
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body);
  }

  // Rows of a GetQueryResults body as field -> value maps, without @ptr.
  static std::vector<std::map<std::string, std::string>> Rows(const json& results) {
    std::vector<std::map<std::string, std::string>> rows;
    for (const json& row : results["results"]) {
      std::map<std::string, std::string> cells;
      for (const json& cell : row) {
        if (cell["field"] != "@ptr") {
          cells[cell["field"].get<std::string>()] = cell["value"].get<std::string>();
        }
      }
      rows.push_back(std::move(cells));
    }
    return rows;
  }

  // Starts `query` with latency 0 and returns its (Complete) results.
  json RunQuery(const json& body) {
    std::string id = Start(body);
    json results = Results(id);
    EXPECT_EQ(results["status"], "Complete");
    return results;
  }

  static void ExpectLogsError(const http::HttpResponse& response, int status,
                              const std::string& code, const std::string& message_part) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.Header("Content-Type"), "application/x-amz-json-1.1");
    EXPECT_EQ(response.Header("x-amzn-query-error"), "");
    EXPECT_FALSE(response.Header("x-amzn-RequestId").empty());
    json body = json::parse(response.body);
    EXPECT_EQ(body["__type"], code);
    EXPECT_THAT(body["message"].get<std::string>(), HasSubstr(message_part));
  }
};

TEST_F(LogsTest, QueriesOverPutEventsReturnRowsOfFieldsAndStringValues) {
  StartWithLatency(Millis(0));
  PutFiveEvents();
  json results = RunQuery(StartBody("fields path, status | filter status >= 500"));
  EXPECT_EQ(results["queryLanguage"], "CWLI");
  ASSERT_EQ(results["results"].size(), 2u);
  // Newest first without a sort: the 503 (minute 3), then the 500 (minute 1).
  EXPECT_EQ(results["results"][0],
            json::parse(R"([{"field":"path","value":"/api/1"},{"field":"status","value":"503"},)"
                        R"({"field":"@ptr","value":")" +
                        results["results"][0][2]["value"].get<std::string>() + R"("}])"));
  EXPECT_EQ(Rows(results)[1],
            (std::map<std::string, std::string>{{"path", "/api/1"}, {"status", "500"}}));
  json stats = results["statistics"];
  EXPECT_EQ(stats["recordsScanned"], 5.0);
  EXPECT_EQ(stats["recordsMatched"], 2.0);
  EXPECT_TRUE(stats["bytesScanned"].is_number_float());
  EXPECT_GT(stats["bytesScanned"].get<double>(), 5 * 30.0);

  results = RunQuery(
      StartBody("stats count(*) as n, avg(elapsed) as ms, pct(elapsed, 90) as p90 by bin(2m) as t "
                "| sort t asc"));
  // kStartMs is an odd minute: the 2-minute bins hold events {0}, {1, 2} and {3, 4}.
  const int64_t bin0 = kStartMs - 60000;
  ASSERT_EQ(bin0 % 120000, 0);
  const std::vector<std::map<std::string, std::string>> expected = {
      {{"t", FormatLogsTimestamp(bin0)}, {"n", "1"}, {"ms", "10"}, {"p90", "10"}},
      {{"t", FormatLogsTimestamp(bin0 + 120000)}, {"n", "2"}, {"ms", "25"}, {"p90", "30"}},
      {{"t", FormatLogsTimestamp(bin0 + 240000)}, {"n", "2"}, {"ms", "45"}, {"p90", "50"}}};
  EXPECT_EQ(Rows(results), expected);
  for (const json& row : results["results"]) {
    for (const json& cell : row) {
      EXPECT_NE(cell["field"], "@ptr") << "stats rows carry no @ptr";
    }
  }
}

TEST_F(LogsTest, StartTimeAndEndTimeAreInclusiveWholeSeconds) {
  StartWithLatency(Millis(0));
  const int64_t start = kNow - 600;
  const int64_t end = kNow - 300;
  PutLogEvents(kGroup, json::array({{{"timestamp", start * 1000 - 1}, {"message", "before"}},
                                    {{"timestamp", start * 1000}, {"message", "first"}},
                                    {{"timestamp", end * 1000 + 999}, {"message", "last"}},
                                    {{"timestamp", end * 1000 + 1000}, {"message", "after"}}}));
  json results = RunQuery(StartBody("fields @message", start, end));
  std::vector<std::string> messages;
  for (const auto& row : Rows(results)) messages.push_back(row.at("@message"));
  EXPECT_EQ(messages, (std::vector<std::string>{"last", "first"}));
  EXPECT_EQ(results["statistics"]["recordsScanned"], 2.0);
}

TEST_F(LogsTest, AQueryIsScheduledThenRunningThenCompleteOnTheClock) {
  StartWithLatency(Millis(1500));
  PutFiveEvents();
  const std::string id = Start(StartBody("filter status = 200 | fields elapsed"));
  ASSERT_FALSE(id.empty());
  json r = Results(id);
  EXPECT_EQ(r["status"], "Scheduled");
  EXPECT_EQ(r["results"], json::array());
  EXPECT_EQ(r["statistics"]["recordsScanned"], 0.0);

  clock().Advance(Millis(500));
  EXPECT_EQ(Results(id)["status"], "Running");
  clock().Advance(Millis(500));  // halfway through the running phase
  r = Results(id);
  EXPECT_EQ(r["status"], "Running");
  EXPECT_EQ(r["results"], json::array());
  EXPECT_EQ(r["statistics"]["recordsScanned"], 2.0);  // floor(0.5 * 5)

  clock().Advance(Millis(499));
  EXPECT_EQ(Results(id)["status"], "Running");
  clock().Advance(Millis(1));
  r = Results(id);
  EXPECT_EQ(r["status"], "Complete");
  EXPECT_EQ(r["results"].size(), 3u);
  EXPECT_EQ(r["statistics"]["recordsScanned"], 5.0);
  EXPECT_EQ(r["statistics"]["recordsMatched"], 3.0);
  EXPECT_EQ(r["statistics"]["logGroupsScanned"], 1.0);
}

TEST_F(LogsTest, StartQueryAnswersLimitExceededWhileTheConcurrencyLimitIsReached) {
  StartWithLatency(Millis(1500), /*max_concurrent=*/2);
  PutFiveEvents();
  ASSERT_FALSE(Start(StartBody("fields @message")).empty());
  clock().Advance(Millis(1000));
  const std::string second = Start(StartBody("fields @message"));
  ASSERT_FALSE(second.empty());
  ExpectLogsError(Logs("StartQuery", StartBody("fields @message")), 400, "LimitExceededException",
                  "concurrency limit of [2]");
  // Stopping one frees a slot.
  ASSERT_EQ(Logs("StopQuery", {{"queryId", second}}).status, 200);
  const std::string third = Start(StartBody("fields @message"));
  ASSERT_FALSE(third.empty());
  ExpectLogsError(Logs("StartQuery", StartBody("fields @message")), 400, "LimitExceededException",
                  "reached");
  // The first completes at 1500 ms.
  clock().Advance(Millis(500));
  EXPECT_FALSE(Start(StartBody("fields @message")).empty());
  EXPECT_EQ(Stats()["logs_start_query_calls"], 6);
}

TEST_F(LogsTest, StopQueryCancelsARunningQueryAndRefusesAFinishedOne) {
  StartWithLatency(Millis(1500));
  PutFiveEvents();
  const std::string id = Start(StartBody("fields @message"));
  clock().Advance(Millis(1000));  // Running, half scanned
  http::HttpResponse stop = Logs("StopQuery", {{"queryId", id}});
  ASSERT_EQ(stop.status, 200) << stop.body;
  EXPECT_EQ(json::parse(stop.body), json::parse(R"({"success":true})"));
  clock().Advance(Millis(5000));
  json r = Results(id);
  EXPECT_EQ(r["status"], "Cancelled");
  EXPECT_EQ(r["results"], json::array());
  EXPECT_EQ(r["statistics"]["recordsScanned"], 2.0);
  const double bytes = r["statistics"]["bytesScanned"].get<double>();
  EXPECT_EQ(Stats()["logs_bytes_scanned"], static_cast<int64_t>(bytes));

  ExpectLogsError(Logs("StopQuery", {{"queryId", id}}), 400, "InvalidParameterException",
                  "is not running (its status is Cancelled)");
  const std::string done = Start(StartBody("fields @message"));
  clock().Advance(Millis(1500));
  ExpectLogsError(Logs("StopQuery", {{"queryId", done}}), 400, "InvalidParameterException",
                  "is not running (its status is Complete)");
  ExpectLogsError(Logs("StopQuery", {{"queryId", "no-such-query"}}), 400,
                  "ResourceNotFoundException", "no-such-query");
  ExpectLogsError(Logs("GetQueryResults", {{"queryId", "no-such-query"}}), 400,
                  "ResourceNotFoundException", "does not exist");
  EXPECT_EQ(Stats()["logs_stop_query_calls"], 4);
}

TEST_F(LogsTest, SignaturesMustBeScopedToTheLogsService) {
  StartWithLatency(Millis(0));
  ExpectLogsError(Logs("StartQuery", StartBody("fields @message"), "monitoring"), 403,
                  "InvalidSignatureException",
                  "Credential should be scoped to correct service: 'logs'");
  EXPECT_EQ(Stats()["auth_failures"], 1);
  EXPECT_EQ(Stats()["logs_start_query_calls"], 0);

  // And GetMetricData signed for "logs" is refused by CloudWatch.
  http::HttpRequest request;
  request.method = "POST";
  request.url = server().base_url() + "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"}};
  request.body = "{}";
  aws::Credentials credentials;
  credentials.access_key_id = "AKIDSANDBOX";
  credentials.secret_access_key = Secret("SANDBOXSECRET");
  ASSERT_OK(aws::SignRequest(request, credentials, {"us-east-1", "logs"}, clock().Now()));
  Result<http::HttpResponse> response = curl_.Send(request);
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(response->Header("x-amzn-query-error"), "SignatureDoesNotMatch;Sender");
}

TEST_F(LogsTest, InvalidRequestsGetTheServiceErrors) {
  StartWithLatency(Millis(0));
  PutFiveEvents();
  json body = StartBody("fields x");
  body["logGroupName"] = "/no/such/group";
  ExpectLogsError(Logs("StartQuery", body), 400, "ResourceNotFoundException",
                  "Log group '/no/such/group' does not exist");

  http::HttpResponse malformed = Logs("StartQuery", StartBody("fields x | stats foo(y)"));
  ExpectLogsError(malformed, 400, "MalformedQueryException", "expected an aggregate function");
  json compile = json::parse(malformed.body)["queryCompileError"];
  EXPECT_EQ(compile["location"]["startCharOffset"], 17);
  EXPECT_EQ(compile["location"]["endCharOffset"], 20);
  EXPECT_THAT(compile["message"].get<std::string>(), HasSubstr("aggregate"));

  ExpectLogsError(Logs("StartQuery", StartBody("fields x", kNow, kNow - 1)), 400,
                  "InvalidParameterException", "must not be before startTime");
  body = StartBody("fields x");
  body["limit"] = 0;
  ExpectLogsError(Logs("StartQuery", body), 400, "InvalidParameterException", "'limit'");
  body = StartBody("fields x");
  body["logGroupNames"] = json::array({kGroup});
  ExpectLogsError(Logs("StartQuery", body), 400, "InvalidParameterException", "only one of");
  body = StartBody("fields x");
  body.erase("queryString");
  ExpectLogsError(Logs("StartQuery", body), 400, "InvalidParameterException",
                  "Value null at 'queryString'");
  body = StartBody("fields x");
  body["startTime"] = "yesterday";
  ExpectLogsError(Logs("StartQuery", body), 400, "SerializationException", "startTime");
  body = StartBody("SELECT 1");
  body["queryLanguage"] = "SQL";
  ExpectLogsError(Logs("StartQuery", body), 400, "InvalidParameterException",
                  "not supported by the sandbox");
  body = StartBody("fields x");
  body.erase("logGroupName");
  body["logGroupIdentifiers"] =
      json::array({"arn:aws:logs:us-east-1:123456789012:log-group:/test/app:*"});
  ExpectLogsError(Logs("StartQuery", body), 400, "InvalidParameterException", "trailing ':*'");
  body["logGroupIdentifiers"] =
      json::array({"arn:aws:logs:eu-west-1:123456789012:log-group:/test/app"});
  ExpectLogsError(Logs("StartQuery", body), 400, "ResourceNotFoundException", "eu-west-1");
  ExpectLogsError(Logs("PutLogEvents", json::object()), 400, "UnknownOperationException",
                  "PutLogEvents");
  EXPECT_EQ(Stats()["logs_requests"], 11);
}

TEST_F(LogsTest, ArnsAndSeveralGroupsAreScannedTogether) {
  StartWithLatency(Millis(0));
  PutFiveEvents();
  PutLogEvents("/test/other",
               json::array({{{"timestamp", kStartMs + 30000}, {"message", R"({"status":500})"}}}));
  json body = StartBody("filter status >= 500 | stats count(*) as n");
  body.erase("logGroupName");
  body["logGroupIdentifiers"] =
      json::array({"arn:aws:logs:us-east-1:123456789012:log-group:/test/app", "/test/other"});
  json results = RunQuery(body);
  EXPECT_EQ(Rows(results), (std::vector<std::map<std::string, std::string>>{{{"n", "3"}}}));
  EXPECT_EQ(results["statistics"]["logGroupsScanned"], 2.0);
}

TEST_F(LogsTest, ArnsMayNameAnyRegionTheSandboxStandsIn) {
  SandboxOptions options = QuietOptions();
  options.logs_query_latency = Millis(0);
  options.extra_regions = {"eu-west-1"};
  StartSandbox(options);
  PutFiveEvents();
  json body = StartBody("stats count(*) as n");
  body.erase("logGroupName");
  body["logGroupIdentifiers"] =
      json::array({"arn:aws:logs:eu-west-1:123456789012:log-group:/test/app"});
  EXPECT_EQ(Rows(RunQuery(body))[0]["n"], "5");
  body["logGroupIdentifiers"] =
      json::array({"arn:aws:logs:eu-west-1:210987654321:log-group:/test/app"});
  ExpectLogsError(Logs("StartQuery", body), 400, "ResourceNotFoundException", "210987654321");
}

TEST_F(LogsTest, EventsPutLaterAreSeenByLaterQueriesOnly) {
  StartWithLatency(Millis(1500));
  PutFiveEvents();
  const json body = StartBody("stats count(*) as n");
  const std::string first = Start(body);
  PutLogEvents(kGroup, json::array({{{"timestamp", kStartMs + 1}, {"message", "late"}}}));
  const std::string second = Start(body);
  clock().Advance(Millis(1500));
  EXPECT_EQ(Rows(Results(first))[0]["n"], "5");
  EXPECT_EQ(Rows(Results(second))[0]["n"], "6");
}

TEST_F(LogsTest, ResultsPageWithMaxItemsAndQueriesAreDescribed) {
  StartWithLatency(Millis(0));
  PutFiveEvents();
  const std::string id = Start(StartBody("fields elapsed | sort elapsed asc"));
  http::HttpResponse page = Logs("GetQueryResults", {{"queryId", id}, {"maxItems", 3}});
  json first = json::parse(page.body);
  ASSERT_EQ(first["results"].size(), 3u);
  ASSERT_TRUE(first.contains("nextToken"));
  json second = json::parse(
      Logs("GetQueryResults", {{"queryId", id}, {"maxItems", 3}, {"nextToken", first["nextToken"]}})
          .body);
  ASSERT_EQ(second["results"].size(), 2u);
  EXPECT_FALSE(second.contains("nextToken"));
  EXPECT_EQ(Rows(second)[1]["elapsed"], "50");
  ExpectLogsError(Logs("GetQueryResults", {{"queryId", id}, {"nextToken", "bogus"}}), 400,
                  "InvalidParameterException", "nextToken");

  Start(StartBody("stats count(*)"));
  json described = json::parse(Logs("DescribeQueries", {{"logGroupName", kGroup}}).body);
  ASSERT_EQ(described["queries"].size(), 2u);
  EXPECT_EQ(described["queries"][0]["queryString"], "stats count(*)");
  EXPECT_EQ(described["queries"][1]["queryId"], id);
  EXPECT_EQ(described["queries"][1]["status"], "Complete");
  EXPECT_EQ(described["queries"][1]["logGroupName"], kGroup);
  EXPECT_EQ(described["queries"][1]["createTime"], kNow * 1000);
  described = json::parse(Logs("DescribeQueries", {{"status", "Running"}}).body);
  EXPECT_EQ(described["queries"].size(), 0u);
}

TEST_F(LogsTest, TheGeneratedGroupFollowsTheDemoTraffic) {
  StartWithLatency(Millis(0));
  // A window of 20 minutes around the latest incident, so 5xx lines are plentiful.
  int64_t incident = kNow - 3600;
  while (!IsIncidentMinute(1, incident)) incident -= 60;
  while (IsIncidentMinute(1, incident - 60)) incident -= 60;
  const int64_t start = incident - 240;
  const int64_t end = incident + 960;  // exclusive: 20 minutes with the 12 of the incident
  json body = {{"logGroupNames", json::array({"/ecs/demo-api"})},
               {"startTime", start},
               {"endTime", end - 1},
               {"queryString",
                "stats count(*) as n, sum(status >= 500) as errors, avg(elapsed) as ms "
                "by bin(1m) as t"}};
  json results = RunQuery(body);
  std::vector<Datapoint> requests =
      GeneratedSeries(1, kRequestCount, Statistic::kSum, start, end, 60);
  std::vector<Datapoint> errors =
      GeneratedSeries(1, kTarget5xxCount, Statistic::kSum, start, end, 60);
  std::vector<Datapoint> latency =
      GeneratedSeries(1, kTargetResponseTime, Statistic::kAverage, start, end, 60);
  auto rows = Rows(results);
  ASSERT_EQ(rows.size(), requests.size());
  std::map<int64_t, double> errors_by_minute;
  for (const Datapoint& p : errors) errors_by_minute[p.timestamp] = p.value;
  double total_requests = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["t"], FormatLogsTimestamp(requests[i].timestamp * 1000));
    EXPECT_EQ(std::stod(rows[i]["n"]), requests[i].value) << rows[i]["t"];
    EXPECT_EQ(std::stod(rows[i]["errors"]), errors_by_minute[requests[i].timestamp])
        << rows[i]["t"];
    EXPECT_NEAR(std::stod(rows[i]["ms"]), latency[i].value * 1000, latency[i].value * 1000 * 0.2)
        << rows[i]["t"];
    total_requests += requests[i].value;
  }
  EXPECT_EQ(results["statistics"]["recordsScanned"], total_requests);
  EXPECT_GT(errors_by_minute.size(), 10u);

  // The same lines as GeneratedLogMinute().
  body["queryString"] = "fields @timestamp, @message, @logStream | sort @timestamp asc | limit 3";
  rows = Rows(RunQuery(body));
  std::vector<LogEvent> minute = GeneratedLogMinute(1, start);
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i]["@timestamp"], FormatLogsTimestamp(minute[i].timestamp_ms));
    // Events of the same millisecond may come in either order.
    bool found = false;
    for (const LogEvent& event : minute) {
      found = found ||
              (event.timestamp_ms == minute[i].timestamp_ms &&
               event.message == rows[i]["@message"] && event.log_stream == rows[i]["@logStream"]);
    }
    EXPECT_TRUE(found) << rows[i]["@message"];
  }
}

TEST_F(LogsTest, GeneratedMinutesBecomeVisibleWhenTheMinuteEnds) {
  StartWithLatency(Millis(0));
  json body = {{"logGroupName", "/ecs/demo-api"},
               {"startTime", kNow - 120},
               {"endTime", kNow + 59},
               {"queryString", "stats count(*) as n by bin(1m) as t"}};
  auto rows = Rows(RunQuery(body));
  ASSERT_EQ(rows.size(), 2u);  // kNow - 120 and kNow - 60; the minute in progress is not there
  EXPECT_EQ(rows.back()["t"], FormatLogsTimestamp((kNow - 60) * 1000));
  clock().Advance(Seconds(60));
  EXPECT_EQ(Rows(RunQuery(body)).size(), 3u);
}

TEST_F(LogsTest, LogsFaultsUseTheJson11ErrorShapeAndLeaveCloudWatchAlone) {
  StartWithLatency(Millis(0));
  PutFiveEvents();
  ASSERT_EQ(
      client()
          .Post("/_sandbox/faults", R"({"api":"logs","count":2,"aws_error":"ThrottlingException"})",
                "application/json")
          ->status,
      200);
  EXPECT_EQ(GetJson("/_sandbox/faults")["logs"][0]["remaining"], 2);
  json gmd = {
      {"MetricDataQueries", json::array({StatQuery("m1", DemoMetric("RequestCount"), 60, "Sum")})},
      {"StartTime", kNow - 600},
      {"EndTime", kNow}};
  EXPECT_EQ(GetMetricData(gmd).status, 200);
  ExpectLogsError(Logs("StartQuery", StartBody("fields x")), 400, "ThrottlingException",
                  "Rate exceeded");
  ASSERT_EQ(client()
                .Post("/_sandbox/faults", R"({"api":"logs","status":503})", "application/json")
                ->status,
            200);
  ExpectLogsError(Logs("GetQueryResults", {{"queryId", "x"}}), 400, "ThrottlingException",
                  "Rate exceeded");
  ExpectLogsError(Logs("GetQueryResults", {{"queryId", "x"}}), 503, "ServiceUnavailableException",
                  "Injected fault");
  EXPECT_FALSE(Start(StartBody("fields x")).empty());
  json stats = Stats();
  EXPECT_EQ(stats["faults_injected"], 3);
  EXPECT_EQ(stats["logs_requests"], 4);
  EXPECT_EQ(stats["cloudwatch_requests"], 1);
  EXPECT_EQ(stats["logs_start_query_calls"], 1);
  EXPECT_EQ(stats["logs_get_query_results_calls"], 0);

  json log = GetJson("/_sandbox/requests?api=logs");
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0]["api"], "logs");
  EXPECT_EQ(log[0]["target"], "Logs_20140328.StartQuery");
  EXPECT_EQ(log[0]["fault"], true);
  EXPECT_EQ(log[3]["status"], 200);
  EXPECT_EQ(log[3]["fault"], false);
}

TEST_F(LogsTest, ResetForgetsQueriesAndPutGroups) {
  StartWithLatency(Millis(0));
  PutFiveEvents();
  const std::string id = Start(StartBody("fields x"));
  ASSERT_EQ(client().Post("/_sandbox/reset", "", "application/json")->status, 200);
  ExpectLogsError(Logs("GetQueryResults", {{"queryId", id}}), 400, "ResourceNotFoundException",
                  "does not exist");
  ExpectLogsError(Logs("StartQuery", StartBody("fields x")), 400, "ResourceNotFoundException",
                  "/test/app");
}

TEST_F(LogsTest, TheControlApiValidatesPutEvents) {
  for (const char* body :
       {R"({"events":[]})", R"({"log_group":"bad name","events":[]})",
        R"({"log_group":"/g","events":[{"timestamp":1.5,"message":"x"}]})",
        R"({"log_group":"/g","events":[{"timestamp":1,"message":""}]})",
        R"({"log_group":"/g","log_stream":"a:b","events":[]})", R"({"log_group":"/g"})"}) {
    httplib::Result r = client().Post("/_sandbox/logs/events", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body;
  }
}

TEST_F(LogsTest, TheProjectsLogsInsightsClientRunsAgainstTheSandbox) {
  StartWithLatency(Millis(1500));
  PutFiveEvents();
  aws::Credentials credentials;
  credentials.access_key_id = "AKIDSANDBOX";
  credentials.secret_access_key = Secret("SANDBOXSECRET");
  std::unique_ptr<aws::CredentialsProvider> provider = aws::NewStaticProvider(credentials);
  aws::LogsInsightsOptions options;
  options.endpoint = server().base_url();
  options.region = "us-east-1";
  ScanSettlingClock client_clock(clock(), server());
  std::unique_ptr<aws::LogsInsightsClient> logs = aws::NewLogsInsightsClient(
      curl_, *provider, client_clock, [] { return 0.5; }, options);
  aws::LogsQuery query;
  query.name = "errors";
  query.log_groups = {kGroup};
  query.query_string = "filter status >= 500 | stats count(*) as errors by bin(1m) as t";
  query.window = {FromUnixSeconds(kStartMs / 1000), FromUnixSeconds(kStartMs / 1000 + 300)};
  aws::LogsRunStats run_stats;
  Result<aws::LogsQueryResult> result = logs->RunQuery(query, aws::LogsRunControl{}, &run_stats);
  ASSERT_OK(result);
  EXPECT_GE(result->polls, 2);
  pipeline::LogsPointsSpec spec;
  spec.value_field = "errors";
  spec.time_field = "t";
  spec.period = Seconds(60);
  spec.window = query.window;
  Result<pipeline::LogsPoints> points = pipeline::LogsRowsToPoints(result->rows, spec);
  ASSERT_OK(points);
  EXPECT_EQ(points->values,
            (std::map<SystemTime, double>{{FromUnixSeconds(kStartMs / 1000 + 60), 1},
                                          {FromUnixSeconds(kStartMs / 1000 + 180), 1}}));
  EXPECT_EQ(run_stats.start_query_calls, 1);
  EXPECT_EQ(run_stats.bytes_scanned, static_cast<double>(Stats()["logs_bytes_scanned"]));
}

}  // namespace
}  // namespace statusbridge::sandbox
