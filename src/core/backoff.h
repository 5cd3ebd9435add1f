#pragma once

// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter";
// the same formula as botocore's standard retry mode): the delay before retry number `attempt`
// (0-based) is uniform in [0, min(cap, base * 2^attempt)]. The random source is injected so tests
// are deterministic. Pure apart from the random draw.

#include <functional>

#include "core/time.h"

namespace statusbridge {

// Returns a value uniform in [0, 1).
using UniformRandom = std::function<double()>;

// A UniformRandom backed by a std::mt19937_64 seeded from std::random_device. Thread-safe.
UniformRandom DefaultRandom();

struct BackoffPolicy {
  Millis base{500};
  Millis cap{20000};
};

Millis BackoffDelay(const BackoffPolicy& policy, int attempt, const UniformRandom& random);

}  // namespace statusbridge
