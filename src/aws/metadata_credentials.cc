#include "aws/metadata_credentials.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/file.h"

namespace statusbridge::aws {
namespace {

constexpr const char* kContainerHost = "http://169.254.170.2";
constexpr const char* kImdsEndpoint = "http://169.254.169.254";
constexpr const char* kImdsEndpointV6 = "http://[fd00:ec2::254]";
constexpr const char* kTokenTtlSeconds = "21600";
constexpr const char* kCredentialsPath = "/latest/meta-data/iam/security-credentials/";
// botocore's static stability: expired IMDS credentials are extended by 15 min + 2..10 min
// jitter; a fixed 20 min keeps this deterministic.
constexpr Seconds kExpiredExtension{20 * 60};

std::optional<std::string> NonEmpty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (!value.has_value() || value->empty()) {
    return std::nullopt;
  }
  return value;
}

bool IsTrue(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> v = NonEmpty(env, name);
  if (!v.has_value()) {
    return false;
  }
  std::string lower = *v;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower == "true";
}

std::string FormatMillis(Millis d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + "s";
  }
  return std::to_string(d.count()) + "ms";
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

// {"AccessKeyId","SecretAccessKey","Token","Expiration"}, shared by both services. Never quotes
// the body: it holds the secret.
Result<Credentials> ParseMetadataCredentials(const std::string& body, const std::string& what) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::Internal(what + ": response is not JSON (error at byte " +
                            std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception&) {
    // A number too large for a double ("1e999") is out_of_range, not parse_error.
    return Status::Internal(what + ": response is not JSON (a number is out of range)");
  }
  if (!doc.is_object()) {
    return Status::Internal(what + ": response is not a JSON object");
  }
  std::string values[4];
  const char* keys[4] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
  for (int i = 0; i < 4; ++i) {
    auto it = doc.find(keys[i]);
    if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      return Status::Internal(what + ": response has no string \"" + keys[i] + "\"");
    }
    values[i] = it->get<std::string>();
  }
  Result<SystemTime> expiration = ParseIso8601(values[3]);
  if (!expiration.ok()) {
    return Status::Internal(what + ": response \"Expiration\" is not an ISO 8601 time (" +
                            http::Snippet(values[3], 40) + ")");
  }
  Credentials c;
  c.access_key_id = std::move(values[0]);
  c.secret_access_key = Secret(std::move(values[1]));
  c.session_token = Secret(std::move(values[2]));
  c.expiration = *expiration;
  return c;
}

// The server's {"code","message"} (container) or {"Code","Message"} explanation, or a snippet.
std::string Explain(const http::HttpResponse& response) {
  try {
    nlohmann::json doc = nlohmann::json::parse(response.body);
    std::string out;
    for (const char* key : {"code", "Code", "message", "Message"}) {
      auto it = doc.find(key);
      if (doc.is_object() && it != doc.end() && it->is_string()) {
        out += (out.empty() ? "" : ": ") + it->get<std::string>();
      }
    }
    if (!out.empty()) {
      return http::Snippet(out, 200);
    }
  } catch (const nlohmann::json::exception&) {
  }
  return http::Snippet(response.body, 200);
}

Status HttpStatusError(const std::string& what, const http::HttpResponse& response) {
  std::string message = what + ": HTTP " + std::to_string(response.status);
  std::string detail = Explain(response);
  if (!detail.empty()) {
    message += ": " + detail;
  }
  if (response.status == 401 || response.status == 403) {
    return Status::PermissionDenied(message);
  }
  if (response.status >= 500 || response.status == 429) {
    return Status::Unavailable(message);
  }
  return Status::FailedPrecondition(message);
}

// --- Container ---

bool IsLoopbackLiteral(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

Result<std::string> ReadTokenFile(const std::string& path) {
  constexpr size_t kMaxTokenFileBytes = 64 << 10;  // an EKS Pod Identity token is about 1 KB
  Result<std::string> text = ReadRegularFile(path, kMaxTokenFileBytes);
  if (!text.ok()) {
    return Status::FailedPrecondition("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + path +
                                      ": " + text.status().message());
  }
  std::string token = std::move(*text);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
    token.pop_back();
  }
  return token;
}

