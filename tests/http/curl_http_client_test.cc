// CurlHttpClient against real loopback servers: cpp-httplib for well-behaved HTTP, and a raw
// socket server for connections that misbehave. Every server binds 127.0.0.1 port 0.

#include "http/curl_http_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "status_matchers.h"

namespace statusbridge::http {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// What the httplib handler saw of the last request.
struct Seen {
  std::string method;
  std::string path;
  std::string body;
  std::multimap<std::string, std::string> params;
  httplib::Headers headers;
};

// A cpp-httplib server on 127.0.0.1:<ephemeral> running in its own thread.
class LoopbackServer {
 public:
  LoopbackServer() {
    // One request per connection: otherwise stop() waits out httplib's keep-alive timeout for the
    // connection our per-thread curl handle keeps open.
    server_.set_keep_alive_max_count(1);
  }
  ~LoopbackServer() { Stop(); }

  httplib::Server& server() { return server_; }

  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_TRUE(server_.is_running());
  }

  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Installs a handler for every method on `path` that records the request and answers with
  // `status`, `body` and `headers`.
  void Echo(const std::string& path, int status, std::string body, httplib::Headers headers = {}) {
    auto handler = [this, status, body, headers](const httplib::Request& req,
                                                 httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back({req.method, req.path, req.body, req.params, req.headers});
      }
      res.status = status;
      for (const auto& [k, v] : headers) {
        res.set_header(k, v);
      }
      res.set_content(body, "text/plain");
    };
    server_.Get(path, handler);
    server_.Post(path, handler);
    server_.Put(path, handler);
    server_.Patch(path, handler);
    server_.Delete(path, handler);
  }

  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

// A TCP listener on 127.0.0.1:<ephemeral> that serves one connection with `behaviour`, for
// responses cpp-httplib will not produce (dropped connections, odd headers).
class RawServer {
 public:
  enum class Behaviour {
    kCloseAfterRequest,  // read the request, send nothing, close
    kReplyThenClose,     // read the request, send `reply` verbatim, close
  };

  RawServer(Behaviour behaviour, std::string reply = {})
      : behaviour_(behaviour), reply_(std::move(reply)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 4) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawServer() {
    if (thread_.joinable()) {
      thread_.join();
    }
    ::close(listen_fd_);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // The request head the client sent; waits for the connection to be served.
  std::string TakeRequest() {
    if (thread_.joinable()) {
      thread_.join();
    }
    return request_;
  }

 private:
  void Serve() {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
      return;  // the client never came; the test fails on its own
    }
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      return;
    }
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd c{fd, POLLIN, 0};
      if (::poll(&c, 1, 5000) != 1) {
        break;
      }
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        break;
      }
      request.append(buf, static_cast<size_t>(n));
    }
    request_ = request;
    if (behaviour_ == Behaviour::kReplyThenClose) {
      ::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  Behaviour behaviour_;
  std::string reply_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

// A port on 127.0.0.1 that was bound and released, so nothing listens there.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

HttpRequest Request(std::string method, std::string url, Headers headers = {},
                    std::string body = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.headers = std::move(headers);
  r.body = std::move(body);
  r.timeout = Millis(5000);
  return r;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  CurlHttpClient client_;
};

TEST_F(CurlHttpClientTest, GetRoundTrip) {
  LoopbackServer server;
  server.Echo("/v1/things", 200, "hello", {{"X-Reply", "yes"}, {"Retry-After", "3"}});
  server.Start();

  auto response =
      client_.Send(Request("GET", server.Url("/v1/things?page=2&per_page=100"),
                           {{"Authorization", "OAuth k123"}, {"Accept", "application/json"}}));
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->Header("x-reply"), "yes");
  EXPECT_EQ(response->Header("retry-after"), "3");
  EXPECT_EQ(response->Header("content-type"), "text/plain");

  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/v1/things");
  EXPECT_EQ(seen[0].params.find("page")->second, "2");
  EXPECT_EQ(seen[0].params.find("per_page")->second, "100");
  auto header = [&](const std::string& k) {
    auto it = seen[0].headers.find(k);
    return it == seen[0].headers.end() ? std::string("<absent>") : it->second;
  };
  EXPECT_EQ(header("Authorization"), "OAuth k123");
  EXPECT_EQ(header("Accept"), "application/json");
  EXPECT_EQ(header("User-Agent"), "statusbridge/" STATUSBRIDGE_VERSION);
  EXPECT_EQ(header("Expect"), "<absent>");
  EXPECT_EQ(header("Accept-Encoding"), "<absent>");
}

