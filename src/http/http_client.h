#pragma once

// HttpClient is the one transport every outbound API call goes through (AWS, Statuspage, IMDS,
// the Lambda runtime API). The real one is CurlHttpClient; tests use tests/fakes/fake_http_client.h
// or a real loopback server.
//
// Contract: Send() performs exactly one HTTP exchange and sends exactly the headers given (plus
// Host, User-Agent, Content-Length and a default Accept). A URL that ParseUrl rejects, or a header
// name or value that could break the request (CR, LF, NUL), is InvalidArgument and nothing is
// sent. Transport failures (DNS, connect, TLS, timeout, connection dropped) are a non-OK Status
// (Unavailable, or DeadlineExceeded for a timeout) naming the method and URL; so is a response
// past its size limits (ResourceExhausted: request.max_response_bytes of body, or
// kMaxResponseHeaderBytes of headers). Any other HTTP response, 5xx included, is an OK Result:
// what the status code means is the caller's business.
//
// Exactly one exchange means exactly one attempt on the wire: an implementation never resends a
// request by itself (not even on a reused connection the server had closed), so a rate limiter in
// front of it (rate_limited_http_client.h) sees every request that reaches the server.
// Implementations are thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace statusbridge::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of the first header named `name`; empty if absent.
std::string_view FindHeader(const Headers& headers, std::string_view name);

// Whether a header named `name` (case-insensitive) is present, even with an empty value.
bool HasHeader(const Headers& headers, std::string_view name);

// The largest response body a request accepts unless it says otherwise: far above what any
// answer we read needs (a page of 100 Statuspage metrics, STS, instance metadata), far below
// what would hurt a small host. APIs with larger legal answers set their own limit.
inline constexpr size_t kDefaultMaxResponseBytes = 8u << 20;  // 8 MiB
// The most header bytes (all lines together) accepted in one response.
inline constexpr size_t kMaxResponseHeaderBytes = 256u << 10;  // 256 KiB

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
  Millis timeout{30000};  // whole exchange; 0 means no timeout (Lambda's /next)
  // A response whose body grows past this is abandoned (the connection is closed) and the call
  // fails with ResourceExhausted naming the request and the limit: an endless or huge body from
  // a broken or hostile server must not take the process's memory.
  size_t max_response_bytes = kDefaultMaxResponseBytes;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

// Parts of an absolute URL. Only http and https are accepted.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  int port = 0;        // 0 when the URL has none
  std::string path;    // at least "/"
  std::string query;   // without '?'

  // "host" or "host:port" as the Host header carries it (port omitted when it is the default).
  std::string HostHeader() const;
};
Result<Url> ParseUrl(std::string_view url);

// RFC 3986 percent-encoding of everything except unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string UrlEncode(std::string_view s);

// Decodes %XX escapes (either case); a '%' not followed by two hex digits stays a literal '%'.
// With `plus_is_space` (form bodies, application/x-www-form-urlencoded), '+' decodes to ' '.
std::string UrlDecode(std::string_view s, bool plus_is_space = false);

// Makes a response body fit for an error message: at most `max` bytes (then "..." when something
// was cut), newlines and tabs as spaces, other control characters and bytes that are not
// well-formed UTF-8 as "\xNN", never cutting a UTF-8 sequence in half. The result is valid UTF-8.
std::string Snippet(std::string_view body, size_t max = 300);

}  // namespace statusbridge::http
