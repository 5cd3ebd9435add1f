// The real statusbridge binary against servers that misbehave on purpose (issue 8's hostile run):
// a HostileServer (tests/support/hostile_server.h) stands in for both CloudWatch and Statuspage,
// answering each request as the test scripts it. Every case asserts the promise it threatens:
// bounded memory and time, nothing lost, the key's rate never exceeded, no secret in any output.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "expected.h"
#include "harness.h"
#include "hostile_server.h"

namespace statusbridge::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Request = HostileServer::Request;
using Reply = HostileServer::Reply;
using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kSecretKey = "hOsTiLeSeCrEtKeY/abcdefghijklmnopqrstuv";
constexpr const char* kSessionToken =
    "IQoJb3JpZ2luX2VjEHOSTILESESSIONTOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQD0123456789";
constexpr const char* kApiKey = "hostile-api-key-0123456789abcdef";
constexpr const char* kMetricId = "hostilemetric1";

// One GetMetricData answer for the query ids in `request`: value 1 for every minute of the
// requested window, Complete, with `next_token` when set.
std::string MetricDataAnswer(const Request& request, const std::string& next_token = "") {
  json body = json::parse(request.body, nullptr, false);
  json results = json::array();
  if (body.is_object() && body.contains("MetricDataQueries")) {
    const int64_t start = body.value("StartTime", int64_t{0});
    const int64_t end = body.value("EndTime", int64_t{0});
    for (const json& q : body["MetricDataQueries"]) {
      json timestamps = json::array();
      json values = json::array();
      for (int64_t t = start; t < end && timestamps.size() < 2000; t += 60) {
        timestamps.push_back(t);
        values.push_back(1.0);
      }
      results.push_back({{"Id", q.value("Id", "")},
                         {"Label", "x"},
                         {"Timestamps", next_token.empty() ? timestamps : json::array()},
                         {"Values", next_token.empty() ? values : json::array()},
                         {"StatusCode", next_token.empty() ? "Complete" : "PartialData"}});
    }
  }
  json page{{"MetricDataResults", results}, {"Messages", json::array()}};
  if (!next_token.empty()) {
    page["NextToken"] = next_token;
  }
  return page.dump();
}

// The bulk endpoint's documented answer for the points in `request`.
std::string BulkAnswer(const Request& request) {
  json body = json::parse(request.body, nullptr, false);
  json out = json::object();
  if (body.is_object() && body.contains("data")) {
    for (const auto& [id, points] : body["data"].items()) {
      out[id] = points;
    }
  }
  return out.dump();
}

bool IsStatuspageData(const Request& r) {
  return r.method == "POST" && r.target.find("/metrics/data") != std::string::npos;
}

int PointsIn(const Request& r) {
  json body = json::parse(r.body, nullptr, false);
  int n = 0;
  if (body.is_object() && body.contains("data")) {
    for (const auto& [id, points] : body["data"].items()) {
      n += static_cast<int>(points.size());
    }
  }
  return n;
}