TEST_F(CurlHttpClientTest, PostRoundTrip) {
  LoopbackServer server;
  server.Echo("/data", 202, R"({"ok":true})");
  server.Start();

  const std::string body = R"({"data":{"m1":[{"timestamp":1700000000,"value":1.5}]}})";
  auto response =
      client_.Send(Request("POST", server.Url("/data"),
                           {{"Content-Type", "application/json"}, {"X-Trace", "t1"}}, body));
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, R"({"ok":true})");

  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].headers.find("Content-Type")->second, "application/json");
  EXPECT_EQ(seen[0].headers.count("Content-Type"), 1u);
  EXPECT_EQ(seen[0].headers.find("Content-Length")->second, std::to_string(body.size()));
  EXPECT_EQ(seen[0].headers.find("X-Trace")->second, "t1");
  EXPECT_EQ(seen[0].headers.count("Expect"), 0u);
}

TEST_F(CurlHttpClientTest, BodyWithoutContentTypeIsNotLabelledAsAForm) {
  LoopbackServer server;
  server.Echo("/data", 200, "");
  server.Start();

  ASSERT_OK(client_.Send(Request("POST", server.Url("/data"), {}, "raw")));
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "raw");
  EXPECT_EQ(seen[0].headers.count("Content-Type"), 0u);
}

TEST_F(CurlHttpClientTest, OtherMethodsCarryTheirBodies) {
  LoopbackServer server;
  server.Echo("/r", 200, "");
  server.Start();

  ASSERT_OK(client_.Send(Request("PUT", server.Url("/r"), {{"Content-Type", "text/plain"}}, "p")));
  ASSERT_OK(
      client_.Send(Request("PATCH", server.Url("/r"), {{"Content-Type", "text/plain"}}, "q")));
  ASSERT_OK(client_.Send(Request("DELETE", server.Url("/r"))));
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].body, "p");
  EXPECT_EQ(seen[1].method, "PATCH");
  EXPECT_EQ(seen[1].body, "q");
  EXPECT_EQ(seen[2].method, "DELETE");
  EXPECT_EQ(seen[2].body, "");
}

TEST_F(CurlHttpClientTest, ServerErrorIsAnOkResult) {
  LoopbackServer server;
  server.Echo("/busy", 503, R"({"message":"try later"})", {{"Retry-After", "7"}});
  server.Start();

  auto response = client_.Send(Request("POST", server.Url("/busy"), {}, "{}"));
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, R"({"message":"try later"})");
  EXPECT_EQ(response->Header("Retry-After"), "7");
}

TEST_F(CurlHttpClientTest, RedirectIsReturnedNotFollowed) {
  LoopbackServer server;
  server.Echo("/old", 302, "", {{"Location", "/new"}});
  server.Echo("/new", 200, "followed");
  server.Start();

  auto response = client_.Send(Request("GET", server.Url("/old")));
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(response->Header("Location"), "/new");
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST_F(CurlHttpClientTest, LargeBodiesRoundTrip) {
  LoopbackServer server;
  std::string big(3 * 1024 * 1024, 'x');
  server.server().Post("/big", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.body + req.body, "application/octet-stream");
  });
  server.Start();

  auto response = client_.Send(Request("POST", server.Url("/big"), {}, big));
  ASSERT_OK(response);
  EXPECT_EQ(response->body.size(), 2 * big.size());
}

TEST_F(CurlHttpClientTest, HandlerSlowerThanTimeoutIsDeadlineExceeded) {
  LoopbackServer server;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  server.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    res.set_content("late", "text/plain");
  });
  server.Start();

  HttpRequest request = Request("GET", server.Url("/slow"));
  request.timeout = Millis(200);
  auto start = std::chrono::steady_clock::now();
  auto response = client_.Send(request);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_THAT(response, StatusIs(StatusCode::kDeadlineExceeded,
                                 AllOf(HasSubstr("GET " + request.url), HasSubstr("200 ms"))));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
}

TEST_F(CurlHttpClientTest, ConnectionRefusedIsUnavailableNamingTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/v1/x";
  auto response = client_.Send(Request("POST", url, {{"Authorization", "OAuth s3cr3t"}}, "{}"));
  EXPECT_THAT(response, StatusIs(StatusCode::kUnavailable, HasSubstr("POST " + url)));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("s3cr3t")));
}

TEST_F(CurlHttpClientTest, ConnectionClosedBeforeAnyResponseIsUnavailable) {
  RawServer server(RawServer::Behaviour::kCloseAfterRequest);
  auto response = client_.Send(Request("GET", server.Url("/drop")));
  EXPECT_THAT(response,
              StatusIs(StatusCode::kUnavailable, HasSubstr("GET " + server.Url("/drop"))));
}

