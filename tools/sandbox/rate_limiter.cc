#include "rate_limiter.h"

#include <algorithm>

namespace statusbridge::sandbox {

RollingWindowLimiter::RollingWindowLimiter(const Clock& clock, int limit, Millis window)
    : clock_(clock), limit_(limit), window_(window) {}

RateDecision RollingWindowLimiter::Acquire(const std::string& key) {
  if (limit_ <= 0) {
    return {};
  }
  const MonotonicTime now = clock_.Monotonic();
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<MonotonicTime>& times = accepted_[key];
  while (!times.empty() && times.front() + window_ <= now) {
    times.pop_front();
  }
  if (times.size() < static_cast<size_t>(limit_)) {
    times.push_back(now);
    return {};
  }
  auto wait = std::chrono::ceil<Seconds>(times.front() + window_ - now);
  return RateDecision{false, std::max(wait, Seconds(1))};
}

void RollingWindowLimiter::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  accepted_.clear();
}

}  // namespace statusbridge::sandbox
