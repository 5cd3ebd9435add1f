// The control API, the request log and the statusbridge-sandbox binary itself.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "request_log.h"
#include "sandbox_fixture.h"
#include "traffic.h"

namespace statusbridge::sandbox {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ControlTest : public SandboxTest {};

TEST_F(ControlTest, HealthDescribesTheSandbox) {
  json health = GetJson("/_sandbox/health");
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["page_id"], "sandboxpage");
  EXPECT_EQ(health["region"], "us-east-1");
  EXPECT_EQ(health["seed"], 1);
  EXPECT_EQ(health["traffic_shape"], "daily");
}

TEST_F(ControlTest, TheFlatTrafficShapeIsServedByCloudWatchAndLogs) {
  SandboxOptions options = QuietOptions();
  options.traffic_shape = TrafficShape::kFlat;
  options.logs_query_latency = Millis(0);
  StartSandbox(options);
  EXPECT_EQ(GetJson("/_sandbox/health")["traffic_shape"], "flat");
  const int64_t start = kNow - 600;
  http::HttpResponse response = GetMetricData(
      {{"MetricDataQueries", json::array({StatQuery("m", DemoMetric("RequestCount"), 60, "Sum")})},
       {"StartTime", start},
       {"EndTime", kNow},
       {"ScanBy", "TimestampAscending"}});
  ASSERT_EQ(response.status, 200) << response.body;
  json result = json::parse(response.body)["MetricDataResults"][0];
  std::vector<Datapoint> expected =
      GeneratedSeries(1, kRequestCount, Statistic::kSum, start, kNow, 60, TrafficShape::kFlat);
  ASSERT_EQ(result["Values"].size(), expected.size());
  double requests = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(result["Timestamps"][i], expected[i].timestamp);
    EXPECT_EQ(result["Values"][i], expected[i].value);
    requests += expected[i].value;
  }
  // The demo log group has one event per request.
  http::HttpResponse started = Logs("StartQuery", {{"logGroupName", "/ecs/demo-api"},
                                                   {"startTime", start},
                                                   {"endTime", kNow - 1},
                                                   {"queryString", "stats count(*) as n"}});
  ASSERT_EQ(started.status, 200) << started.body;
  ASSERT_TRUE(server().WaitForLogsScans(Millis(120000)));
  http::HttpResponse results =
      Logs("GetQueryResults", {{"queryId", json::parse(started.body)["queryId"]}});
  json rows = json::parse(results.body)["results"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::stod(rows[0][0]["value"].get<std::string>()), requests);
}

TEST_F(ControlTest, TheRequestLogRecordsApiRequestsOnly) {
  const int64_t before = WallMillis();
  ASSERT_EQ(
      PostJson(DataPath(), {{"data",
                             {{"a", json::array({{{"timestamp", kNow}, {"value", 1}},
                                                 {{"timestamp", kNow - 60}, {"value", 2}}})}}}})
          ->status,
      202);
  ASSERT_EQ(GetMetricData({{"MetricDataQueries",
                            json::array({StatQuery("q", DemoMetric("RequestCount"), 60, "Sum")})},
                           {"StartTime", kNow - 120},
                           {"EndTime", kNow}})
                .status,
            200);
  GetJson("/_sandbox/stats");
  EXPECT_EQ(client().Get("/nowhere")->status, 404);

  json log = GetJson("/_sandbox/requests");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["api"], "statuspage");
  EXPECT_EQ(log[0]["method"], "POST");
  EXPECT_EQ(log[0]["path"], "/v1/pages/sandboxpage/metrics/data");
  EXPECT_EQ(log[0]["status"], 202);
  EXPECT_EQ(log[0]["points"], 2);
  EXPECT_TRUE(log[0]["queries"].is_null());
  EXPECT_GE(log[0]["t_ms"].get<int64_t>(), before);
  EXPECT_LE(log[0]["t_ms"].get<int64_t>(), WallMillis());
  EXPECT_EQ(log[1]["api"], "cloudwatch");
  EXPECT_EQ(log[1]["queries"], 1);
  EXPECT_EQ(log[2]["api"], "other");
  EXPECT_EQ(log[2]["status"], 404);
  EXPECT_EQ(GetJson("/_sandbox/requests?api=statuspage").size(), 1u);
}

