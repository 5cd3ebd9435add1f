#include "aws/logs_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

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
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr int64_t kStart = 1704067200;  // 2024-01-01T00:00:00Z
constexpr const char* kEndpoint = "https://logs.us-east-1.amazonaws.com";

SystemTime T(int64_t s) { return FromUnixSeconds(s); }
TimeWindow Window(int64_t start, int64_t end) { return TimeWindow{T(start), T(end)}; }

LogsQuery Query(std::string name, std::string query_string = "stats count(*) as n") {
  LogsQuery q;
  q.name = std::move(name);
  q.log_groups = {"/aws/lambda/api"};
  q.query_string = std::move(query_string);
  q.window = Window(kStart, kStart + 300);
  return q;
}

class TestCredentials : public CredentialsProvider {
 public:
  Result<Credentials> GetCredentials() override {
    if (!error.ok()) {
      return error;
    }
    return credentials;
  }
  std::string Name() const override { return "test"; }

  Credentials credentials{"AKIDEXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                          Secret(), std::nullopt, "test"};
  Status error;
};

http::HttpResponse Response(int status, std::string body) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", "req-1"}};
  return r;
}

http::HttpResponse AwsError(int status, const std::string& type, const std::string& message) {
  return Response(status,
                  json{{"__type", "com.amazonaws.logs#" + type}, {"message", message}}.dump());
}

json Cell(const std::string& field, const std::string& value) {
  return json{{"field", field}, {"value", value}};
}

std::string ResultsBody(const std::string& status, json rows = json::array(),
                        double bytes_scanned = 0,
                        std::optional<std::string> next_token = std::nullopt) {
  json body{{"queryLanguage", "CWLI"},
            {"results", std::move(rows)},
            {"statistics",
             {{"recordsMatched", 2.0},
              {"recordsScanned", 10.0},
              {"estimatedRecordsSkipped", 0.0},
              {"bytesScanned", bytes_scanned},
              {"estimatedBytesSkipped", 0.0},
              {"logGroupsScanned", 1.0}}},
            {"status", status}};
  if (next_token) {
    body["nextToken"] = *next_token;
  }
  return body.dump();
}

std::string StartBody(const std::string& id) { return json{{"queryId", id}}.dump(); }

std::string Target(const http::HttpRequest& r) {
  return std::string(http::FindHeader(r.headers, "X-Amz-Target"));
}

// A strict little Logs Insights. It checks every request as the service would (headers, target,
// body fields and types, exactly one log group list, ARNs without '*', startTime <= endTime),
// answering 400 with a recorded violation otherwise. Queries are keyed by their queryString:
// `behaviour[qs]` says after how many polls they end and how. It enforces an account quota of
// `quota` concurrent queries with LimitExceededException, as StartQuery does when full, and
// records the most queries it ever had running (started, and neither reported terminal nor
// stopped).
class FakeLogsService : public http::HttpClient {
 public:
  struct Behaviour {
    int polls = 1;  // the poll that returns the final status
    std::string final_status = "Complete";
    json rows = json::array();
    double bytes_scanned = 1000;
    std::string initial_status = "Running";
  };

  explicit FakeLogsService(const Clock& clock) : clock_(clock) {}

  Result<http::HttpResponse> Send(const http::HttpRequest& request) override {
    requests.push_back(request);
    const std::string target = Target(request);
    const std::string op = target.substr(target.find('.') + 1);
    log.push_back({op, clock_.Monotonic()});
    if (!inject.empty() && inject.front().first == op) {
      Result<http::HttpResponse> r = std::move(inject.front().second);
      inject.pop_front();
      return r;
    }
    std::string violation = Check(request, target);
    if (!violation.empty()) {
      violations.push_back(violation);
      return AwsError(400, "InvalidParameterException", violation);
    }
    json body = json::parse(request.body);
    if (op == "StartQuery") {
      return StartQuery(body);
    }
    if (op == "GetQueryResults") {
      return GetQueryResults(body);
    }
    return StopQuery(body);
  }

  int Running() const {
    int n = 0;
    for (const auto& [id, q] : queries_) {
      n += q.running ? 1 : 0;
    }
    return n;
  }
  int Count(const std::string& op) const {
    int n = 0;
    for (const auto& [o, t] : log) {
      n += o == op ? 1 : 0;
    }
    return n;
  }

  std::map<std::string, Behaviour> behaviour;  // by queryString
  int quota = 1000;
  int max_running = 0;
  std::vector<http::HttpRequest> requests;
  std::vector<std::pair<std::string, MonotonicTime>> log;  // operation, time
  std::vector<std::string> violations;
  std::vector<std::string> stopped;                                       // query ids
  std::deque<std::pair<std::string, Result<http::HttpResponse>>> inject;  // op -> answer

 private:
  struct RunningQuery {
    std::string query_string;
    int polls = 0;
    bool running = true;
  };