class ContainerProvider : public CredentialsProvider {
 public:
  ContainerProvider(EnvLookup env, http::HttpClient& http, Clock& clock, ContainerOptions options)
      : env_(std::move(env)), http_(http), clock_(clock), options_(std::move(options)) {
    if (options_.attempts < 1) {
      options_.attempts = 1;
    }
  }

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    std::optional<std::string> relative = NonEmpty(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    std::optional<std::string> full = NonEmpty(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    std::string url;
    if (relative.has_value()) {
      std::string base = options_.relative_uri_base.empty()
                             ? std::string(kContainerHost)
                             : WithoutTrailingSlash(options_.relative_uri_base);
      url = base + (relative->front() == '/' ? "" : "/") + *relative;
    } else if (full.has_value()) {
      if (!IsAllowedContainerCredentialsUrl(*full)) {
        return Status::InvalidArgument(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI " + http::Snippet(*full, 200) +
            " is not allowed: it must be https, or name a loopback address, 169.254.170.2, "
            "169.254.170.23 or fd00:ec2::23");
      }
      url = *full;
    } else {
      return Status::NotFound(
          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not "
          "set");
    }
    const std::string what = "container credentials endpoint " + url;

    http::HttpRequest request;
    request.url = url;
    request.timeout = options_.timeout;
    request.headers = {{"Accept", "application/json"}};
    std::optional<std::string> token;
    std::string token_origin;
    if (auto file = NonEmpty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      SB_ASSIGN_OR_RETURN(token, ReadTokenFile(*file));
      token_origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file;
    } else if (auto value = NonEmpty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      token = std::move(value);
      token_origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
    }
    if (token.has_value()) {
      if (token->find_first_of("\r\n") != std::string::npos) {
        return Status::InvalidArgument("the authorization token from " + token_origin +
                                       " contains a CR or LF character");
      }
      request.headers.emplace_back("Authorization", *token);
    }

    Status last;
    for (int attempt = 0; attempt < options_.attempts; ++attempt) {
      if (attempt > 0) {
        clock_.SleepFor(options_.retry_delay);
      }
      Result<http::HttpResponse> response = http_.Send(request);
      if (!response.ok()) {
        last = response.status().WithContext("container credentials endpoint");
        if (!IsRetryable(response.status())) {
          return last;
        }
        continue;
      }
      if (response->status == 200) {
        SB_ASSIGN_OR_RETURN(Credentials c, ParseMetadataCredentials(response->body, what));
        c.source = what;
        return c;
      }
      last = HttpStatusError(what, *response);
      if (last.code() == StatusCode::kPermissionDenied && token.has_value()) {
        last = Status::PermissionDenied(last.message() + " (token from " + token_origin + ")");
      }
      if (!IsRetryable(last)) {
        return last;
      }
    }
    if (options_.attempts == 1) {
      return last;
    }
    return Status(last.code(), last.message() + " (gave up after " +
                                   std::to_string(options_.attempts) + " attempts)");
  }
  std::string Name() const override { return "container"; }

 private:
  EnvLookup env_;
  http::HttpClient& http_;
  Clock& clock_;
  ContainerOptions options_;
};

// --- EC2 instance metadata ---

class ImdsProvider : public CredentialsProvider {
 public:
  ImdsProvider(EnvLookup env, http::HttpClient& http, Clock& clock, ImdsOptions options)
      : env_(std::move(env)), http_(http), clock_(clock), options_(std::move(options)) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    if (IsTrue(env_, "AWS_EC2_METADATA_DISABLED")) {
      return Status::NotFound("AWS_EC2_METADATA_DISABLED is true");
    }
    SB_ASSIGN_OR_RETURN(Settings s, ReadSettings());

