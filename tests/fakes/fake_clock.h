#pragma once

// A Clock under the test's control. SleepFor advances both wall and monotonic time instantly and
// records the requested sleeps, so retry/backoff/pacing code runs without real waiting.
// Thread-safe.

#include <mutex>
#include <vector>

#include "core/clock.h"

namespace statusbridge::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(SystemTime start = FromUnixSeconds(1700000000)) : wall_(start) {}

  // Clock
  using Clock::SleepFor;  // the stop-aware overload: sleeps the whole time unless stopped before
  SystemTime Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::chrono::floor<Seconds>(wall_);
  }
  MonotonicTime Monotonic() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return MonotonicTime(mono_);
  }
  void SleepFor(Millis d) override {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps_.push_back(d);
    AdvanceLocked(d);
  }

  void Advance(Millis d) {
    std::lock_guard<std::mutex> lock(mu_);
    AdvanceLocked(d);
  }
  void SetNow(SystemTime t) {
    std::lock_guard<std::mutex> lock(mu_);
    wall_ = t;
  }
  std::vector<Millis> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  void AdvanceLocked(Millis d) {
    if (d.count() <= 0) return;
    wall_ += d;
    mono_ += d;
  }

  mutable std::mutex mu_;
  std::chrono::time_point<std::chrono::system_clock, Millis> wall_;
  std::chrono::steady_clock::duration mono_{std::chrono::hours(1)};
  std::vector<Millis> sleeps_;
};

}  // namespace statusbridge::testing
