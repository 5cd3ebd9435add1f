#pragma once

// A token bucket driven by an injected Clock's monotonic time. Holds at most `burst` tokens and
// refills at `rate_per_second`. Used to pace requests to Statuspage, which allows one request per
// second per API key.
//
// Thread-safe.

#include <mutex>

#include "core/clock.h"

namespace statusbridge {

class TokenBucket {
 public:
  // REQUIRES: rate_per_second > 0, burst >= 1. Starts full.
  TokenBucket(const Clock& clock, double rate_per_second, double burst);

  // Takes a token if one is available now.
  bool TryAcquire();

  // How long until a token will be available (zero if one is available now).
  Millis TimeUntilAvailable() const;

  // Empties the bucket and forbids tokens until `d` from now (e.g. a Retry-After). Any `d` is safe
  // (the end saturates); callers cap server-supplied pauses (statuspage::kMaxRetryAfter).
  void PauseFor(Millis d);

 private:
  void RefillLocked(MonotonicTime now) const;

  const Clock& clock_;
  const double rate_;
  const double burst_;
  mutable std::mutex mu_;
  mutable double tokens_;
  mutable MonotonicTime last_;
  MonotonicTime paused_until_;
};

}  // namespace statusbridge
