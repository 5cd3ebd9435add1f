#pragma once

// A SandboxServer running in-process on 127.0.0.1 port 0 under a FakeClock, plus the clients the
// sandbox tests talk to it with: httplib::Client for Statuspage and the control API, and the
// project's CurlHttpClient with its SigV4 signer for CloudWatch.

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "fakes/fake_clock.h"
#include "http/curl_http_client.h"
#include "sandbox_server.h"
#include "status_matchers.h"

namespace statusbridge::sandbox {

using nlohmann::json;

// 2023-11-14T22:13:20Z: a fixed "now" that is a multiple of 60.
inline constexpr int64_t kNow = 1700000000 - 1700000000 % 60;

inline SandboxOptions QuietOptions() {
  SandboxOptions options;
  options.quiet = true;
  return options;
}

class SandboxTest : public ::testing::Test {
 protected:
  // Starts (or restarts) the server with `options`.
  void StartSandbox(SandboxOptions options = QuietOptions()) {
    server_.reset();
    options_ = options;
    server_ = std::make_unique<SandboxServer>(options, clock_);
    ASSERT_OK(server_->Start());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(30, 0);
  }

  void SetUp() override {
    clock_.SetNow(FromUnixSeconds(kNow));
    StartSandbox();
  }

  httplib::Client& client() { return *client_; }
  SandboxServer& server() { return *server_; }
  statusbridge::testing::FakeClock& clock() { return clock_; }
  const SandboxOptions& options() const { return options_; }

  std::string DataPath() const { return "/v1/pages/" + options_.page_id + "/metrics/data"; }
  httplib::Headers Auth() const { return {{"Authorization", "OAuth " + options_.api_key}}; }

  // POSTs JSON to the Statuspage API with the right key.
  httplib::Result PostJson(const std::string& path, const json& body) {
    return client_->Post(path.c_str(), Auth(), body.dump(), "application/json");
  }

  json GetJson(const std::string& path) {
    httplib::Result r = client_->Get(path.c_str());
    if (!r) {
      ADD_FAILURE() << "GET " << path << " failed";
      return nullptr;
    }
    return json::parse(r->body);
  }

  json Stats() { return GetJson("/_sandbox/stats"); }

  // Sends `body` as a GetMetricData call signed with `secret` (default: the sandbox's) at
  // `signed_at` (default: the fake clock's now).
  http::HttpResponse GetMetricData(const json& body, const std::string& secret = "",
                                   std::optional<SystemTime> signed_at = std::nullopt,
                                   const std::string& access_key_id = "") {
    http::HttpRequest request;
    request.method = "POST";
    request.url = server_->base_url() + "/";
    request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"},
                       {"x-amzn-query-mode", "true"}};
    request.body = body.dump();
    aws::Credentials credentials;
    credentials.access_key_id = access_key_id.empty() ? options_.access_key_id : access_key_id;
    credentials.secret_access_key = Secret(secret.empty() ? options_.secret_access_key : secret);
    credentials.source = "test";
    Status signed_ok = aws::SignRequest(request, credentials, {options_.region, "monitoring"},
                                        signed_at.value_or(clock_.Now()));
    EXPECT_OK(signed_ok);
    Result<http::HttpResponse> response = curl_.Send(request);
    EXPECT_OK(response);
    return response.ok() ? *response : http::HttpResponse{};
  }

  // Sends `body` to CloudWatch Logs' `operation` (StartQuery, GetQueryResults, ...) in the JSON
  // 1.1 protocol, signed for `service` (default: "logs") at the fake clock's now.
  http::HttpResponse Logs(const std::string& operation, const json& body,
                          const std::string& service = "logs") {
    http::HttpRequest request;
    request.method = "POST";
    request.url = server_->base_url() + "/";
    request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "Logs_20140328." + operation}};
    request.body = body.dump();
    aws::Credentials credentials;
    credentials.access_key_id = options_.access_key_id;
    credentials.secret_access_key = Secret(options_.secret_access_key);
    credentials.source = "test";
    EXPECT_OK(aws::SignRequest(request, credentials, {options_.region, service}, clock_.Now()));
    Result<http::HttpResponse> response = curl_.Send(request);
    EXPECT_OK(response);
    return response.ok() ? *response : http::HttpResponse{};
  }

  // Adds events {"timestamp": ms, "message": text} to `group` through the control API.
  void PutLogEvents(const std::string& group, const json& events) {
    json body = {{"log_group", group}, {"events", events}};
    httplib::Result r = client_->Post("/_sandbox/logs/events", body.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }

  statusbridge::testing::FakeClock clock_;
  SandboxOptions options_;
  std::unique_ptr<SandboxServer> server_;
  std::unique_ptr<httplib::Client> client_;
  http::CurlHttpClient curl_;
};

// {"Namespace":..., "MetricName":..., "Dimensions":[demo load balancer]}
inline json DemoMetric(const std::string& name) {
  return {{"Namespace", "AWS/ApplicationELB"},
          {"MetricName", name},
          {"Dimensions",
           json::array({{{"Name", "LoadBalancer"}, {"Value", "app/demo-alb/50dc6c495c0c9188"}}})}};
}

inline json StatQuery(const std::string& id, const json& metric, int period,
                      const std::string& stat) {
  return {{"Id", id}, {"MetricStat", {{"Metric", metric}, {"Period", period}, {"Stat", stat}}}};
}

}  // namespace statusbridge::sandbox