    // 1. The IMDSv2 session token.
    http::HttpRequest put = Request("PUT", s, "/latest/api/token");
    put.headers.emplace_back("x-aws-ec2-metadata-token-ttl-seconds", kTokenTtlSeconds);
    Exchange token = Send(put, s);
    std::optional<std::string> session_token;
    if (token.response.has_value() && token.response->status == 200 &&
        !token.response->body.empty()) {
      session_token = token.response->body;
    } else if (token.response.has_value() && token.response->status == 400) {
      return Status::InvalidArgument("EC2 instance metadata " + s.endpoint +
                                     ": token request refused with HTTP 400");
    } else if (token.response.has_value() &&
               (token.response->status == 403 || token.response->status == 404 ||
                token.response->status == 405)) {
      if (!s.allow_v1) {
        return Status::FailedPrecondition(
            "EC2 instance metadata " + s.endpoint + ": the token request got HTTP " +
            std::to_string(token.response->status) + " and IMDSv1 is disabled");
      }
    } else if (token.timed_out) {
      if (!s.allow_v1) {
        return NoResponse(s);
      }
      // The PUT may be lost to a hop limit of 1 (a container on the instance) while an IMDSv1 GET
      // still works: try once more without a token, as botocore does.
    } else if (!token.response.has_value()) {
      // Refused or unreachable: nothing listens there, so IMDSv1 would fare no better.
      return Status::NotFound("cannot reach " + s.endpoint + ": " + token.error.message());
    } else {
      return HttpStatusError("EC2 instance metadata token request", *token.response);
    }

    // 2. The role name.
    http::HttpRequest list = Request("GET", s, kCredentialsPath, session_token);
    Exchange role_list = Send(list, s);
    if (!role_list.response.has_value()) {
      if (role_list.timed_out) {
        return NoResponse(s);
      }
      return Status::NotFound("cannot reach " + s.endpoint + ": " + role_list.error.message());
    }
    if (role_list.response->status == 404) {
      return Status::NotFound("EC2 instance metadata " + s.endpoint +
                              ": no IAM role is attached to this instance (HTTP 404)");
    }
    if (role_list.response->status == 401 && !session_token.has_value()) {
      return Status::FailedPrecondition("EC2 instance metadata " + s.endpoint +
                                        " requires IMDSv2, but the token request failed");
    }
    if (role_list.response->status != 200) {
      return HttpStatusError("EC2 instance metadata " + list.url, *role_list.response);
    }
    std::string role = role_list.response->body;
    role = role.substr(0, role.find_first_of("\r\n"));
    if (role.empty()) {
      return Status::NotFound("EC2 instance metadata " + s.endpoint +
                              ": no IAM role is attached to this instance");
    }

    // 3. The role's credentials.
    http::HttpRequest get =
        Request("GET", s, kCredentialsPath + http::UrlEncode(role), session_token);
    const std::string what = "EC2 instance metadata " + get.url;
    Exchange creds = Send(get, s);
    if (!creds.response.has_value()) {
      return creds.error.WithContext(what);
    }
    if (creds.response->status != 200) {
      return HttpStatusError(what, *creds.response);
    }
    try {
      nlohmann::json doc = nlohmann::json::parse(creds.response->body);
      auto code = doc.is_object() ? doc.find("Code") : doc.end();
      if (doc.is_object() && (code == doc.end() || !code->is_string() || *code != "Success")) {
        return Status::Internal(what + ": Code is not Success: " + Explain(*creds.response));
      }
    } catch (const nlohmann::json::exception&) {
      // ParseMetadataCredentials reports it.
    }
    SB_ASSIGN_OR_RETURN(Credentials c, ParseMetadataCredentials(creds.response->body, what));
    c.source = "EC2 instance metadata role " + role + " at " + s.endpoint;
    if (!session_token.has_value()) {
      c.source += " (IMDSv1)";
    }
    const SystemTime now = clock_.Now();
    if (c.expiration.has_value() && *c.expiration <= now) {
      c.source += " (returned expired at " + FormatIso8601(*c.expiration) + "; extended)";
      c.expiration = now + kExpiredExtension;
    }
    return c;
  }
  std::string Name() const override { return "EC2 instance metadata"; }

 private:
  struct Settings {
    std::string endpoint;
    Millis timeout{1000};
    int attempts = 1;
    bool allow_v1 = true;
  };

  // One request's fate over all its attempts.
  struct Exchange {
    std::optional<http::HttpResponse> response;  // the last HTTP response, if any
    Status error;                                // the last transport error otherwise
    bool timed_out = false;                      // that error was a timeout
  };