  static std::string Check(const http::HttpRequest& r, const std::string& target) {
    if (r.method != "POST" || r.url != std::string(kEndpoint) + "/") {
      return "bad method or url " + r.method + " " + r.url;
    }
    if (http::FindHeader(r.headers, "Content-Type") != "application/x-amz-json-1.1") {
      return "bad Content-Type";
    }
    if (target != "Logs_20140328.StartQuery" && target != "Logs_20140328.GetQueryResults" &&
        target != "Logs_20140328.StopQuery") {
      return "bad X-Amz-Target " + target;
    }
    if (http::HasHeader(r.headers, "x-amzn-query-mode")) {
      return "Logs is not query-compatible";
    }
    std::string_view auth = http::FindHeader(r.headers, "Authorization");
    if (auth.find("/us-east-1/logs/aws4_request") == std::string_view::npos) {
      return "not signed for logs in us-east-1";
    }
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return "body is not a JSON object";
    }
    if (target == "Logs_20140328.StartQuery") {
      static const std::set<std::string> kKnown = {
          "logGroupName", "logGroupNames", "logGroupIdentifiers", "startTime", "endTime",
          "queryString",  "limit",         "queryLanguage"};
      for (const auto& [k, v] : body.items()) {
        if (!kKnown.count(k)) {
          return "unknown member " + k;
        }
      }
      int lists = body.contains("logGroupName") + body.contains("logGroupNames") +
                  body.contains("logGroupIdentifiers");
      if (lists != 1) {
        return "exactly one of logGroupName, logGroupNames, logGroupIdentifiers";
      }
      for (const char* key : {"logGroupNames", "logGroupIdentifiers"}) {
        if (!body.contains(key)) {
          continue;
        }
        const json& groups = body[key];
        if (!groups.is_array() || groups.empty() || groups.size() > 50) {
          return std::string(key) + " must have 1..50 strings";
        }
        for (const json& g : groups) {
          if (!g.is_string()) {
            return std::string(key) + " must hold strings";
          }
          const std::string s = g.get<std::string>();
          if (std::string(key) == "logGroupNames" && s.rfind("arn:", 0) == 0) {
            return "an ARN in logGroupNames";
          }
          if (!s.empty() && s.back() == '*') {
            return "identifier ends in *";
          }
        }
      }
      if (!body["startTime"].is_number_integer() || !body["endTime"].is_number_integer()) {
        return "startTime/endTime must be epoch seconds";
      }
      if (body["startTime"].get<int64_t>() < 0 ||
          body["endTime"].get<int64_t>() < body["startTime"].get<int64_t>()) {
        return "bad time range";
      }
      if (!body["queryString"].is_string()) {
        return "queryString must be a string";
      }
      if (body.contains("limit") &&
          (!body["limit"].is_number_integer() || body["limit"].get<int64_t>() < 1 ||
           body["limit"].get<int64_t>() > 10000)) {
        return "bad limit";
      }
    } else {
      for (const auto& [k, v] : body.items()) {
        if (k != "queryId" && !(k == "nextToken" && target == "Logs_20140328.GetQueryResults")) {
          return "unknown member " + k;
        }
      }
      if (!body["queryId"].is_string()) {
        return "queryId must be a string";
      }
    }
    return "";
  }

  Result<http::HttpResponse> StartQuery(const json& body) {
    if (Running() >= quota) {
      return AwsError(400, "LimitExceededException", "Account maximum query concurrency limit");
    }
    const std::string id = "id-" + std::to_string(next_id_++);
    queries_[id] = RunningQuery{body["queryString"].get<std::string>()};
    max_running = std::max(max_running, Running());
    return Response(200, StartBody(id));
  }

  Result<http::HttpResponse> GetQueryResults(const json& body) {
    auto it = queries_.find(body["queryId"].get<std::string>());
    if (it == queries_.end()) {
      return AwsError(400, "ResourceNotFoundException", "Query does not exist");
    }
    RunningQuery& q = it->second;
    const Behaviour b =
        behaviour.count(q.query_string) ? behaviour.at(q.query_string) : Behaviour{};
    if (!q.running) {
      return Response(200, ResultsBody(q.polls >= b.polls ? b.final_status : "Cancelled", b.rows,
                                       b.bytes_scanned));
    }
    ++q.polls;
    if (q.polls < b.polls) {
      // Partial results while running: the client must not use them.
      json partial = json::array({json::array({Cell("n", "-1")})});
      return Response(200, ResultsBody(q.polls == 1 ? b.initial_status : "Running", partial,
                                       b.bytes_scanned / 2));
    }
    q.running = false;
    return Response(200, ResultsBody(b.final_status, b.rows, b.bytes_scanned));
  }

  Result<http::HttpResponse> StopQuery(const json& body) {
    const std::string id = body["queryId"].get<std::string>();
    auto it = queries_.find(id);
    if (it == queries_.end() || !it->second.running) {
      return AwsError(400, "InvalidParameterException", "Query is not running");
    }
    it->second.running = false;
    stopped.push_back(id);
    return Response(200, R"({"success":true})");
  }

  const Clock& clock_;
  std::map<std::string, RunningQuery> queries_;
  int next_id_ = 1;
};

class LogsClientTest : public ::testing::Test {
 protected:
  static LogsInsightsOptions Options() {
    LogsInsightsOptions o;
    o.endpoint = kEndpoint;
    o.region = "us-east-1";
    return o;
  }
  std::unique_ptr<LogsInsightsClient> Client(http::HttpClient& http,
                                             LogsInsightsOptions options = Options()) {
    return NewLogsInsightsClient(
        http, credentials_, clock_, [] { return 0.5; }, std::move(options));
  }
  static LogsRunControl Control(Millis timeout = Millis(60000)) {
    LogsRunControl c;
    c.timeout = timeout;
    return c;
  }

  FakeHttpClient http_;
  TestCredentials credentials_;
  FakeClock clock_{T(kStart + 3600)};
};

// ---- Request shapes ----

