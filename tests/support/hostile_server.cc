#include "hostile_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>

namespace statusbridge::testing {
namespace {

constexpr int kPollMs = 50;

// Waits until `fd` is readable or the server stops; false on stop, timeout (30 s) or error.
bool WaitReadable(int fd, const std::atomic<bool>& stop) {
  for (int waited = 0; waited < 30000; waited += kPollMs) {
    if (stop.load()) {
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, kPollMs);
    if (rc > 0) {
      return true;
    }
    if (rc < 0) {
      return false;
    }
  }
  return false;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

size_t ContentLength(const std::string& head) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    if (strncasecmp(head.c_str() + pos, "content-length:", 15) == 0) {
      return static_cast<size_t>(std::strtoull(head.c_str() + pos + 15, nullptr, 10));
    }
  }
  return 0;
}

}  // namespace

std::string HostileServer::Response(int status, const std::string& body,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    bool keep_alive) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const auto& [k, v] : headers) {
    r += k + ": " + v + "\r\n";
  }
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  r += "\r\n" + body;
  return r;
}

HostileServer::HostileServer(Handler handler, size_t max_stream_bytes)
    : handler_(std::move(handler)), max_stream_bytes_(max_stream_bytes) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    std::abort();  // a test machine without loopback cannot run these tests
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { Accept(); });
}

HostileServer::~HostileServer() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(connections_);
  }
  for (std::thread& t : threads) {
    t.join();
  }
  ::close(listen_fd_);
}

std::vector<HostileServer::Request> HostileServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void HostileServer::Accept() {
  int connection = 0;
  while (!stop_.load()) {
    if (!WaitReadable(listen_fd_, stop_)) {
      continue;
    }
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    // A client that stops reading must not block a send (and so the destructor) for ever.
    timeval send_timeout{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back([this, fd, c = connection++] { Serve(fd, c); });
  }
}

void HostileServer::Serve(int fd, int connection) {
  std::string buffer;
  char chunk[16384];
  for (int index = 0; !stop_.load(); ++index) {
    // The request head, then a Content-Length body.
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!WaitReadable(fd, stop_)) {
        ::close(fd);
        return;
      }
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    Request request;
    request.at = std::chrono::steady_clock::now();
    request.head = buffer.substr(0, head_end + 2);
    request.connection = connection;
    request.index_on_connection = index;
    const size_t line_end = request.head.find("\r\n");
    const std::string line = request.head.substr(0, line_end);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.find(' ', sp1 + 1);
    request.method = line.substr(0, sp1);
    request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const size_t length = ContentLength(request.head);
    buffer.erase(0, head_end + 4);
    while (buffer.size() < length) {
      if (!WaitReadable(fd, stop_)) {
        ::close(fd);
        return;
      }
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, length);
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    const Reply reply = handler_(request);
    switch (reply.action) {
      case Action::kReply:
        if (!SendAll(fd, reply.raw) || !reply.keep_alive) {
          ::shutdown(fd, SHUT_RDWR);
          ::close(fd);
          return;
        }
        break;
      case Action::kClose:
        ::shutdown(fd, SHUT_RDWR);
        ::close(fd);
        return;
      case Action::kEndlessChunked:
      case Action::kEndlessHeaders: {
        const bool chunked = reply.action == Action::kEndlessChunked;
        std::string start = chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    : "HTTP/1.1 200 OK\r\n";
        std::string piece = chunked ? "4000\r\n" + std::string(0x4000, 'x') + "\r\n"
                                    : "X-Filler: " + std::string(1000, 'y') + "\r\n";
        bool ok = SendAll(fd, start);
        while (ok && !stop_.load() && streamed_.load() < max_stream_bytes_) {
          ok = SendAll(fd, piece);
          streamed_ += piece.size();
        }
        ::shutdown(fd, SHUT_RDWR);
        ::close(fd);
        return;
      }
    }
  }
  ::close(fd);
}

}  // namespace statusbridge::testing