TEST_F(CurlHttpClientTest, ConnectionDroppedMidBodyIsUnavailable) {
  RawServer server(RawServer::Behaviour::kReplyThenClose,
                   "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  auto response = client_.Send(Request("GET", server.Url("/half")));
  EXPECT_THAT(response,
              StatusIs(StatusCode::kUnavailable, HasSubstr("GET " + server.Url("/half"))));
}

TEST_F(CurlHttpClientTest, ResponseHeadersAreParsedAndTrimmed) {
  RawServer server(RawServer::Behaviour::kReplyThenClose,
                   "HTTP/1.1 429 Too Many Requests\r\n"
                   "Retry-After:   60  \r\n"
                   "X-Empty:\r\n"
                   "X-Colon: a:b\r\n"
                   "Content-Length: 2\r\n"
                   "Connection: close\r\n"
                   "\r\n"
                   "{}");
  auto response = client_.Send(Request("GET", server.Url("/h")));
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->Header("retry-after"), "60");
  EXPECT_TRUE(HasHeader(response->headers, "X-Empty"));
  EXPECT_EQ(response->Header("X-Empty"), "");
  EXPECT_EQ(response->Header("X-Colon"), "a:b");
  EXPECT_EQ(response->body, "{}");
}

TEST_F(CurlHttpClientTest, HeaderWithEmptyValueIsSent) {
  // cpp-httplib drops request headers with empty values, so read the raw request instead.
  RawServer server(RawServer::Behaviour::kReplyThenClose,
                   "HTTP/1.1 204 No Content\r\nX-Empty-Reply:\r\nConnection: close\r\n\r\n");
  auto response =
      client_.Send(Request("GET", server.Url("/e"), {{"X-Empty", ""}, {"X-Full", "v"}}));
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 204);
  EXPECT_TRUE(HasHeader(response->headers, "X-Empty-Reply"));
  const std::string request = server.TakeRequest();
  EXPECT_THAT(request, HasSubstr("\r\nX-Empty:\r\n"));
  EXPECT_THAT(request, HasSubstr("\r\nX-Full: v\r\n"));
  EXPECT_THAT(request, Not(HasSubstr("X-Empty;")));
}

TEST_F(CurlHttpClientTest, LineBreakInHeaderValueIsRefusedWithoutSending) {
  LoopbackServer server;
  server.Echo("/x", 200, "");
  server.Start();

  auto response = client_.Send(
      Request("GET", server.Url("/x"), {{"Authorization", "OAuth secretkey\r\nX-Injected: 1"}}));
  EXPECT_THAT(response, StatusIs(StatusCode::kInvalidArgument,
                                 AllOf(HasSubstr("Authorization"), Not(HasSubstr("secretkey")))));
  auto bad_name = client_.Send(Request("GET", server.Url("/x"), {{"X Bad", "v"}}));
  EXPECT_THAT(bad_name, StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid header name")));
  EXPECT_TRUE(server.seen().empty());
}

TEST_F(CurlHttpClientTest, MalformedUrlIsInvalidArgument) {
  EXPECT_THAT(client_.Send(Request("GET", "ftp://127.0.0.1/x")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("ftp://127.0.0.1/x")));
  EXPECT_THAT(client_.Send(Request("GET", "not a url")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a url")));
}

TEST_F(CurlHttpClientTest, HandleIsReusableAfterFailures) {
  LoopbackServer server;
  server.Echo("/ok", 200, "fine");
  server.Start();

  const std::string refused = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/";
  EXPECT_FALSE(client_.Send(Request("GET", refused)).ok());
  auto first = client_.Send(Request("GET", server.Url("/ok")));
  ASSERT_OK(first);
  EXPECT_EQ(first->body, "fine");
  EXPECT_FALSE(client_.Send(Request("GET", refused)).ok());
  auto second = client_.Send(Request("GET", server.Url("/ok")));
  ASSERT_OK(second);
  EXPECT_EQ(second->body, "fine");
}

TEST_F(CurlHttpClientTest, ConcurrentSendsFromManyThreads) {
  LoopbackServer server;
  server.server().Get("/n", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_param_value("i"), "text/plain");
  });
  server.Start();

  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = std::to_string(t * 100 + i);
        auto r = client_.Send(Request("GET", server.Url("/n?i=" + id)));
        if (r.ok() && r->status == 200 && r->body == id) {
          ++good;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(good.load(), kThreads * kPerThread);
}

}  // namespace
}  // namespace statusbridge::http
