#pragma once

// Replays scripted responses in order and records every request it was sent. When the script
// runs out it answers with `fallback` (by default a transport error), so a test that makes more
// requests than it expected fails visibly. Thread-safe.

#include <deque>
#include <mutex>
#include <vector>

#include "http/http_client.h"

namespace statusbridge::testing {

class FakeHttpClient : public http::HttpClient {
 public:
  void AddResponse(Result<http::HttpResponse> response) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(response));
  }
  void AddResponse(int status, std::string body, http::Headers headers = {}) {
    http::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    AddResponse(Result<http::HttpResponse>(std::move(r)));
  }
  std::vector<http::HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  // HttpClient
  Result<http::HttpResponse> Send(const http::HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (script_.empty()) return Status::Unavailable("FakeHttpClient: no scripted response left");
    Result<http::HttpResponse> r = std::move(script_.front());
    script_.pop_front();
    return r;
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result<http::HttpResponse>> script_;
  std::vector<http::HttpRequest> requests_;
};

}  // namespace statusbridge::testing