TEST_F(LogsClientTest, StartQuerySendsSignedJson11WithLogGroupNames) {
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(200, ResultsBody("Complete"));
  LogsQuery q = Query("api-response-time", "stats avg(ms) as p by bin(5m) as t");
  q.log_groups = {"/aws/lambda/api", "/aws/lambda/worker"};
  q.window = Window(kStart, kStart + 900);
  q.limit = 100;

  ASSERT_OK(Client(http_)->RunQuery(q, Control(), nullptr));

  ASSERT_EQ(http_.requests().size(), 2u);
  const http::HttpRequest r = http_.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://logs.us-east-1.amazonaws.com/");
  EXPECT_EQ(http::FindHeader(r.headers, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(http::FindHeader(r.headers, "X-Amz-Target"), "Logs_20140328.StartQuery");
  EXPECT_FALSE(http::HasHeader(r.headers, "x-amzn-query-mode"));
  EXPECT_EQ(http::FindHeader(r.headers, "X-Amz-Date"), "20240101T010000Z");
  EXPECT_THAT(std::string(http::FindHeader(r.headers, "Authorization")),
              AllOf(StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/logs/"
                               "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                               "x-amz-target, Signature="),
                    Not(HasSubstr("wJalr"))));
  const json body = json::parse(r.body);
  EXPECT_EQ(body, (json{{"logGroupNames", {"/aws/lambda/api", "/aws/lambda/worker"}},
                        {"startTime", kStart},
                        {"endTime", kStart + 899},
                        {"queryString", "stats avg(ms) as p by bin(5m) as t"},
                        {"limit", 100}}));
  EXPECT_TRUE(body["startTime"].is_number_integer());
  EXPECT_TRUE(body["endTime"].is_number_integer());
  EXPECT_TRUE(body["limit"].is_number_integer());
}

// Known answer: botocore 1.43.11's SigV4Auth("logs", "us-east-1") over the same request
// (AKIDEXAMPLE keys, 2015-08-30T12:36:00Z, the same headers and body) gives this Authorization;
// its JSON serializer gives the same body for these parameters.
TEST_F(LogsClientTest, StartQuerySignatureMatchesBotocore) {
  clock_.SetNow(T(1440938160));
  http_.AddResponse(200, StartBody("abc"));
  http_.AddResponse(200, ResultsBody("Complete"));
  LogsQuery q = Query("x");
  q.window = Window(1440936000, 1440936300);
  ASSERT_OK(Client(http_)->RunQuery(q, Control(), nullptr));
  const http::HttpRequest r = http_.requests()[0];
  EXPECT_EQ(r.body,
            R"({"logGroupNames":["/aws/lambda/api"],"startTime":1440936000,"endTime":1440936299,)"
            R"("queryString":"stats count(*) as n"})");
  EXPECT_EQ(http::FindHeader(r.headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/logs/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=8aefd51816f2a4e9dbeabe69ab2e71bc4cff7f5be157e5c79c4a0b5ee12e1799");
}

TEST_F(LogsClientTest, AnyArnSendsAllAsLogGroupIdentifiers) {
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(200, ResultsBody("Complete"));
  LogsQuery q = Query("cross-account");
  q.log_groups = {"/aws/lambda/api",
                  "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/other"};

  ASSERT_OK(Client(http_)->RunQuery(q, Control(), nullptr));

  const json body = json::parse(http_.requests()[0].body);
  EXPECT_FALSE(body.contains("logGroupNames"));
  EXPECT_EQ(
      body["logGroupIdentifiers"],
      json({"/aws/lambda/api", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/other"}));
  EXPECT_FALSE(body.contains("limit"));  // limit 0 is not sent
}

TEST_F(LogsClientTest, GetQueryResultsAndStopQueryCarryOnlyTheQueryId) {
  http_.AddResponse(200, StartBody("0a1b-2c3d"));
  http_.AddResponse(200, ResultsBody("Running"));
  http_.AddResponse(200, R"({"success":true})");
  LogsRunControl control = Control();
  control.should_stop = [&] { return http_.requests().size() >= 2; };  // after the first poll

  auto result = Client(http_)->RunQuery(Query("q"), control, nullptr);
  EXPECT_THAT(result, StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("stop was requested")));

  ASSERT_EQ(http_.requests().size(), 3u);
  const http::HttpRequest poll = http_.requests()[1];
  EXPECT_EQ(http::FindHeader(poll.headers, "X-Amz-Target"), "Logs_20140328.GetQueryResults");
  EXPECT_EQ(http::FindHeader(poll.headers, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(json::parse(poll.body), (json{{"queryId", "0a1b-2c3d"}}));
  const http::HttpRequest stop = http_.requests()[2];
  EXPECT_EQ(http::FindHeader(stop.headers, "X-Amz-Target"), "Logs_20140328.StopQuery");
  EXPECT_EQ(json::parse(stop.body), (json{{"queryId", "0a1b-2c3d"}}));
  EXPECT_EQ(stop.timeout, Options().stop_query_timeout);
}

TEST_F(LogsClientTest, HttpTimeoutNeverExceedsTheTimeLeft) {
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(200, ResultsBody("Complete"));
  ASSERT_OK(Client(http_)->RunQuery(Query("q"), Control(Millis(8000)), nullptr));
  EXPECT_EQ(http_.requests()[0].timeout, Millis(8000));  // options.timeout is 20 s
  EXPECT_EQ(http_.requests()[1].timeout, Millis(7000));  // polled after 1 s
}

TEST_F(LogsClientTest, TrailingSlashOnTheEndpointIsNotDoubled) {
  LogsInsightsOptions o = Options();
  o.endpoint = std::string(kEndpoint) + "//";
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(200, ResultsBody("Complete"));
  ASSERT_OK(Client(http_, o)->RunQuery(Query("q"), Control(), nullptr));
  EXPECT_EQ(http_.requests()[0].url, "https://logs.us-east-1.amazonaws.com/");
}

TEST_F(LogsClientTest, BadSetupFailsEveryQueryWithoutARequest) {
  LogsInsightsOptions no_region = Options();
  no_region.region = "";
  auto a = Client(http_, no_region)->RunQueries({Query("a"), Query("b")}, Control(), nullptr);
  EXPECT_THAT(a[0], StatusIs(StatusCode::kInvalidArgument,
                             AllOf(HasSubstr("\"a\""), HasSubstr("no AWS region"))));
  EXPECT_THAT(a[1], StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"b\"")));

  LogsInsightsOptions bad_endpoint = Options();
  bad_endpoint.endpoint = "ftp://example.com";
  auto b = Client(http_, bad_endpoint)->RunQuery(Query("a"), Control(), nullptr);
  EXPECT_THAT(b, StatusIs(StatusCode::kInvalidArgument, HasSubstr("endpoint")));
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(LogsClientTest, CredentialErrorsFailTheQuery) {
  credentials_.error = Status::NotFound("no AWS credentials found");
  auto result = Client(http_)->RunQuery(Query("q"), Control(), nullptr);
  EXPECT_THAT(result, StatusIs(StatusCode::kNotFound,
                               AllOf(HasSubstr("\"q\""), HasSubstr("no AWS credentials"))));
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(LogsClientTest, InvalidQueryFailsAloneAndSendsNothingForIt) {
  FakeLogsService service(clock_);
  LogsQuery bad = Query("bad");
  bad.log_groups = {"arn:aws:logs:us-east-1:123456789012:log-group:/x:*"};
  auto results = Client(service)->RunQueries({bad, Query("good")}, Control(), nullptr);
  EXPECT_THAT(results[0], StatusIs(StatusCode::kInvalidArgument,
                                   AllOf(StartsWith("Logs Insights query \"bad\": "),
                                         HasSubstr("ends in '*'"))));
  EXPECT_OK(results[1]);
  EXPECT_EQ(service.Count("StartQuery"), 1);
  EXPECT_THAT(service.violations, ::testing::IsEmpty());
}

// ---- Polling ----

TEST_F(LogsClientTest, PollsFromOneSecondGrowingToTheCap) {
  FakeLogsService service(clock_);
  service.behaviour["slow"] = {
      .polls = 8, .rows = json::array({json::array({Cell("n", "42")})}), .bytes_scanned = 5e6};
  LogsRunStats stats;
  auto result = Client(service)->RunQuery(Query("slow", "slow"), Control(), &stats);
  ASSERT_OK(result);

  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(1000), Millis(1500), Millis(2250), Millis(3375),
                                           Millis(5000), Millis(5000), Millis(5000), Millis(5000)));
  EXPECT_EQ(service.Count("GetQueryResults"), 8);
  EXPECT_EQ(result->polls, 8);
  EXPECT_EQ(result->query_id, "id-1");
  ASSERT_EQ(result->rows.size(), 1u);  // the partial rows of Running polls are not kept
  EXPECT_THAT(result->rows[0], ElementsAre(Pair("n", "42")));
  EXPECT_EQ(result->statistics.bytes_scanned, 5e6);
  EXPECT_EQ(result->statistics.records_matched, 2.0);
  EXPECT_EQ(result->statistics.records_scanned, 10.0);
  EXPECT_EQ(stats.start_query_calls, 1);
  EXPECT_EQ(stats.get_query_results_calls, 8);
  EXPECT_EQ(stats.stop_query_calls, 0);
  EXPECT_EQ(stats.throttled, 0);
  EXPECT_EQ(stats.bytes_scanned, 5e6);
  EXPECT_EQ(stats.max_in_flight, 1);
  EXPECT_THAT(service.violations, ::testing::IsEmpty());
}

TEST_F(LogsClientTest, PollingCadenceIsConfigurable) {
  FakeLogsService service(clock_);
  service.behaviour["q"] = {.polls = 5};
  LogsInsightsOptions o = Options();
  o.first_poll_delay = Millis(2000);
  o.poll_backoff_factor = 2;
  o.max_poll_delay = Millis(6000);
  ASSERT_OK(Client(service, o)->RunQuery(Query("q", "q"), Control(), nullptr));
  EXPECT_THAT(clock_.sleeps(),
              ElementsAre(Millis(2000), Millis(4000), Millis(6000), Millis(6000), Millis(6000)));
}

TEST_F(LogsClientTest, ScheduledThenRunningThenComplete) {
  FakeLogsService service(clock_);
  service.behaviour["q"] = {.polls = 3,
                            .rows = json::array({json::array({Cell("n", "1")})}),
                            .initial_status = "Scheduled"};
  auto result = Client(service)->RunQuery(Query("q", "q"), Control(), nullptr);
  ASSERT_OK(result);
  EXPECT_EQ(result->polls, 3);
}

TEST_F(LogsClientTest, CompleteWithNoRowsIsAnEmptyResult) {
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(200, R"({"status":"Complete"})");
  auto result = Client(http_)->RunQuery(Query("q"), Control(), nullptr);
  ASSERT_OK(result);
  EXPECT_TRUE(result->rows.empty());
  EXPECT_EQ(result->statistics.bytes_scanned, 0);
}

TEST_F(LogsClientTest, DeadlineStopsTheQueryAndNamesIt) {
  FakeLogsService service(clock_);
  service.behaviour["endless"] = {.polls = 1000000, .bytes_scanned = 8e9};
  LogsRunStats stats;
  const MonotonicTime begin = clock_.Monotonic();

  auto result = Client(service)->RunQuery(Query("api-response-time", "endless"),
                                          Control(Millis(30000)), &stats);

  EXPECT_THAT(result, StatusIs(StatusCode::kDeadlineExceeded,
                               AllOf(StartsWith("Logs Insights query \"api-response-time\" (id "
                                                "id-1): the deadline of 30s passed"),
                                     HasSubstr("last status Running after 8 polls"),
                                     HasSubstr("sent StopQuery"))));
  EXPECT_EQ(clock_.Monotonic() - begin, Millis(30000));  // woke exactly at the deadline
  EXPECT_EQ(service.Count("GetQueryResults"), 8);        // 1, 2.5, 4.75, 8.1, 13.1, ... 28.1 s
  EXPECT_THAT(service.stopped, ElementsAre("id-1"));
  EXPECT_EQ(service.log.back().first, "StopQuery");
  EXPECT_EQ(service.Running(), 0);
  EXPECT_EQ(stats.stop_query_calls, 1);
  EXPECT_EQ(stats.bytes_scanned, 4e9);  // what the stopped query had scanned: billed anyway
}

// The cycle's deadline (once --timeout, the daemon's interval) ends the run when it comes before
// aws.logs.query_timeout.
TEST_F(LogsClientTest, TheCyclesDeadlineEndsTheRunBeforeTheQueryTimeout) {
  FakeLogsService service(clock_);
  service.behaviour["endless"] = {.polls = 1000000, .bytes_scanned = 8e9};
  const MonotonicTime begin = clock_.Monotonic();
  LogsRunControl control = Control(Millis(30000));
  control.cycle_deadline = begin + Millis(10000);

  auto result = Client(service)->RunQuery(Query("api-response-time", "endless"), control, nullptr);

  EXPECT_THAT(result, StatusIs(StatusCode::kDeadlineExceeded,
                               AllOf(HasSubstr("the cycle's deadline passed"),
                                     HasSubstr("sent StopQuery"))));
  EXPECT_EQ(clock_.Monotonic() - begin, Millis(10000));
  EXPECT_THAT(service.stopped, ElementsAre("id-1"));
}

TEST_F(LogsClientTest, StopQueryFailureIsReported) {
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(Status::Unavailable("connection reset"));
  auto result = Client(http_)->RunQuery(Query("q"), Control(Millis(500)), nullptr);
  EXPECT_THAT(result, StatusIs(StatusCode::kDeadlineExceeded,
                               AllOf(HasSubstr("no status yet after 0 polls"),
                                     HasSubstr("StopQuery failed: StopQuery: connection reset"))));
}

TEST_F(LogsClientTest, StopRequestStopsTheQuery) {
  FakeLogsService service(clock_);
  service.behaviour["endless"] = {.polls = 1000000};
  LogsRunControl control = Control();
  control.should_stop = [&] { return service.Count("GetQueryResults") >= 3; };

  auto result = Client(service)->RunQuery(Query("q", "endless"), control, nullptr);

  EXPECT_THAT(result,
              StatusIs(StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr("a stop was requested"), HasSubstr("sent StopQuery"))));
  EXPECT_EQ(service.Count("GetQueryResults"), 3);
  EXPECT_THAT(service.stopped, ElementsAre("id-1"));
}

TEST_F(LogsClientTest, ZeroOrNegativeTimeoutFailsEverythingWithoutARequest) {
  for (Millis timeout : {Millis(0), Millis(-5), Millis::min()}) {
    auto results = Client(http_)->RunQueries({Query("a"), Query("b")}, Control(timeout), nullptr);
    for (const auto& r : results) {
      EXPECT_THAT(r,
                  StatusIs(StatusCode::kDeadlineExceeded,
                           AllOf(HasSubstr("deadline of 0s"), HasSubstr("before it could start"))));
    }
  }
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(LogsClientTest, HugeTimeoutAndDelaysDoNotOverflow) {
  FakeLogsService service(clock_);
  service.behaviour["q"] = {.polls = 3};
  LogsInsightsOptions o = Options();
  o.first_poll_delay = Millis::max();
  o.max_poll_delay = Millis::max();
  o.poll_backoff_factor = std::numeric_limits<double>::infinity();
  o.start_backoff = BackoffPolicy{Millis::max(), Millis::max()};
  service.inject.emplace_back("StartQuery", AwsError(400, "ThrottlingException", "Rate exceeded"));
  // Everything is cut to 30 days: the throttling wait, then the first poll meets the deadline.
  auto result = Client(service, o)->RunQuery(Query("q", "q"), Control(Millis::max()), nullptr);
  EXPECT_THAT(result, StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("deadline of 30d")));
  EXPECT_THAT(clock_.sleeps(), ElementsAre(std::chrono::hours(540), std::chrono::hours(180)));
}

TEST_F(LogsClientTest, EveryTerminalStatusIsAClearError) {
  struct Case {
    std::string status;
    StatusCode code;
  };
  for (const Case& c :
       {Case{"Failed", StatusCode::kUnavailable}, Case{"Cancelled", StatusCode::kUnavailable},
        Case{"Timeout", StatusCode::kDeadlineExceeded},
        Case{"Unknown", StatusCode::kUnavailable}}) {
    SCOPED_TRACE(c.status);
    FakeLogsService service(clock_);
    service.behaviour["q"] = {.polls = 2, .final_status = c.status};
    auto result = Client(service)->RunQuery(Query("api-response-time", "q"), Control(), nullptr);
    EXPECT_THAT(result,
                StatusIs(c.code, StartsWith("Logs Insights query \"api-response-time\" (id id-1): "
                                            "status " +
                                            c.status)));
    EXPECT_EQ(service.Count("GetQueryResults"), 2);
    EXPECT_EQ(service.Count("StopQuery"), 0);  // it has ended already
  }
}

TEST_F(LogsClientTest, UnknownStatusStringIsInternalAndStopsTheQuery) {
  FakeLogsService service(clock_);
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(200, R"({"status":"Exploded","results":[]})");
  http_.AddResponse(200, R"({"success":true})");
  auto result = Client(http_)->RunQuery(Query("q"), Control(), nullptr);
  EXPECT_THAT(result,
              StatusIs(StatusCode::kInternal, AllOf(HasSubstr("unknown status \"Exploded\""),
                                                    HasSubstr("sent StopQuery"))));
  EXPECT_EQ(Target(http_.requests().back()), "Logs_20140328.StopQuery");
}

TEST_F(LogsClientTest, FollowsNextTokenPagesOfACompleteQuery) {
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(
      200, ResultsBody("Complete", json::array({json::array({Cell("n", "1")})}), 10, "page-2"));
  http_.AddResponse(200, ResultsBody("Complete", json::array({json::array({Cell("n", "2")})}), 10));
  auto result = Client(http_)->RunQuery(Query("q"), Control(), nullptr);
  ASSERT_OK(result);
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_EQ(result->rows[1].at("n"), "2");
  EXPECT_EQ(json::parse(http_.requests()[2].body),
            (json{{"queryId", "q-1"}, {"nextToken", "page-2"}}));
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(1000)));  // the next page comes at once
}

TEST_F(LogsClientTest, EndlessPagingIsCut) {
  LogsInsightsOptions o = Options();
  o.max_result_pages = 3;
  http_.AddResponse(200, StartBody("q-1"));
  for (int i = 0; i < 3; ++i) {
    http_.AddResponse(200, ResultsBody("Complete", json::array(), 0, "again"));
  }
  auto result = Client(http_, o)->RunQuery(Query("q"), Control(), nullptr);
  EXPECT_THAT(result, StatusIs(StatusCode::kInternal, HasSubstr("after 3 pages")));
  EXPECT_EQ(http_.requests().size(), 4u);  // no StopQuery: the query had completed
}

// ---- Errors and throttling ----

TEST_F(LogsClientTest, LimitExceededWaitsWithBackoffThenStarts) {
  FakeLogsService service(clock_);
  service.inject.emplace_back("StartQuery", AwsError(400, "LimitExceededException",
                                                     "Account maximum query concurrency limit"));
  service.inject.emplace_back("StartQuery", AwsError(400, "ThrottlingException", "Rate exceeded"));
  LogsRunStats stats;
  auto result = Client(service)->RunQuery(Query("q"), Control(), &stats);
  ASSERT_OK(result);
  // random 0.5 -> 3/4 of min(cap, 1 s * 2^n); then the first poll.
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Millis(750), Millis(1500), Millis(1000)));
  EXPECT_EQ(stats.throttled, 2);
  EXPECT_EQ(stats.start_query_calls, 3);
}

TEST_F(LogsClientTest, ThrottledUntilTheDeadlineNamesTheLastError) {
  for (int i = 0; i < 100; ++i) {
    http_.AddResponse(AwsError(400, "LimitExceededException", "Account maximum query concurrency"));
  }
  LogsRunStats stats;
  auto result = Client(http_)->RunQuery(Query("q"), Control(Millis(20000)), &stats);
  EXPECT_THAT(result,
              StatusIs(StatusCode::kDeadlineExceeded, AllOf(HasSubstr("before it could start"),
                                                            HasSubstr("LimitExceededException"))));
  // Attempts at 0, 0.75, 2.25, 5.25, 11.25 and 18.75 s (waits 0.75, 1.5, 3, 6, 7.5 with the 10 s
  // cap): a handful, not hundreds.
  EXPECT_EQ(stats.start_query_calls, 6);
  EXPECT_EQ(stats.throttled, 6);
  EXPECT_EQ(clock_.sleeps().back(), Millis(1250));  // then it sleeps until the deadline
}

TEST_F(LogsClientTest, MalformedQueryIsNotRetried) {
  http_.AddResponse(AwsError(400, "MalformedQueryException", "unexpected symbol at 12"));
  auto result = Client(http_)->RunQuery(Query("q"), Control(), nullptr);
  EXPECT_THAT(result, StatusIs(StatusCode::kInvalidArgument,
                               AllOf(StartsWith("Logs Insights query \"q\": StartQuery: HTTP 400 "
                                                "MalformedQueryException"),
                                     HasSubstr("unexpected symbol"))));
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(LogsClientTest, AccessDeniedIsPermissionDenied) {
  http_.AddResponse(
      AwsError(400, "AccessDeniedException", "not authorized to perform logs:StartQuery"));
  EXPECT_THAT(Client(http_)->RunQuery(Query("q"), Control(), nullptr),
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("AccessDeniedException")));
}

TEST_F(LogsClientTest, TransientStartQueryFailuresAreRetriedUpToMaxAttempts) {
  for (int i = 0; i < 4; ++i) {
    http_.AddResponse(AwsError(503, "ServiceUnavailableException", "try later"));
  }
  LogsRunStats stats;
  auto result = Client(http_)->RunQuery(Query("q"), Control(), &stats);
  EXPECT_THAT(result,
              StatusIs(StatusCode::kUnavailable, AllOf(HasSubstr("ServiceUnavailableException"),
                                                       HasSubstr("gave up after 4 attempts"))));
  EXPECT_EQ(stats.start_query_calls, 4);
  EXPECT_EQ(stats.throttled, 0);
}

TEST_F(LogsClientTest, TransientPollFailuresAndThrottlingAreRetried) {
  FakeLogsService service(clock_);
  service.behaviour["q"] = {.polls = 2};
  service.inject.emplace_back("GetQueryResults", Status::Unavailable("connection reset"));
  service.inject.emplace_back("GetQueryResults",
                              AwsError(400, "ThrottlingException", "Rate exceeded"));
  LogsRunStats stats;
  ASSERT_OK(Client(service)->RunQuery(Query("q", "q"), Control(), &stats));
  EXPECT_EQ(stats.get_query_results_calls, 4);
  EXPECT_EQ(stats.throttled, 1);
}

TEST_F(LogsClientTest, PersistentPollFailureStopsTheQuery) {
  FakeLogsService service(clock_);
  service.behaviour["q"] = {.polls = 1000};
  for (int i = 0; i < 4; ++i) {
    service.inject.emplace_back("GetQueryResults", AwsError(500, "InternalFailure", "oops"));
  }
  auto result = Client(service)->RunQuery(Query("q", "q"), Control(), nullptr);
  EXPECT_THAT(result, StatusIs(StatusCode::kUnavailable,
                               AllOf(HasSubstr("(id id-1)"), HasSubstr("gave up after 4 attempts"),
                                     HasSubstr("sent StopQuery"))));
  EXPECT_THAT(service.stopped, ElementsAre("id-1"));
}

TEST_F(LogsClientTest, UnknownQueryIdOnPollIsNotRetried) {
  http_.AddResponse(200, StartBody("q-1"));
  http_.AddResponse(AwsError(400, "ResourceNotFoundException", "Query does not exist"));
  http_.AddResponse(AwsError(400, "InvalidParameterException", "Query is not running"));
  auto result = Client(http_)->RunQuery(Query("q"), Control(), nullptr);
  EXPECT_THAT(result,
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("ResourceNotFoundException"),
                                                           HasSubstr("StopQuery failed"))));
  EXPECT_EQ(http_.requests().size(), 3u);
}