// One integer `sql` reads from the state file (opened read-only), or -1.
int64_t QueryStateFile(const std::string& state_path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(state_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// Rows in the state file's outbox (points not yet acknowledged).
int64_t OutboxRows(const std::string& state_path) {
  return QueryStateFile(state_path, "SELECT count(*) FROM outbox");
}

// The latest retry time stored in the outbox (epoch seconds), or -1.
int64_t LatestNextAttempt(const std::string& state_path) {
  return QueryStateFile(state_path, "SELECT max(next_attempt_at) FROM outbox");
}

// The `peak_rss_kib=` of the last cycle line, or -1.
int64_t PeakRssKib(const std::string& log) {
  std::smatch m;
  int64_t last = -1;
  std::string rest = log;
  static const std::regex re("peak_rss_kib=([0-9]+)");
  while (std::regex_search(rest, m, re)) {
    last = std::stoll(m[1]);
    rest = m.suffix();
  }
  return last;
}

class HostileTest : public ::testing::Test {
 protected:
  // A config whose CloudWatch and Statuspage are both `server`: one metric, per minute, ten
  // minutes of backfill (ten points).
  std::string Config(const HostileServer& server, const std::string& state,
                     const std::string& statuspage_extra = "") {
    return "statuspage:\n"
           "  page_id: \"hostilepage\"\n"
           "  api_key: \"${STATUSPAGE_API_KEY}\"\n"
           "  base_url: \"" +
           server.Url("/v1") + "\"\n" + statuspage_extra +
           "aws:\n"
           "  region: \"us-east-1\"\n"
           "  endpoint_url: \"" +
           server.Url("") +
           "\"\n"
           "state:\n"
           "  path: \"" +
           state +
           "\"\n"
           "defaults:\n"
           "  period: 60s\n"
           "  delay: 60s\n"
           "  lookback: 5m\n"
           "  backfill: 10m\n"
           "metrics:\n"
           "  - name: requests\n"
           "    statuspage_metric_id: \"" +
           std::string(kMetricId) +
           "\"\n"
           "    cloudwatch: { namespace: AWS/ApplicationELB, metric: RequestCount,\n"
           "                  dimensions: { LoadBalancer: \"app/x/1\" }, stat: Sum }\n";
  }

  EnvVars Env() const {
    return {{"AWS_ACCESS_KEY_ID", "AKIDHOSTILE"},
            {"AWS_SECRET_ACCESS_KEY", kSecretKey},
            {"AWS_SESSION_TOKEN", kSessionToken},
            {"STATUSPAGE_API_KEY", kApiKey},
            {"HOME", "/nonexistent"}};
  }

  ProcessResult Once(const std::string& config, std::vector<std::string> extra = {},
                     Millis harness_timeout = Millis(240000)) {
    dir_.Write("config.yaml", config);
    std::vector<std::string> argv = {StatusbridgeBinary(), "once", "-c", dir_.File("config.yaml")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv, Env(), harness_timeout);
  }

  static void ExpectNoSecret(const std::string& text, const std::string& what) {
    EXPECT_THAT(text, Not(HasSubstr(kSecretKey))) << what;
    EXPECT_THAT(text, Not(HasSubstr(kSessionToken))) << what;
    EXPECT_THAT(text, Not(HasSubstr("HOSTILESESSIONTOKEN"))) << what;  // no prefix left either
    EXPECT_THAT(text, Not(HasSubstr(kApiKey))) << what;
  }

  TempDir dir_;
};

// Defect 3: `once --timeout` bounds reading. A server that pages for ever, slowly, used to keep
// `once --timeout 30s` busy for 150 s.
TEST_F(HostileTest, EndlessNextTokenEndsAtTheCyclesDeadline) {
  std::atomic<int> pages{0};
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return HostileServer::Send(200, MetricDataAnswer(r, "page-" + std::to_string(++pages)));
    }
    return HostileServer::Send(202, BulkAnswer(r));
  });
  const auto start = SteadyClock::now();
  ProcessResult r = Once(Config(server, dir_.File("state.db")), {"--timeout", "8s"});
  const auto took = SteadyClock::now() - start;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("GetMetricData"), HasSubstr("deadline")));
  EXPECT_LT(took, std::chrono::seconds(60)) << "reading ran far past --timeout";
  EXPECT_LT(pages.load(), 200);
}

// A NextToken that comes back again is a loop, not more data.
TEST_F(HostileTest, ARepeatedNextTokenFailsTheMetricClearly) {
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      return HostileServer::Send(200, MetricDataAnswer(r, "same-token"));
    }
    return HostileServer::Send(202, BulkAnswer(r));
  });
  ProcessResult r = Once(Config(server, dir_.File("state.db")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("repeats a NextToken"));
  EXPECT_LE(server.requests().size(), 3u);
}

// Defect 2: an endless body from "Statuspage" is cut at the limit; memory stays small, the points
// stay in the outbox.
TEST_F(HostileTest, AnEndlessBodyIsCutAndThePointsAreKept) {
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      return HostileServer::Send(200, MetricDataAnswer(r));
    }
    return Reply{HostileServer::Action::kEndlessChunked, {}, false};
  });
  const std::string state = dir_.File("state.db");
  ProcessResult r = Once(Config(server, state), {"--timeout", "10s"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exceeds this request's limit"));
  const int64_t rss = PeakRssKib(r.err);
  ASSERT_GT(rss, 0) << r.err;
  EXPECT_LT(rss, 400 * 1024) << "peak RSS " << rss << " KiB";
  EXPECT_GT(OutboxRows(state), 0);
}

// Defect 1: a Retry-After of centuries neither spins nor silences the page: the key pauses for at
// most ten minutes, and that is what the state file remembers.
TEST_F(HostileTest, AnAbsurdRetryAfterIsCappedAndNeverSpins) {
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      return HostileServer::Send(200, MetricDataAnswer(r));
    }
    return HostileServer::Send(429, R"({"error":"slow down"})",
                               {{"Retry-After", "9223372036854775"}});
  });
  const std::string state = dir_.File("state.db");
  const int64_t before = NowSeconds();
  const auto start = SteadyClock::now();
  ProcessResult r = Once(Config(server, state), {"--timeout", "5s"});
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Retry-After 600s"));
  EXPECT_GT(OutboxRows(state), 0);
  const int64_t next = LatestNextAttempt(state);
  EXPECT_GT(next, before);
  EXPECT_LE(next, NowSeconds() + 600 + 5);
  // A second start neither spins nor sends before the pause is over.
  const size_t posts = server.requests().size();
  const auto again = SteadyClock::now();
  r = Once(Config(server, state), {"--timeout", "3s"});
  EXPECT_LT(SteadyClock::now() - again, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 1);
  size_t data_posts = 0;
  for (size_t i = posts; i < server.requests().size(); ++i) {
    data_posts += IsStatuspageData(server.requests()[i]) ? 1 : 0;
  }
  EXPECT_EQ(data_posts, 0u);
}