TEST_F(ControlTest, ResetClearsStateButNotTheGenerator) {
  ASSERT_EQ(
      PostJson(DataPath(), {{"data", {{"a", json::array({{{"timestamp", kNow}, {"value", 1}}})}}}})
          ->status,
      202);
  json put = {{"namespace", "Custom/X"}, {"metric", "M"}, {"timestamp", kNow - 120}, {"value", 4}};
  ASSERT_EQ(client().Post("/_sandbox/cloudwatch/data", put.dump(), "application/json")->status,
            200);
  ASSERT_EQ(client()
                .Post("/_sandbox/faults", R"({"api":"statuspage","status":500,"count":3})",
                      "application/json")
                ->status,
            200);
  ASSERT_EQ(client().Post("/_sandbox/reset", "", "application/json")->status, 200);

  EXPECT_EQ(GetJson("/_sandbox/points"), json::object());
  EXPECT_EQ(GetJson("/_sandbox/requests"), json::array());
  const json stats = GetJson("/_sandbox/stats");
  for (const auto& [name, value] : stats.items()) {
    EXPECT_EQ(value, 0) << name;
  }
  EXPECT_EQ(GetJson("/_sandbox/faults")["statuspage"].size(), 0u);
  json custom = {
      {"MetricDataQueries",
       json::array({StatQuery("c", {{"Namespace", "Custom/X"}, {"MetricName", "M"}}, 60, "Sum")})},
      {"StartTime", kNow - 600},
      {"EndTime", kNow}};
  EXPECT_EQ(json::parse(GetMetricData(custom).body)["MetricDataResults"][0]["Values"].size(), 0u);
  json demo = {
      {"MetricDataQueries", json::array({StatQuery("d", DemoMetric("RequestCount"), 60, "Sum")})},
      {"StartTime", kNow - 600},
      {"EndTime", kNow}};
  EXPECT_EQ(json::parse(GetMetricData(demo).body)["MetricDataResults"][0]["Values"].size(), 10u);
}

TEST_F(ControlTest, BadControlInputIs400AndUnknownEndpoints404) {
  for (
      const char* body :
      {R"({"namespace":"N","metric":"M","timestamp":60})",
       R"({"namespace":"N","metric":"M","timestamp":60,"value":"x"})",
       R"({"namespace":"N","timestamp":60,"value":1})",
       R"({"namespace":"N","metric":"M","timestamp":60,"value":1,"mode":"replace"})",
       R"({"namespace":"N","metric":"M","timestamp":60,"stats":{"SampleCount":0,"Sum":1,"Minimum":1,"Maximum":1}})",
       R"([{"namespace":"N","metric":"M","timestamp":60,"value":1},{"metric":"M"}])", "nope"}) {
    httplib::Result r = client().Post("/_sandbox/cloudwatch/data", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body;
  }
  EXPECT_EQ(
      client().Post("/_sandbox/statuspage/metrics", R"({"ids":[1]})", "application/json")->status,
      400);
  EXPECT_EQ(client().Get("/_sandbox/nothing")->status, 404);
  EXPECT_EQ(client().Delete("/_sandbox/stats")->status, 405);
}

TEST(RequestLogTest, LinesNameTheRequestAndNeverTheKey) {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("sandbox-log-" + std::to_string(getpid()));
  std::filesystem::remove(path);
  {
    statusbridge::testing::FakeClock clock(FromUnixSeconds(kNow));
    SandboxOptions options = QuietOptions();
    options.log_path = path.string();
    options.api_key = "top-secret-key";
    SandboxServer server(options, clock);
    ASSERT_OK(server.Start());
    httplib::Client client("127.0.0.1", server.port());
    client.Get("/v1/pages/sandboxpage/metrics?api_key=top-secret-key");
    client.Get("/v1/pages/sandboxpage/metrics", {{"Authorization", "OAuth top-secret-key"}});
  }
  std::string log = ReadFile(path);
  std::filesystem::remove(path);
  EXPECT_THAT(log, HasSubstr(" statuspage GET /v1/pages/sandboxpage/metrics target=- status=200 "
                             "points=- queries=-\n"));
  EXPECT_THAT(log, Not(HasSubstr("top-secret-key")));
  EXPECT_THAT(log, Not(HasSubstr("api_key")));

  RequestRecord record;
  record.t_ms = 1700000000123;
  record.api = "cloudwatch";
  record.method = "POST";
  record.path = "/";
  record.target = "GraniteServiceVersion20100801.GetMetricData";
  record.status = 200;
  record.queries = 3;
  EXPECT_EQ(RequestLog::FormatLine(record),
            "2023-11-14T22:13:20.123Z cloudwatch POST / "
            "target=GraniteServiceVersion20100801.GetMetricData status=200 points=- queries=3");
}

TEST(SandboxBinaryTest, WritesThePortFileServesAndStopsCleanlyOnSigterm) {
  const std::filesystem::path binary =
      std::filesystem::path(SB_BINARY_DIR) / "tools/sandbox/statusbridge-sandbox";
  if (!std::filesystem::exists(binary)) {
    GTEST_SKIP() << "build the statusbridge-sandbox target first: " << binary;
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sandbox-bin-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path port_file = dir / "port";
  const std::filesystem::path out_file = dir / "stdout";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    execl(binary.c_str(), binary.c_str(), "--port-file", port_file.c_str(), "--quiet",
          "--traffic-shape", "flat", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Up to a minute: an ASan binary on a busy machine.
  for (int i = 0; i < 3000 && !std::filesystem::exists(port_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(std::filesystem::exists(port_file));
  int port = std::stoi(ReadFile(port_file));
  httplib::Client client("127.0.0.1", port);
  httplib::Result health = client.Get("/_sandbox/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["traffic_shape"], "flat");
  // The line is printed right after the port file is written; give it a moment.
  for (int i = 0; i < 500 && ReadFile(out_file).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ReadFile(out_file),
            "statusbridge-sandbox listening on http://127.0.0.1:" + std::to_string(port) + "\n");

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace statusbridge::sandbox