TEST_F(LogsClientTest, MalformedStartQueryResponses) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty body"},
      {"<html>502</html>", "not JSON"},
      {"[]", "expected a JSON object"},
      {"{}", "no queryId"},
      {R"({"queryId":null})", "no queryId"},
      {R"({"queryId":42})", "queryId is a number"},
      {R"({"queryId":""})", "not 1..256"},
      {json{{"queryId", std::string(300, 'x')}}.dump(), "not 1..256"},
  };
  for (const auto& [body, error] : cases) {
    SCOPED_TRACE(body);
    FakeHttpClient http;
    http.AddResponse(200, body);
    auto result = Client(http)->RunQuery(Query("q"), Control(), nullptr);
    EXPECT_THAT(result, StatusIs(StatusCode::kInternal,
                                 AllOf(StartsWith("Logs Insights query \"q\": StartQuery: "
                                                  "malformed response"),
                                       HasSubstr(error))));
    EXPECT_EQ(http.requests().size(), 1u);
  }
}

TEST_F(LogsClientTest, GetQueryResultsParsingTable) {
  const std::string huge(1 << 20, 'z');
  struct Case {
    std::string body;
    const char* error;  // nullptr: OK
    std::vector<LogsRow> rows;
  };
  auto complete = [](const std::string& results) {
    return R"({"status":"Complete","results":)" + results + "}";
  };
  const std::vector<Case> cases = {
      {"", "empty body", {}},
      {"not json at all", "not JSON", {}},
      {R"({"status":"Complete","results":[[{"field":"n","value":"1"}]])", "not JSON", {}},
      {R"({"status":"Complete","statistics":{"bytesScanned":NaN}})", "not JSON", {}},
      {"[1,2]", "expected a JSON object", {}},
      {R"({"results":[]})", "no status", {}},
      {R"({"status":7})", "status is a number", {}},
      {R"({"status":"complete"})", "unknown status \"complete\"", {}},
      {complete(R"({"a":1})"), "results is an object", {}},
      {complete(R"([{"field":"n"}])"), "results[0] is an object, not an array", {}},
      {complete(R"([[["n","1"]]])"), "results[0][0] is an array, not an object", {}},
      {complete(R"([[{"field":1,"value":"1"}]])"), "results[0][0].field is a number", {}},
      {complete(R"([[{"field":"n","value":1.5}]])"), "results[0][0].value is a number", {}},
      {complete(R"([[{"field":"n","value":true}]])"), "results[0][0].value is a boolean", {}},
      {R"({"status":"Complete","results":[],"nextToken":5})", "nextToken is a number", {}},
      // Tolerated: fields without values, nulls, repeated fields, odd statistics, huge values.
      {complete(
           R"([[{"field":"n"},{"value":"x"},{"field":"m","value":null},{"field":"k","value":"v"}]])"),
       nullptr,
       {{{"k", "v"}}}},
      {complete(R"([[{"field":"n","value":"1"},{"field":"n","value":"2"}],[]])"),
       nullptr,
       {{{"n", "1"}}, {}}},
      {R"({"status":"Complete","results":null,"statistics":{"bytesScanned":"many","recordsMatched":-3}})",
       nullptr,
       {}},
      {R"({"status":"Complete","statistics":[1,2,3]})", nullptr, {}},
      {complete(R"([[{"field":"n","value":")" + huge + R"("}]])"), nullptr, {{{"n", huge}}}},
      {complete(R"([[{"field":"n","value":"NaN"}]])"), nullptr, {{{"n", "NaN"}}}},
      {complete(R"([[{"field":"\u00e9\u0000","value":"\ud83d\ude00"}]])"),
       nullptr,
       {{{std::string("\xc3\xa9\0", 3), "\xf0\x9f\x98\x80"}}}},
      {R"({"status":"Running","results":"garbage while running is ignored"})", nullptr, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 200));
    FakeHttpClient http;
    http.AddResponse(200, StartBody("q-1"));
    http.AddResponse(200, c.body);
    http.AddResponse(200, ResultsBody("Complete"));  // after a Running answer
    http.AddResponse(200, R"({"success":true})");    // StopQuery after a malformed answer
    auto result = Client(http)->RunQuery(Query("q"), Control(), nullptr);
    if (c.error == nullptr) {
      ASSERT_OK(result);
      EXPECT_EQ(result->rows, c.rows);
    } else {
      EXPECT_THAT(result, StatusIs(StatusCode::kInternal,
                                   AllOf(StartsWith("Logs Insights query \"q\" (id q-1): "
                                                    "GetQueryResults: malformed response"),
                                         HasSubstr(c.error), HasSubstr("sent StopQuery"))));
      EXPECT_LT(result.status().message().size(), 600u);
    }
  }
}

