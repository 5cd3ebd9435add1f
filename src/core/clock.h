#pragma once

// Clock is the only way code reads time or sleeps. The real clock is SystemClock; tests use
// tests/fakes/fake_clock.h, whose SleepFor advances fake time instantly, so retry and pacing logic
// runs deterministically without real waiting.
//
// Implementations must be thread-safe.

#include "core/time.h"

namespace statusbridge {

class Clock {
 public:
  virtual ~Clock() = default;

  // Wall time, truncated to whole seconds.
  virtual SystemTime Now() const = 0;

  // Monotonic time for measuring durations.
  virtual MonotonicTime Monotonic() const = 0;

  // Blocks the calling thread for `d` (a fake clock advances instead).
  virtual void SleepFor(Millis d) = 0;
};

// The real clock: std::chrono::system_clock and steady_clock.
class SystemClock : public Clock {
 public:
  // Clock
  SystemTime Now() const override;
  MonotonicTime Monotonic() const override;
  void SleepFor(Millis d) override;
};

}  // namespace statusbridge
