#include "http/curl_http_client.h"

#include <curl/curl.h>

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
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

// One handle per thread keeps connections alive between requests on that thread.
CURL* ThreadHandle() {
  thread_local EasyHandle handle;
  return handle.curl;
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (e.g. after 100 Continue) starts over
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return size * n;
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlOptions options) : options_(std::move(options)) { GlobalInit(); }
CurlHttpClient::~CurlHttpClient() = default;

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  CURL* curl = ThreadHandle();
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(curl);

  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  // Never let curl add "Expect: 100-continue"; and no implicit Accept-Encoding.
  struct curl_slist* list = curl_slist_append(nullptr, "Expect:");
  for (const auto& [k, v] : request.headers) {
    std::string line = k + ": " + v;
    if (v.empty()) line = k + ";";  // curl's syntax for a header with an empty value
    list = curl_slist_append(list, line.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  // Keep URL (no credentials: we never put secrets in URLs) but nothing else of the request.
  std::string what = request.method + " " + request.url;
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status::DeadlineExceeded(what + ": timed out after " +
                                    std::to_string(request.timeout.count()) + " ms");
  }
  if (rc != CURLE_OK) {
    return Status::Unavailable(what + ": " + curl_easy_strerror(rc));
  }
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  response.status = static_cast<int>(code);
  return response;
}

}  // namespace statusbridge::http
