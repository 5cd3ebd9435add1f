#pragma once

// Statuspage's rate limit as the sandbox enforces it: at most `limit` accepted requests per key in
// any rolling window of `window` (documented: 1 request/s on a 60 s rolling window, i.e. 60 per
// 60 s). Rejected requests do not use up the window. Time comes from the injected Clock's
// monotonic time, so tests can slide the window with a FakeClock.
//
// Thread-safe.

#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace statusbridge::sandbox {

struct RateDecision {
  bool allowed = true;
  Seconds retry_after{0};  // when rejected: until the oldest request leaves the window, >= 1 s
};

class RollingWindowLimiter {
 public:
  // `limit` <= 0 disables limiting. REQUIRES: window > 0.
  RollingWindowLimiter(const Clock& clock, int limit, Millis window);

  // Counts a request for `key` if the window has room.
  RateDecision Acquire(const std::string& key);

  void Reset();

 private:
  const Clock& clock_;
  const int limit_;
  const Millis window_;
  std::mutex mu_;
  std::map<std::string, std::deque<MonotonicTime>> accepted_;
};

}  // namespace statusbridge::sandbox