// Defect 13: an HTML 200 (a captive portal) is not Statuspage saying yes.
TEST_F(HostileTest, AnHtml200KeepsThePointsUntilStatuspageReallyAnswers) {
  std::atomic<bool> portal{true};
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      return HostileServer::Send(200, MetricDataAnswer(r));
    }
    if (portal) {
      return HostileServer::Send(200, "<html><body>Please log in to the hotel wifi</body></html>",
                                 {{"Content-Type", "text/html"}});
    }
    return HostileServer::Send(202, BulkAnswer(r));
  });
  const std::string state = dir_.File("state.db");
  ProcessResult r = Once(Config(server, state), {"--timeout", "5s"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not its answer"));
  const int64_t kept = OutboxRows(state);
  EXPECT_GE(kept, 8);

  portal = false;
  // The retry time of the kept points is a few seconds ahead; --timeout leaves room to wait.
  r = Once(Config(server, state), {"--timeout", "90s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(OutboxRows(state), 0);
}

// Defect 7: connections dropped under a request (kept-alive, then closed without an answer) must
// not make libcurl resend behind the limiter: successive requests stay >= 1 s apart.
TEST_F(HostileTest, DroppedConnectionsNeverPushTheKeyPastOneRequestPerSecond) {
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      return HostileServer::Send(200, MetricDataAnswer(r));
    }
    if (r.index_on_connection == 0) {
      return HostileServer::Send(202, BulkAnswer(r), {}, /*keep_alive=*/true);
    }
    return Reply{HostileServer::Action::kClose, {}, false};
  });
  const std::string state = dir_.File("state.db");
  ProcessResult r =
      Once(Config(server, state, "  max_points_per_request: 1\n"), {"--timeout", "120s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(OutboxRows(state), 0);
  std::vector<SteadyClock::time_point> times;
  int points = 0;
  int dropped = 0;
  for (const Request& q : server.requests()) {
    if (IsStatuspageData(q)) {
      times.push_back(q.at);
      points += PointsIn(q);
      dropped += q.index_on_connection > 0 ? 1 : 0;
    }
  }
  EXPECT_GE(dropped, 3) << "the scenario did not drop connections";
  ASSERT_GE(times.size(), 10u);
  for (size_t i = 1; i < times.size(); ++i) {
    // The bucket refills on the client's clock; allow a little for scheduling on a busy host.
    EXPECT_GE(times[i] - times[i - 1], std::chrono::milliseconds(950)) << "request " << i;
  }
}

// Defect 4: no secret in any output. The server echoes what it was sent, as AWS does on
// SignatureDoesNotMatch (the canonical request, session token included) and as a proxy might on
// 401 (the Authorization header). Every command, at trace level, success and failure.
TEST_F(HostileTest, NoSecretInAnyOutputOfAnyCommand) {
  std::atomic<bool> fail{true};
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      if (fail) {
        json error{{"__type", "com.amazon.coral.service#SignatureDoesNotMatch"},
                   {"message",
                    "The request signature we calculated does not match. The Canonical String "
                    "for this request should have been\n'" +
                        r.head + "'"}};
        return HostileServer::Send(403, error.dump(),
                                   {{"x-amzn-query-error", "SignatureDoesNotMatch;Sender"}});
      }
      return HostileServer::Send(200, MetricDataAnswer(r));
    }
    if (fail) {
      return HostileServer::Send(401, json{{"message", "bad key: " + r.head}}.dump());
    }
    return HostileServer::Send(202, BulkAnswer(r));
  });
  const std::string state = dir_.File("state.db");
  dir_.Write("config.yaml", Config(server, state));
  const std::string config = dir_.File("config.yaml");
  const std::string bin = StatusbridgeBinary();
  const std::vector<std::vector<std::string>> commands = {
      {bin, "--log-level", "trace", "check-config", "-c", config},
      {bin, "--log-level", "trace", "iam-policy", "-c", config},
      {bin, "--log-level", "trace", "once", "-c", config, "--dry-run"},
      {bin, "--log-level", "trace", "once", "-c", config, "--timeout", "5s"},
  };
  for (bool failing : {true, false}) {
    fail = failing;
    for (const auto& argv : commands) {
      ProcessResult r = RunProcess(argv, Env(), Millis(120000));
      const std::string what = argv[4] + (failing ? " (server failing)" : " (server fine)");
      ExpectNoSecret(r.out, what + " stdout");
      ExpectNoSecret(r.err, what + " stderr");
      if (failing && argv[4] == "once") {
        // The failure itself is visible, the secret is not.
        EXPECT_THAT(r.err, HasSubstr("SignatureDoesNotMatch")) << what;
      }
    }
    // The daemon, stopped after a cycle.
    BackgroundProcess daemon({bin, "--log-level", "trace", "run", "-c", config}, Env(),
                             dir_.File("run.out"), dir_.File("run.err"));
    for (int i = 0; i < 600 && server.requests().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    daemon.Stop(SIGTERM, Millis(30000));
    std::ifstream out(dir_.File("run.out")), err(dir_.File("run.err"));
    std::stringstream o, e;
    o << out.rdbuf();
    e << err.rdbuf();
    ExpectNoSecret(o.str(), "run stdout");
    ExpectNoSecret(e.str(), "run stderr");
  }
  // The state file holds points and watermarks, never a credential.
  std::ifstream db(state, std::ios::binary);
  std::stringstream bytes;
  bytes << db.rdbuf();
  ExpectNoSecret(bytes.str(), "state file");
}

