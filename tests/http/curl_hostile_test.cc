// CurlHttpClient against a server that misbehaves on purpose (tests/support/hostile_server.h):
// bodies and headers that never end, and a kept-alive connection closed under a request, which
// libcurl would silently resend outside the caller's rate limiter.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hostile_server.h"
#include "http/curl_http_client.h"
#include "status_matchers.h"

namespace statusbridge::http {
namespace {

using ::statusbridge::testing::HostileServer;
using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

HttpRequest Get(const std::string& url) {
  HttpRequest r;
  r.url = url;
  r.timeout = Millis(60000);  // wide: the limits, not the timeout, must end these exchanges
  return r;
}

TEST(CurlHostileTest, AnEndlessChunkedBodyIsCutAtTheLimit) {
  HostileServer server([](const HostileServer::Request&) {
    return HostileServer::Reply{HostileServer::Action::kEndlessChunked, {}, false};
  });
  CurlHttpClient client;
  HttpRequest request = Get(server.Url("/endless"));
  request.max_response_bytes = 1 << 20;
  auto response = client.Send(request);
  EXPECT_THAT(response, StatusIs(StatusCode::kResourceExhausted,
                                 AllOf(HasSubstr("GET " + server.Url("/endless")),
                                       HasSubstr("limit of 1048576 bytes"))));
  // The client hung up soon after the limit (the server's own cap is 1 GiB).
  EXPECT_LT(server.streamed_bytes(), size_t{64} << 20);
}

TEST(CurlHostileTest, TheDefaultLimitAppliesWithoutSayingSo) {
  HostileServer server([](const HostileServer::Request&) {
    return HostileServer::Reply{HostileServer::Action::kEndlessChunked, {}, false};
  });
  CurlHttpClient client;
  auto response = client.Send(Get(server.Url("/endless")));
  EXPECT_THAT(response, StatusIs(StatusCode::kResourceExhausted,
                                 HasSubstr(std::to_string(kDefaultMaxResponseBytes))));
}

TEST(CurlHostileTest, ADeclaredLengthOverTheLimitFailsBeforeReading) {
  HostileServer server([](const HostileServer::Request&) {
    HostileServer::Reply r;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\nabc";
    return r;
  });
  CurlHttpClient client;
  HttpRequest request = Get(server.Url("/big"));
  request.max_response_bytes = 1000;
  EXPECT_THAT(client.Send(request), StatusIs(StatusCode::kResourceExhausted, HasSubstr("1000")));
}

TEST(CurlHostileTest, ABodyAtTheLimitIsAccepted) {
  HostileServer server([](const HostileServer::Request&) {
    return HostileServer::Send(200, std::string(1000, 'a'));
  });
  CurlHttpClient client;
  HttpRequest request = Get(server.Url("/exact"));
  request.max_response_bytes = 1000;
  auto response = client.Send(request);
  ASSERT_OK(response.status());
  EXPECT_EQ(response->body.size(), 1000u);
}

TEST(CurlHostileTest, EndlessHeadersAreCut) {
  HostileServer server([](const HostileServer::Request&) {
    return HostileServer::Reply{HostileServer::Action::kEndlessHeaders, {}, false};
  });
  CurlHttpClient client;
  auto response = client.Send(Get(server.Url("/headers")));
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("GET " + server.Url("/headers")));
  EXPECT_LT(server.streamed_bytes(), size_t{64} << 20);
}

// The first request is answered on a kept-alive connection; the second arrives on that reused
// connection and the server closes it without a word. libcurl 7.x resends such a request on a
// fresh connection by itself; that second attempt would reach the server outside any rate
// limiter. The request must reach the server once and fail like a dropped connection.
TEST(CurlHostileTest, ADroppedReusedConnectionIsNotResentBehindTheCallersBack) {
  HostileServer server([](const HostileServer::Request& r) {
    if (r.connection == 0 && r.index_on_connection == 0) {
      return HostileServer::Send(200, "first", {}, /*keep_alive=*/true);
    }
    if (r.connection == 0) {
      return HostileServer::Reply{HostileServer::Action::kClose, {}, false};
    }
    return HostileServer::Send(200, "resent");
  });
  CurlHttpClient client;
  HttpRequest first = Get(server.Url("/one"));
  ASSERT_OK(client.Send(first));
  HttpRequest second = Get(server.Url("/two"));
  second.method = "POST";
  second.body = "{}";
  auto response = client.Send(second);
  EXPECT_THAT(response,
              StatusIs(StatusCode::kUnavailable, HasSubstr("POST " + server.Url("/two"))));
  std::vector<HostileServer::Request> seen = server.requests();
  int twos = 0;
  for (const auto& r : seen) {
    twos += r.target == "/two" ? 1 : 0;
  }
  EXPECT_EQ(twos, 1) << "the request reached the server " << twos << " times";
  // The client works again afterwards, on a new connection.
  auto third = client.Send(Get(server.Url("/three")));
  ASSERT_OK(third.status());
  EXPECT_EQ(third->body, "resent");
}

}  // namespace
}  // namespace statusbridge::http