  Result<Settings> ReadSettings() const {
    Settings s;
    if (!options_.endpoint.empty()) {
      s.endpoint = options_.endpoint;
    } else if (auto e = NonEmpty(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
      s.endpoint = *e;
    } else if (auto mode = NonEmpty(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
               mode.has_value() && (*mode == "IPv6" || *mode == "ipv6")) {
      s.endpoint = kImdsEndpointV6;
    } else {
      s.endpoint = kImdsEndpoint;
    }
    s.endpoint = WithoutTrailingSlash(s.endpoint);
    if (auto t = NonEmpty(env_, "AWS_METADATA_SERVICE_TIMEOUT")) {
      char* end = nullptr;
      double seconds = std::strtod(t->c_str(), &end);
      if (end == t->c_str() || *end != '\0' || !(seconds > 0) || seconds > 3600) {
        return Status::InvalidArgument(
            "AWS_METADATA_SERVICE_TIMEOUT must be a number of seconds "
            "(0 < t <= 3600), got \"" +
            http::Snippet(*t, 40) + "\"");
      }
      s.timeout = Millis(static_cast<int64_t>(std::llround(seconds * 1000)));
    }
    if (auto n = NonEmpty(env_, "AWS_METADATA_SERVICE_NUM_ATTEMPTS")) {
      int attempts = 0;
      auto [ptr, ec] = std::from_chars(n->data(), n->data() + n->size(), attempts);
      if (ec != std::errc() || ptr != n->data() + n->size() || attempts < 1 || attempts > 10) {
        return Status::InvalidArgument(
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS must be a whole number from 1 to 10, got \"" +
            http::Snippet(*n, 40) + "\"");
      }
      s.attempts = attempts;
    }
    s.allow_v1 = options_.allow_v1_fallback && !IsTrue(env_, "AWS_EC2_METADATA_V1_DISABLED");
    return s;
  }

  static http::HttpRequest Request(std::string method, const Settings& s, const std::string& path,
                                   const std::optional<std::string>& token = std::nullopt) {
    http::HttpRequest r;
    r.method = std::move(method);
    r.url = s.endpoint + path;
    r.timeout = s.timeout;
    if (token.has_value()) {
      r.headers.emplace_back("x-aws-ec2-metadata-token", *token);
    }
    return r;
  }

  // Sends `request` up to s.attempts times, retrying transport failures and 5xx, and stopping at
  // the first timeout (a service that is slow once will be slow again).
  Exchange Send(const http::HttpRequest& request, const Settings& s) {
    Exchange ex;
    for (int attempt = 0; attempt < s.attempts; ++attempt) {
      Result<http::HttpResponse> r = http_.Send(request);
      if (r.ok()) {
        ex.response = std::move(*r);
        if (ex.response->status < 500) {
          return ex;
        }
        continue;
      }
      ex.error = r.status();
      ex.timed_out = r.status().code() == StatusCode::kDeadlineExceeded;
      if (ex.timed_out || !IsRetryable(r.status())) {
        return ex;
      }
    }
    return ex;
  }

  static Status NoResponse(const Settings& s) {
    return Status::NotFound("no response from " + s.endpoint + " within " +
                            FormatMillis(s.timeout));
  }

  EnvLookup env_;
  http::HttpClient& http_;
  Clock& clock_;
  const ImdsOptions options_;
};

}  // namespace

bool IsAllowedContainerCredentialsUrl(const std::string& url) {
  Result<http::Url> parsed = http::ParseUrl(url);
  if (!parsed.ok()) {
    return false;
  }
  if (parsed->scheme == "https") {
    return true;
  }
  const std::string& host = parsed->host;
  return host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23" ||
         host == "localhost" || IsLoopbackLiteral(host);
}

std::unique_ptr<CredentialsProvider> NewContainerProvider(EnvLookup env, http::HttpClient& http,
                                                          Clock& clock, ContainerOptions options) {
  return std::make_unique<ContainerProvider>(std::move(env), http, clock, std::move(options));
}

std::unique_ptr<CredentialsProvider> NewImdsProvider(EnvLookup env, http::HttpClient& http,
                                                     Clock& clock, ImdsOptions options) {
  return std::make_unique<ImdsProvider>(std::move(env), http, clock, std::move(options));
}

}  // namespace statusbridge::aws