// ---- Many queries ----

TEST_F(LogsClientTest, NeverMoreThanMaxConcurrentQueriesInFlight) {
  FakeLogsService service(clock_);
  std::vector<LogsQuery> queries;
  for (int i = 0; i < 12; ++i) {
    const std::string qs = "query " + std::to_string(i);
    service.behaviour[qs] = {.polls = 1 + (i * 7) % 5,
                             .rows = json::array({json::array({Cell("i", std::to_string(i))})}),
                             .bytes_scanned = 100};
    queries.push_back(Query("q" + std::to_string(i), qs));
  }
  LogsInsightsOptions o = Options();
  o.max_concurrent_queries = 3;
  LogsRunStats stats;

  auto results = Client(service, o)->RunQueries(queries, Control(Millis(600000)), &stats);

  ASSERT_EQ(results.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(results[i]);
    EXPECT_EQ(results[i]->rows.at(0).at("i"), std::to_string(i));  // results in input order
  }
  EXPECT_EQ(service.max_running, 3);
  EXPECT_EQ(stats.max_in_flight, 3);
  EXPECT_EQ(stats.start_query_calls, 12);
  EXPECT_EQ(stats.throttled, 0);
  EXPECT_EQ(stats.bytes_scanned, 1200);
  EXPECT_EQ(stats.get_query_results_calls, service.Count("GetQueryResults"));
  EXPECT_THAT(service.violations, ::testing::IsEmpty());
}

