#pragma once

// Clock is the only way code reads time or sleeps. The real clock is SystemClock; tests use
// tests/fakes/fake_clock.h, whose SleepFor advances fake time instantly, so retry and pacing logic
// runs deterministically without real waiting.
//
// Implementations must be thread-safe.

#include "core/stop_token.h"
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

  // The one stop-aware wait: blocks for `d` or until `stop` is requested, whichever comes first,
  // and returns whether a stop was requested. The real clock wakes at once on a stop; this
  // default (used by fakes) sleeps the whole `d` unless the stop came before.
  virtual bool SleepFor(Millis d, const StopToken& stop) {
    if (stop.stop_requested()) {
      return true;
    }
    SleepFor(d);
    return stop.stop_requested();
  }
};

// The real clock: std::chrono::system_clock and steady_clock.
class SystemClock : public Clock {
 public:
  // Clock
  SystemTime Now() const override;
  MonotonicTime Monotonic() const override;
  void SleepFor(Millis d) override;
  bool SleepFor(Millis d, const StopToken& stop) override;
};

}  // namespace statusbridge
