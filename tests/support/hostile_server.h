#pragma once

// HostileServer: a raw HTTP/1.1 server on 127.0.0.1:<ephemeral> that misbehaves on purpose, for
// what cpp-httplib will not produce: an endless chunked body, endless headers, a connection closed
// after the request (also on a kept-alive connection, which tempts libcurl to resend), a reply
// that is not the API's. A handler decides, per request, what happens; every request is logged
// with its arrival time on the steady clock, so tests can check pacing.
//
// Bounded: every loop here ends by itself (an endless body stops after max_stream_bytes or when
// the client goes away), and the destructor stops and joins every thread.
//
// Thread-safe: the handler runs on the connection's thread, one request at a time per connection.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace statusbridge::testing {

class HostileServer {
 public:
  struct Request {
    std::string method;
    std::string target;  // path and query as sent
    std::string head;    // the request line and headers, as sent
    std::string body;
    std::chrono::steady_clock::time_point at;  // when the request head was complete
    int connection = 0;                        // 0-based, in accept order
    int index_on_connection = 0;               // 0 for the first request of a connection
  };

  enum class Action {
    kReply,           // send `raw`, then keep the connection open if keep_alive, else close
    kClose,           // send nothing and close the connection
    kEndlessChunked,  // a 200 with chunked encoding whose chunks never end (up to the cap)
    kEndlessHeaders,  // a 200 status line followed by header lines that never end (up to the cap)
  };

  struct Reply {
    Action action = Action::kReply;
    std::string raw;  // for kReply: the whole response, status line to body
    bool keep_alive = false;
  };

  using Handler = std::function<Reply(const Request&)>;

  // The response bytes for `status` with `body` (Content-Length set), extra `headers` and a
  // Connection header matching `keep_alive`.
  static std::string Response(int status, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers = {},
                              bool keep_alive = false);
  static Reply Send(int status, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    bool keep_alive = false) {
    return Reply{Action::kReply, Response(status, body, headers, keep_alive), keep_alive};
  }

  explicit HostileServer(Handler handler, size_t max_stream_bytes = size_t{1} << 30);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() const;
  // Bytes written by endless actions so far (to show a client stopped reading early).
  size_t streamed_bytes() const { return streamed_.load(); }

 private:
  void Accept();
  void Serve(int fd, int connection);

  Handler handler_;
  size_t max_stream_bytes_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> streamed_{0};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::vector<std::thread> connections_;
  std::vector<Request> requests_;
};

}  // namespace statusbridge::testing