// Defect 12: `once` stopped by SIGTERM in the middle of a request finishes it, says what was
// kept, and exits 128 + 15.
TEST_F(HostileTest, OnceStoppedBySigtermSaysWhatWasKept) {
  std::atomic<int> posts{0};
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      return HostileServer::Send(200, MetricDataAnswer(r));
    }
    ++posts;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return HostileServer::Send(503, R"({"message":"try later"})");
  });
  const std::string state = dir_.File("state.db");
  dir_.Write("config.yaml", Config(server, state));
  BackgroundProcess once(
      {StatusbridgeBinary(), "once", "-c", dir_.File("config.yaml"), "--timeout", "120s"}, Env(),
      dir_.File("once.out"), dir_.File("once.err"));
  for (int i = 0; i < 1200 && posts.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(posts.load(), 0) << "no request reached the server";
  const int code = once.Stop(SIGTERM, Millis(60000));
  EXPECT_EQ(code, 128 + SIGTERM);
  std::ifstream err(dir_.File("once.err"));
  std::stringstream e;
  e << err.rdbuf();
  EXPECT_THAT(e.str(), HasSubstr("points kept in " + state));
  EXPECT_GT(OutboxRows(state), 0);
}

// Defect 6: a file size limit reached by the state file is an error message, not a silent death
// by SIGXFSZ.
TEST_F(HostileTest, AFileSizeLimitIsAClearErrorNotASilentKill) {
  HostileServer server([&](const Request& r) {
    if (r.target == "/") {
      return HostileServer::Send(200, MetricDataAnswer(r));
    }
    return HostileServer::Send(202, BulkAnswer(r));
  });
  struct stat st {};
  if (::stat("/usr/bin/prlimit", &st) != 0) {
    FAIL() << "/usr/bin/prlimit (util-linux) is needed to set RLIMIT_FSIZE for the child";
  }
  dir_.Write("config.yaml", Config(server, dir_.File("state.db")));
  ProcessResult r = RunProcess({"/usr/bin/prlimit", "--fsize=4096", StatusbridgeBinary(), "once",
                                "-c", dir_.File("config.yaml"), "--timeout", "20s"},
                               Env(), Millis(120000));
  EXPECT_NE(r.exit_code, -1) << "killed by a signal; stderr: " << r.err;
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, AllOf(HasSubstr("state.db"), HasSubstr("File too large")));
}

// Defect 8: a FIFO as the config file is refused at once instead of blocking for ever.
TEST_F(HostileTest, AFifoAsTheConfigIsRefusedNotAHang) {
  const std::string fifo = dir_.File("config.yaml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto start = SteadyClock::now();
  ProcessResult r =
      RunProcess({StatusbridgeBinary(), "check-config", "-c", fifo}, Env(), Millis(60000));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not a regular file"));
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(30));
}

}  // namespace
}  // namespace statusbridge::testing
