#pragma once

// A Deadline is when a piece of work must give up, on Clock::Monotonic(), together with an
// optional stop request (SIGTERM). One cycle has one Deadline (`once --timeout`, the daemon's
// interval, a Lambda invocation's remaining time), and every read, poll, retry and wait inside
// it asks the same object, so no loop can outlive the cycle: a server that pages for ever or
// keeps asking for retries is cut off at the deadline with a clear DeadlineExceeded.
//
// A default-constructed Deadline never expires and cannot be stopped (tests, tools).
// Copyable and cheap; thread-compatible (the stop function must be thread-safe).

#include <functional>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "core/time.h"

namespace statusbridge {

class Deadline {
 public:
  Deadline() = default;
  explicit Deadline(MonotonicTime at, std::function<bool()> should_stop = nullptr)
      : at_(at), should_stop_(std::move(should_stop)) {}

  // `timeout` from now on `clock` (saturating).
  static Deadline In(const Clock& clock, Millis timeout,
                     std::function<bool()> should_stop = nullptr) {
    return Deadline(SaturatingAdd(clock.Monotonic(), timeout), std::move(should_stop));
  }

  MonotonicTime at() const { return at_; }
  const std::function<bool()>& should_stop() const { return should_stop_; }

  bool StopRequested() const { return should_stop_ && should_stop_(); }
  // The deadline passed, or a stop was requested.
  bool Expired(const Clock& clock) const { return StopRequested() || clock.Monotonic() >= at_; }
  // Time left (zero when expired; saturating for a deadline that never comes).
  Millis Remaining(const Clock& clock) const;

  // A per-request timeout: `timeout`, but no more than the time left, and at least `floor` (a
  // request needs some time to be worth sending; callers check Expired() first).
  Millis Cap(Millis timeout, const Clock& clock, Millis floor = Millis(1000)) const;

  // Sleeps `d` on `clock` (in slices of at most 250 ms when a stop can be requested, so it is seen
  // promptly). Returns false
  // (having slept less) when the deadline would pass first or a stop was requested.
  bool SleepFor(Millis d, Clock& clock) const;

  // DeadlineExceeded naming `what`: "stop requested" or "the cycle's deadline passed".
  Status ExpiredStatus(std::string_view what) const;

 private:
  MonotonicTime at_ = MonotonicTime::max();
  std::function<bool()> should_stop_;
};

}  // namespace statusbridge
