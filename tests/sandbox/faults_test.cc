// Fault injection through the control API: injected statuses, delays and dropped connections,
// as clients see them.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "sandbox_fixture.h"

namespace statusbridge::sandbox {
namespace {

using ::testing::HasSubstr;

class FaultsTest : public SandboxTest {
 protected:
  void Queue(const json& spec) {
    httplib::Result r = client().Post("/_sandbox/faults", spec.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }

  int ListStatus() {
    httplib::Result r = client().Get("/v1/pages/sandboxpage/metrics", Auth());
    return r ? r->status : -1;
  }

  json GetMetricDataBody() {
    return {{"MetricDataQueries",
             json::array({StatQuery("m1", DemoMetric("RequestCount"), 60, "Sum")})},
            {"StartTime", kNow - 600},
            {"EndTime", kNow}};
  }
};

TEST_F(FaultsTest, AStatusFaultAnswersTheNextNRequestsThenNormalHandlingResumes) {
  Queue({{"api", "statuspage"}, {"count", 2}, {"status", 503}, {"retry_after", "5"}});
  httplib::Result r = client().Get("/v1/pages/sandboxpage/metrics", Auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->get_header_value("Retry-After"), "5");
  EXPECT_TRUE(json::parse(r->body).contains("message"));
  // Faults come before auth.
  EXPECT_EQ(client().Get("/v1/pages/sandboxpage/metrics")->status, 503);
  EXPECT_EQ(ListStatus(), 200);
  json stats = Stats();
  EXPECT_EQ(stats["faults_injected"], 2);
  EXPECT_EQ(stats["auth_failures"], 0);
  json log = GetJson("/_sandbox/requests");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["fault"], true);
  EXPECT_EQ(log[2]["fault"], false);
}

TEST_F(FaultsTest, FaultsAreConsumedInOrderPerApi) {
  Queue({{"api", "statuspage"}, {"status", 500}});
  Queue({{"api", "cloudwatch"}, {"status", 502}});
  Queue({{"api", "statuspage"}, {"status", 429}, {"body", R"({"error":"slow down"})"}});
  EXPECT_EQ(ListStatus(), 500);
  httplib::Result r = client().Get("/v1/pages/sandboxpage/metrics", Auth());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->body, R"({"error":"slow down"})");
  EXPECT_EQ(ListStatus(), 200);
  EXPECT_EQ(GetMetricData(GetMetricDataBody()).status, 502);
  EXPECT_EQ(GetMetricData(GetMetricDataBody()).status, 200);
}

TEST_F(FaultsTest, CloudWatchFaultsUseTheAwsErrorShape) {
  Queue({{"api", "cloudwatch"}, {"aws_error", "Throttling"}});
  http::HttpResponse response = GetMetricData(GetMetricDataBody());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.Header("x-amzn-query-error"), "Throttling;Sender");
  json body = json::parse(response.body);
  EXPECT_EQ(body["__type"], "com.amazonaws.cloudwatch#Throttling");
  EXPECT_EQ(body["message"], "Rate exceeded");

  Queue({{"api", "cloudwatch"}, {"status", 503}});
  response = GetMetricData(GetMetricDataBody());
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.Header("x-amzn-query-error"), "ServiceUnavailable;Receiver");
  EXPECT_EQ(GetMetricData(GetMetricDataBody()).status, 200);
}

TEST_F(FaultsTest, ADelayOnlyFaultDelaysAndThenHandlesNormally) {
  Queue({{"api", "statuspage"}, {"delay_ms", 300}});
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(ListStatus(), 200);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_LT(elapsed, std::chrono::milliseconds(30000));  // not wildly more; ASan on a busy machine
  EXPECT_EQ(Stats()["faults_injected"], 1);
}

TEST_F(FaultsTest, ADelayedErrorArrivesAfterTheDelay) {
  Queue({{"api", "cloudwatch"}, {"delay_ms", 200}, {"status", 500}});
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(GetMetricData(GetMetricDataBody()).status, 500);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
}

TEST_F(FaultsTest, ADroppedConnectionIsATransportErrorForCurl) {
  Queue({{"api", "statuspage"}, {"drop_connection", true}});
  http::HttpRequest request;
  request.url = server().base_url() + "/v1/pages/sandboxpage/metrics";
  request.headers = {{"Authorization", "OAuth sandbox-key"}};
  Result<http::HttpResponse> response = curl_.Send(request);
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << response.status().ToString();
  // The next request is served again.
  response = curl_.Send(request);
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  json log = GetJson("/_sandbox/requests");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["status"], 0);
}

TEST_F(FaultsTest, ADroppedConnectionSendsNoByteToARawSocket) {
  Queue({{"api", "cloudwatch"}, {"drop_connection", true}});
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server().port()));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string request =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
      "Content-Length: 2\r\n\r\n{}";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  // EOF (0) or a reset (-1 with ECONNRESET): either way, no response bytes.
  EXPECT_LE(n, 0);
  if (n < 0) {
    EXPECT_EQ(errno, ECONNRESET);
  }
  close(fd);
}

TEST_F(FaultsTest, DeleteClearsPendingFaultsAndControlCallsAreNeverFaulted) {
  Queue({{"api", "statuspage"}, {"count", 5}, {"status", 500}});
  EXPECT_EQ(GetJson("/_sandbox/faults")["statuspage"][0]["remaining"], 5);
  EXPECT_EQ(GetJson("/_sandbox/health")["status"], "ok");
  httplib::Result r = client().Delete("/_sandbox/faults");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["cleared"], 5);
  EXPECT_EQ(ListStatus(), 200);
  EXPECT_EQ(Stats()["faults_injected"], 0);
}

TEST_F(FaultsTest, InvalidFaultSpecsAreRejected) {
  for (const char* spec :
       {R"({"count":1})", R"({"api":"metrics"})", R"({"api":"statuspage","count":0})",
        R"({"api":"statuspage","status":42})", R"({"api":"statuspage","delay_ms":-1})",
        R"({"api":"statuspage","drop_connection":"yes"})", "not json"}) {
    httplib::Result r = client().Post("/_sandbox/faults", spec, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << spec;
    EXPECT_TRUE(json::parse(r->body).contains("message"));
  }
  EXPECT_EQ(GetJson("/_sandbox/faults")["statuspage"].size(), 0u);
}

TEST_F(FaultsTest, StoppingTheServerCutsADelayShort) {
  Queue({{"api", "statuspage"}, {"delay_ms", 60000}});
  std::thread request([&] {
    httplib::Client c("127.0.0.1", server().port());
    c.Get("/v1/pages/sandboxpage/metrics", Auth());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto started = std::chrono::steady_clock::now();
  server().Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  request.join();
}

}  // namespace
}  // namespace statusbridge::sandbox