TEST_F(LogsClientTest, PollsOfInFlightQueriesAreInterleaved) {
  FakeLogsService service(clock_);
  service.behaviour["a"] = {.polls = 4};
  service.behaviour["b"] = {.polls = 4};
  auto results =
      Client(service)->RunQueries({Query("a", "a"), Query("b", "b")}, Control(), nullptr);
  ASSERT_OK(results[0]);
  ASSERT_OK(results[1]);
  std::vector<std::string> ops;
  for (const auto& [op, t] : service.log) {
    ops.push_back(op);
  }
  // Both start at once, then each is polled on its own schedule.
  EXPECT_THAT(ops, ElementsAre("StartQuery", "StartQuery", "GetQueryResults", "GetQueryResults",
                               "GetQueryResults", "GetQueryResults", "GetQueryResults",
                               "GetQueryResults", "GetQueryResults", "GetQueryResults"));
  EXPECT_EQ(service.max_running, 2);
}

TEST_F(LogsClientTest, AccountQuotaBelowOurCapIsWaitedOut) {
  FakeLogsService service(clock_);
  service.quota = 2;  // dashboards use the rest
  std::vector<LogsQuery> queries;
  for (int i = 0; i < 6; ++i) {
    service.behaviour["q" + std::to_string(i)] = {.polls = 3};
    queries.push_back(Query("q" + std::to_string(i), "q" + std::to_string(i)));
  }
  LogsRunStats stats;
  auto results = Client(service)->RunQueries(queries, Control(Millis(600000)), &stats);
  for (const auto& r : results) {
    EXPECT_OK(r);
  }
  EXPECT_EQ(service.max_running, 2);
  EXPECT_GT(stats.throttled, 0);
  EXPECT_EQ(stats.start_query_calls, 6 + stats.throttled);
  EXPECT_LT(stats.start_query_calls, 30);
}

