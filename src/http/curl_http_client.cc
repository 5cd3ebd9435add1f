#include "http/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <limits>
#include <mutex>

namespace statusbridge::http {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyHandle {
  CURL* curl = nullptr;
  EasyHandle() : curl(curl_easy_init()) {}
  ~EasyHandle() {
    if (curl != nullptr) {
      curl_easy_cleanup(curl);
    }
  }
};

// One handle per thread keeps connections alive between requests on that thread.
CURL* ThreadHandle() {
  thread_local EasyHandle handle;
  return handle.curl;
}

// What one Send() collects; the callbacks below fill it.
struct Exchange {
  HttpResponse* response = nullptr;
  size_t max_body = 0;
  size_t header_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  int attempts = 0;  // times curl was about to send the request (see Prereq)
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t bytes = size * n;
  if (bytes > x->max_body - std::min(x->max_body, x->response->body.size())) {
    x->body_too_large = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR and closes the connection
  }
  x->response->body.append(data, bytes);
  return bytes;
}

// libcurl calls this each time it is about to send the request on a connection. A second call in
// one Send() is curl resending on its own (it does so when a reused connection turns out dead
// before any answer); that attempt would bypass the caller's rate limiter, so it is refused and the
// exchange fails like the dropped connection it is. The caller's own retry is paced.
int Prereq(void* user, char*, char*, int, int) {
  auto* x = static_cast<Exchange*>(user);
  ++x->attempts;
  return x->attempts == 1 ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  x->header_bytes += size * n;
  if (x->header_bytes > kMaxResponseHeaderBytes) {
    x->headers_too_large = true;
    return 0;
  }
  Headers* headers = &x->response->headers;
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (e.g. after 100 Continue) starts over
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return size * n;
  }
  std::string_view value = line.substr(colon + 1);
  // Field values lose their optional whitespace on both sides (RFC 9110 §5.5).
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return size * n;
}

// A CR, LF or NUL in a header would let a value (an API key read with its trailing newline, say)
// end the line and inject another header; curl sends such lines as given.
Status CheckHeaders(const HttpRequest& request) {
  for (const auto& [k, v] : request.headers) {
    bool bad_name = k.empty();
    for (unsigned char c : k) {
      if (c <= 0x20 || c == ':' || c == ';' || c == 0x7f) {
        bad_name = true;
      }
    }
    if (bad_name) {
      return Status::InvalidArgument(request.method + " " + request.url +
                                     ": invalid header name \"" + Snippet(k, 64) + "\"");
    }
    for (unsigned char c : v) {
      if (c == '\r' || c == '\n' || c == '\0') {
        // Never the value: it may be a credential.
        return Status::InvalidArgument(request.method + " " + request.url + ": header " + k +
                                       " has a line break or NUL in its value");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlOptions options) : options_(std::move(options)) { GlobalInit(); }
CurlHttpClient::~CurlHttpClient() = default;

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  // Our own URL rules (http or https, no credentials, no spaces) rather than curl's guesses: a
  // bad URL is our input being wrong, not the network.
  SB_RETURN_IF_ERROR(ParseUrl(request.url).status().WithContext(request.method));
  SB_RETURN_IF_ERROR(CheckHeaders(request));
  CURL* curl = ThreadHandle();
  if (curl == nullptr) {
    return Status::Internal("curl_easy_init failed");
  }
  curl_easy_reset(curl);

  HttpResponse response;
  Exchange exchange;
  exchange.response = &response;
  exchange.max_body = request.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, &Prereq);
  curl_easy_setopt(curl, CURLOPT_PREREQDATA, &exchange);
  // A declared Content-Length over the limit fails before any body is read.
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(std::min<size_t>(
                       request.max_response_bytes,
                       static_cast<size_t>(std::numeric_limits<curl_off_t>::max()))));
  // Never let curl add "Expect: 100-continue"; and no implicit Accept-Encoding.
  struct curl_slist* list = curl_slist_append(nullptr, "Expect:");
  for (const auto& [k, v] : request.headers) {
    // "Name;" is curl's syntax for a header with an empty value.
    std::string line = v.empty() ? k + ";" : k + ": " + v;
    list = curl_slist_append(list, line.c_str());
  }
  const bool sends_body = request.method != "GET" && request.method != "HEAD";
  if (sends_body && !HasHeader(request.headers, "Content-Type")) {
    // Otherwise curl labels every POSTFIELDS body application/x-www-form-urlencoded.
    list = curl_slist_append(list, "Content-Type:");
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }

  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  // The handle outlives this call (it is per thread): drop every pointer into this frame before
  // the header list, the error buffer and the response go away. Connections stay cached.
  curl_easy_reset(curl);
  curl_slist_free_all(list);

  // Keep URL (no credentials: we never put secrets in URLs) but nothing else of the request.
  const std::string what = request.method + " " + request.url;
  // The error buffer names host, port and errno ("Failed to connect to 127.0.0.1 port 9: ...");
  // it never holds request headers.
  const std::string detail =
      error_buffer[0] != '\0' ? Snippet(error_buffer) : std::string(curl_easy_strerror(rc));
  if (exchange.body_too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return Status::ResourceExhausted(what + ": the response body exceeds this request's limit of " +
                                     std::to_string(request.max_response_bytes) +
                                     " bytes; abandoned");
  }
  if (exchange.headers_too_large) {
    return Status::ResourceExhausted(what + ": the response headers exceed " +
                                     std::to_string(kMaxResponseHeaderBytes) + " bytes; abandoned");
  }
  if (exchange.attempts > 1) {
    return Status::Unavailable(what +
                               ": the connection was closed before an answer (not resent: "
                               "the caller retries at its own pace)");
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status::DeadlineExceeded(
        what + ": timed out (request timeout " + std::to_string(request.timeout.count()) +
        " ms, connect timeout " + std::to_string(options_.connect_timeout.count()) +
        " ms): " + detail);
  }
  if (rc != CURLE_OK) {
    return Status::Unavailable(what + ": " + detail);
  }
  response.status = static_cast<int>(code);
  return response;
}

}  // namespace statusbridge::http
