#include "core/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace statusbridge {

TokenBucket::TokenBucket(const Clock& clock, double rate_per_second, double burst)
    : clock_(clock),
      rate_(rate_per_second),
      burst_(burst),
      tokens_(burst),
      last_(clock.Monotonic()),
      paused_until_(last_) {}

void TokenBucket::RefillLocked(MonotonicTime now) const {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::TryAcquire() {
  std::lock_guard<std::mutex> lock(mu_);
  MonotonicTime now = clock_.Monotonic();
  if (now < paused_until_) return false;
  RefillLocked(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

Millis TokenBucket::TimeUntilAvailable() const {
  std::lock_guard<std::mutex> lock(mu_);
  MonotonicTime now = clock_.Monotonic();
  RefillLocked(now);
  Millis pause{0};
  if (now < paused_until_) {
    pause = std::chrono::ceil<Millis>(paused_until_ - now);
  }
  double missing = std::max(0.0, 1.0 - tokens_);
  Millis refill(static_cast<int64_t>(std::ceil(missing / rate_ * 1000.0)));
  return std::max(pause, refill);
}

void TokenBucket::PauseFor(Millis d) {
  std::lock_guard<std::mutex> lock(mu_);
  MonotonicTime now = clock_.Monotonic();
  RefillLocked(now);
  tokens_ = 0;
  paused_until_ = std::max(paused_until_, SaturatingAdd(now, d));
  last_ = std::max(last_, paused_until_);
}

}  // namespace statusbridge