TEST_F(LogsClientTest, DeadlineStopsInFlightAndFailsPendingQueries) {
  FakeLogsService service(clock_);
  service.behaviour["endless"] = {.polls = 1000000};
  LogsInsightsOptions o = Options();
  o.max_concurrent_queries = 2;
  std::vector<LogsQuery> queries;
  for (int i = 0; i < 5; ++i) {
    queries.push_back(Query("q" + std::to_string(i), "endless"));
  }
  LogsRunStats stats;
  auto results = Client(service, o)->RunQueries(queries, Control(Millis(10000)), &stats);
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(results[i], StatusIs(StatusCode::kDeadlineExceeded,
                                     AllOf(HasSubstr("\"q" + std::to_string(i) + "\" (id id-"),
                                           HasSubstr("sent StopQuery"))));
  }
  for (int i = 2; i < 5; ++i) {
    EXPECT_THAT(
        results[i],
        StatusIs(StatusCode::kDeadlineExceeded,
                 AllOf(StartsWith("Logs Insights query \"q" + std::to_string(i) + "\": "),
                       HasSubstr("before it could start"), HasSubstr("2 queries were in flight"))));
  }
  EXPECT_EQ(service.stopped.size(), 2u);
  EXPECT_EQ(service.Running(), 0);
  EXPECT_EQ(stats.start_query_calls, 2);
  EXPECT_EQ(stats.stop_query_calls, 2);
}

