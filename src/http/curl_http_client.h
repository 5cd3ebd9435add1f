#pragma once

// CurlHttpClient: the HttpClient on libcurl, and the only code that calls curl_easy_*.
// Keeps one easy handle per thread for connection reuse (keep-alive), follows no redirects,
// verifies TLS peers, and never logs request headers (they carry credentials).
//
// Thread-safe: each calling thread gets its own curl handle.

#include <memory>

#include "http/http_client.h"

namespace statusbridge::http {

struct CurlOptions {
  Millis connect_timeout{5000};
  std::string user_agent = "statusbridge/" STATUSBRIDGE_VERSION;
};

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlOptions options = {});
  ~CurlHttpClient() override;

  // HttpClient
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  CurlOptions options_;
};

}  // namespace statusbridge::http
