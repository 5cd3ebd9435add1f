#include "core/backoff.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <random>

namespace statusbridge {

UniformRandom DefaultRandom() {
  struct State {
    std::mutex mu;
    std::mt19937_64 gen{std::random_device{}()};
    std::uniform_real_distribution<double> dist{0.0, 1.0};
  };
  auto state = std::make_shared<State>();
  return [state] {
    std::lock_guard<std::mutex> lock(state->mu);
    return state->dist(state->gen);
  };
}

Millis BackoffDelay(const BackoffPolicy& policy, int attempt, const UniformRandom& random) {
  attempt = std::clamp(attempt, 0, 30);
  double ceiling = static_cast<double>(policy.base.count()) * static_cast<double>(1LL << attempt);
  ceiling = std::min(ceiling, static_cast<double>(policy.cap.count()));
  double r = std::clamp(random(), 0.0, 1.0);
  return Millis(static_cast<int64_t>(ceiling * r));
}

}  // namespace statusbridge
