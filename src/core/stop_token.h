#pragma once

// A StopToken is how a stop request (SIGTERM, SIGINT, a test) reaches loops that wait.
// RequestStop() may be called from any thread; WaitFor() returns early when it is.
// Thread-safe.

#include <condition_variable>
#include <mutex>

#include "core/time.h"

namespace statusbridge {

class StopToken {
 public:
  void RequestStop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
  }

  bool stop_requested() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_;
  }

  // Waits up to `d` (real time); returns true if a stop was requested. Code that waits goes
  // through Clock::SleepFor(d, stop) instead, so that a fake clock can stand in.
  bool WaitFor(Millis d) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, d, [this] { return stop_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace statusbridge