TEST_F(LogsClientTest, OneFailingQueryDoesNotFailTheOthers) {
  FakeLogsService service(clock_);
  service.behaviour["bad"] = {.polls = 2, .final_status = "Failed"};
  service.behaviour["good"] = {.polls = 3, .rows = json::array({json::array({Cell("n", "5")})})};
  auto results = Client(service)->RunQueries(
      {Query("a", "good"), Query("b", "bad"), Query("c", "good")}, Control(), nullptr);
  EXPECT_OK(results[0]);
  EXPECT_THAT(results[1], StatusIs(StatusCode::kUnavailable, HasSubstr("status Failed")));
  EXPECT_OK(results[2]);
}

TEST_F(LogsClientTest, StatsAddUpAcrossRuns) {
  FakeLogsService service(clock_);
  LogsRunStats stats;
  auto client = Client(service);
  ASSERT_OK(client->RunQuery(Query("a"), Control(), &stats));
  ASSERT_OK(client->RunQuery(Query("b"), Control(), &stats));
  EXPECT_EQ(stats.start_query_calls, 2);
  EXPECT_EQ(stats.get_query_results_calls, 2);
  EXPECT_EQ(stats.bytes_scanned, 2000);
  EXPECT_EQ(stats.max_in_flight, 1);
}

}  // namespace
}  // namespace statusbridge::aws
