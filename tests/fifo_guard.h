#pragma once

// For tests that hand a FIFO to code that must refuse it: runs the code on another thread, so a
// regression (a blocking open or read, waiting for a writer that never comes) fails the test
// instead of hanging the suite. After `timeout` the FIFO is opened for writing and closed, which
// wakes the reader with EOF, and the test is marked failed.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <string>

namespace statusbridge::testing {

// Creates a FIFO at `path`; fails the test when it cannot.
inline void MakeFifo(const std::string& path) {
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << path << ": " << std::strerror(errno);
}

// Returns fn()'s result; see the file comment.
template <typename Fn>
auto WithoutHangingOn(const std::string& fifo, Fn fn,
                      std::chrono::seconds timeout = std::chrono::seconds(30)) {
  auto future = std::async(std::launch::async, std::move(fn));
  if (future.wait_for(timeout) != std::future_status::ready) {
    ADD_FAILURE() << "blocked for " << timeout.count() << " s on the FIFO " << fifo;
    int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd >= 0) {
      ::close(fd);
    }
  }
  return future.get();
}

}  // namespace statusbridge::testing
