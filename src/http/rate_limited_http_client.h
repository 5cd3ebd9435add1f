#pragma once

// RateLimitedHttpClient forwards each request to `inner` once `bucket` grants a token, waiting on
// `clock` otherwise (aesthetics.md C5: policies are decorators). It sits in front of Statuspage,
// which allows one request per second per API key, so every request to it (metric data, metric
// listings) is paced by the same bucket. Callers that must stay responsive (a daemon being
// stopped) wait for TokenBucket::TimeUntilAvailable() themselves before calling Send, so the wait
// here is then zero.
//
// Thread-safe if `inner` is.

#include <algorithm>

#include "core/clock.h"
#include "core/token_bucket.h"
#include "http/http_client.h"

namespace statusbridge::http {

class RateLimitedHttpClient : public HttpClient {
 public:
  RateLimitedHttpClient(HttpClient& inner, TokenBucket& bucket, Clock& clock)
      : inner_(inner), bucket_(bucket), clock_(clock) {}

  // HttpClient
  Result<HttpResponse> Send(const HttpRequest& request) override {
    while (!bucket_.TryAcquire()) {
      clock_.SleepFor(std::clamp(bucket_.TimeUntilAvailable(), Millis(1), Millis(250)));
    }
    return inner_.Send(request);
  }

 private:
  HttpClient& inner_;
  TokenBucket& bucket_;
  Clock& clock_;
};

}  // namespace statusbridge::http
