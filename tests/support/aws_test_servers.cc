#include "support/aws_test_servers.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "aws/sigv4.h"
#include "http/http_client.h"

namespace statusbridge::testing {
namespace {

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

IssuedCredentials MakeCredentials(const std::string& prefix, int serial, SystemTime expiration) {
  char id[32];
  std::snprintf(id, sizeof id, "ASIA%s%08d", prefix.c_str(), serial);
  IssuedCredentials c;
  c.access_key_id = id;
  c.secret_access_key = prefix + "-secret-" + std::to_string(serial) + "/Kq+zZ";
  c.session_token = prefix + "-session-token-" + std::to_string(serial);
  c.expiration = expiration;
  return c;
}

std::string CredentialsJson(const IssuedCredentials& c, const std::string& token_member,
                            const std::string& extra = "") {
  return "{" + extra + "\"AccessKeyId\":\"" + JsonEscape(c.access_key_id) +
         "\",\"SecretAccessKey\":\"" + JsonEscape(c.secret_access_key) + "\",\"" + token_member +
         "\":\"" + JsonEscape(c.session_token) + "\",\"Expiration\":\"" +
         FormatIso8601(c.expiration) + "\"}";
}

// "20150830T123600Z" -> time.
std::optional<SystemTime> ParseAmzDate(const std::string& text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') {
    return std::nullopt;
  }
  std::string iso = text.substr(0, 4) + "-" + text.substr(4, 2) + "-" + text.substr(6, 2) + "T" +
                    text.substr(9, 2) + ":" + text.substr(11, 2) + ":" + text.substr(13, 2) + "Z";
  Result<SystemTime> t = ParseIso8601(iso);
  if (!t.ok()) {
    return std::nullopt;
  }
  return *t;
}

// The value after "<name>=" in an Authorization header, up to the next ',' or the end.
std::string AuthField(const std::string& header, const std::string& name) {
  size_t at = header.find(name + "=");
  if (at == std::string::npos) {
    return {};
  }
  at += name.size() + 1;
  size_t end = header.find(',', at);
  std::string value = header.substr(at, end == std::string::npos ? std::string::npos : end - at);
  while (!value.empty() && value.back() == ' ') {
    value.pop_back();
  }
  return value;
}

void SetError(httplib::Response& res, int status, const std::string& code,
              const std::string& message) {
  res.status = status;
  res.set_content(
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
      "<Type>Sender</Type><Code>" +
          XmlEscape(code) + "</Code><Message>" + XmlEscape(message) +
          "</Message></Error><RequestId>test-request-id</RequestId></ErrorResponse>",
      "text/xml");
}

}  // namespace

// --- LoopbackHttpServer ---

LoopbackHttpServer::LoopbackHttpServer() : server_(std::make_unique<httplib::Server>()) {
  // One request per connection: otherwise Stop() waits out httplib's keep-alive timeout for a
  // connection the client's curl handle keeps open.
  server_->set_keep_alive_max_count(1);
}

LoopbackHttpServer::~LoopbackHttpServer() { Stop(); }

Status LoopbackHttpServer::Start() {
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) {
    return Status::Internal("cannot bind 127.0.0.1");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 1000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!server_->is_running()) {
    return Status::Internal("server did not start");
  }
  return Status::Ok();
}

void LoopbackHttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::string LoopbackHttpServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void LoopbackHttpServer::InterruptibleSleep(Millis d) {
  if (d.count() <= 0) {
    return;
  }
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

// --- SilentServer ---

SilentServer::SilentServer() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::listen(fd_, 64) == 0) {
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
}

SilentServer::~SilentServer() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::string SilentServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

int UnusedLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) {
    ::close(fd);
  }
  return port;
}

// --- ImdsServer ---

ImdsServer::ImdsServer(const Clock& clock, ImdsServerOptions options)
    : clock_(clock), options_(std::move(options)) {
  constexpr const char* kList = "/latest/meta-data/iam/security-credentials/";
  server().Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
    ++token_requests_;
    ImdsServerOptions o = Options();
    InterruptibleSleep(o.delay);
    std::lock_guard<std::mutex> lock(mu_);
    last_ttl_ = req.get_header_value("x-aws-ec2-metadata-token-ttl-seconds");
    if (o.v1_only) {
      res.status = 404;
      return;
    }
    if (last_ttl_.empty()) {
      res.status = 400;
      return;
    }
    std::string token = "imds-token-" + std::to_string(++serial_);
    tokens_.push_back(token);
    res.set_content(token, "text/plain");
  });
  server().Get(kList, [this](const httplib::Request& req, httplib::Response& res) {
    ++role_requests_;
    ImdsServerOptions o = Options();
    InterruptibleSleep(o.delay);
    if (o.require_token && !TokenOk(req.get_header_value("x-aws-ec2-metadata-token"))) {
      res.status = 401;
      return;
    }
    if (o.role.empty()) {
      res.status = 404;
      return;
    }
    res.set_content(o.role, "text/plain");
  });
  server().Get(
      R"(/latest/meta-data/iam/security-credentials/([^/]+))",
      [this](const httplib::Request& req, httplib::Response& res) {
        ++credential_requests_;
        ImdsServerOptions o = Options();
        InterruptibleSleep(o.delay);
        if (o.require_token && !TokenOk(req.get_header_value("x-aws-ec2-metadata-token"))) {
          res.status = 401;
          return;
        }
        if (o.role.empty() || req.matches[1].str() != o.role) {
          res.status = 404;
          return;
        }
        std::lock_guard<std::mutex> lock(mu_);
        SystemTime expiration =
            o.issue_expired ? clock_.Now() - Seconds(3600) : clock_.Now() + o.lifetime;
        IssuedCredentials c = MakeCredentials("IMDS", ++serial_, expiration);
        last_issued_ = c;
        NotifyIssued(c);
        res.set_content(
            CredentialsJson(c, "Token",
                            "\"Code\":\"" + JsonEscape(o.code) + "\",\"LastUpdated\":\"" +
                                FormatIso8601(clock_.Now()) + "\",\"Type\":\"AWS-HMAC\","),
            "application/json");
      });
}

void ImdsServer::set_delay(Millis delay) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.delay = delay;
}

void ImdsServer::set_options(const ImdsServerOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  options_ = options;
}

std::string ImdsServer::last_ttl_header() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_ttl_;
}

std::optional<IssuedCredentials> ImdsServer::last_issued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_issued_;
}

ImdsServerOptions ImdsServer::Options() const {
  std::lock_guard<std::mutex> lock(mu_);
  return options_;
}

bool ImdsServer::TokenOk(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& t : tokens_) {
    if (t == token) {
      return true;
    }
  }
  return false;
}

// --- ContainerCredentialsServer ---

ContainerCredentialsServer::ContainerCredentialsServer(const Clock& clock,
                                                       ContainerServerOptions options)
    : clock_(clock), options_(std::move(options)) {
  server().Get(options_.path, [this](const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    Millis delay;
    {
      std::lock_guard<std::mutex> lock(mu_);
      delay = delay_;
    }
    InterruptibleSleep(delay);
    std::lock_guard<std::mutex> lock(mu_);
    last_authorization_ = req.get_header_value("Authorization");
    last_accept_ = req.get_header_value("Accept");
    if (fail_count_ > 0) {
      --fail_count_;
      res.status = fail_status_;
      res.set_content("{\"code\":\"TestFailure\",\"message\":\"scripted failure\"}",
                      "application/json");
      return;
    }
    if (!options_.authorization.empty() && last_authorization_ != options_.authorization) {
      res.status = 401;
      res.set_content("{\"code\":\"AccessDenied\",\"message\":\"bad authorization token\"}",
                      "application/json");
      return;
    }
    IssuedCredentials c = MakeCredentials("ECS", ++serial_, clock_.Now() + options_.lifetime);
    last_issued_ = c;
    NotifyIssued(c);
    res.set_content(CredentialsJson(c, "Token"), "application/json");
  });
}

void ContainerCredentialsServer::set_authorization(std::string authorization) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.authorization = std::move(authorization);
}

void ContainerCredentialsServer::FailNext(int count, int http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = http_status;
}

void ContainerCredentialsServer::set_delay(Millis delay) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_ = delay;
}

std::string ContainerCredentialsServer::last_authorization() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_authorization_;
}

std::string ContainerCredentialsServer::last_accept() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_accept_;
}

std::optional<IssuedCredentials> ContainerCredentialsServer::last_issued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_issued_;
}

// --- StsServer ---

StsServer::StsServer(const Clock& clock, StsServerOptions options)
    : clock_(clock), options_(std::move(options)) {
  server().Post("/", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    Call call;
    for (const auto& [name, value] : req.params) {
      call.params[name] = value;
    }
    call.action = call.params["Action"];
    call.content_type = req.get_header_value("Content-Type");
    const std::string authorization = req.get_header_value("Authorization");
    call.had_authorization = !authorization.empty();
    auto fail = [&](int status, const std::string& code, const std::string& message) {
      call.error_code = code;
      calls_.push_back(call);
      SetError(res, status, code, message);
    };
    if (fail_count_ > 0) {
      --fail_count_;
      fail(fail_status_, fail_code_, fail_message_);
      return;
    }
    if (call.params["Version"] != "2011-06-15") {
      fail(400, "InvalidAction", "unsupported Version");
      return;
    }
    if (call.params["RoleArn"].empty() || call.params["RoleSessionName"].empty()) {
      fail(400, "ValidationError", "RoleArn and RoleSessionName are required");
      return;
    }

    if (call.action == "AssumeRole") {
      // SigV4, verified with the project's signer building blocks.
      if (authorization.empty()) {
        fail(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
        return;
      }
      std::string credential = AuthField(authorization, "Credential");
      std::string signed_headers = AuthField(authorization, "SignedHeaders");
      std::string signature = AuthField(authorization, "Signature");
      std::vector<std::string> scope;
      for (size_t start = 0;;) {
        size_t slash = credential.find('/', start);
        scope.push_back(credential.substr(start, slash - start));
        if (slash == std::string::npos) {
          break;
        }
        start = slash + 1;
      }
      call.access_key_id = scope[0];
      std::optional<SystemTime> when = ParseAmzDate(req.get_header_value("X-Amz-Date"));
      if (authorization.rfind("AWS4-HMAC-SHA256 ", 0) != 0 || scope.size() != 5 ||
          signed_headers.find("host") == std::string::npos || !when.has_value()) {
        fail(403, "IncompleteSignature", "malformed Authorization");
        return;
      }
      const std::string& access_key = scope[0];
      std::string secret;
      std::string expected_token;
      if (auto it = source_keys_.find(access_key); it != source_keys_.end()) {
        secret = it->second;
      } else if (auto issued = issued_.find(access_key); issued != issued_.end()) {
        if (clock_.Now() >= issued->second.expiration) {
          fail(400, "ExpiredToken", "The security token included in the request is expired");
          return;
        }
        secret = issued->second.secret_access_key;
        expected_token = issued->second.session_token;
      } else {
        fail(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
        return;
      }
      if (req.get_header_value("X-Amz-Security-Token") != expected_token) {
        fail(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
        return;
      }
      aws::SigningScope signing_scope{scope[2], scope[3]};
      if (scope[2] != options_.region || scope[3] != "sts" ||
          scope[1] != FormatAmzDate(*when).substr(0, 8)) {
        fail(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region.");
        return;
      }
      auto skew = clock_.Now() - *when;
      if (skew > options_.max_skew || -skew > options_.max_skew) {
        fail(403, "SignatureDoesNotMatch", "Signature expired");
        return;
      }
      http::HttpRequest seen;
      seen.method = req.method;
      seen.url = "http://" + req.get_header_value("Host") + req.path;
      for (const auto& [name, value] : req.headers) {
        seen.headers.emplace_back(name, value);
      }
      seen.body = req.body;
      std::string creq = aws::CanonicalRequest(seen, signed_headers);
      std::string sts = aws::StringToSign(creq, *when, signing_scope);
      if (aws::Signature(secret, sts, *when, signing_scope) != signature) {
        fail(403, "SignatureDoesNotMatch",
             "The request signature we calculated does not match the signature you provided.");
        return;
      }
      call.signed_by = access_key;
    } else if (call.action == "AssumeRoleWithWebIdentity") {
      if (web_identity_token_.empty() || call.params["WebIdentityToken"] != web_identity_token_) {
        fail(400, "InvalidIdentityToken",
             "Couldn't retrieve verification key from your identity "
             "provider");
        return;
      }
    } else {
      fail(400, "InvalidAction", "unknown Action");
      return;
    }

    Seconds lifetime = options_.lifetime;
    if (auto d = call.params.find("DurationSeconds"); d != call.params.end()) {
      lifetime = Seconds(std::stoll(d->second));
    }
    IssuedCredentials c = MakeCredentials("STS", ++serial_, clock_.Now() + lifetime);
    issued_[c.access_key_id] = c;
    NotifyIssued(c);
    calls_.push_back(call);
    const std::string& action = call.action;
    res.set_content("<" + action +
                        "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                        "<" +
                        action + "Result><Credentials><AccessKeyId>" + XmlEscape(c.access_key_id) +
                        "</AccessKeyId><SecretAccessKey>" + XmlEscape(c.secret_access_key) +
                        "</SecretAccessKey><SessionToken>" + XmlEscape(c.session_token) +
                        "</SessionToken><Expiration>" + FormatIso8601(c.expiration) +
                        "</Expiration></Credentials><AssumedRoleUser><Arn>" +
                        XmlEscape(call.params["RoleArn"]) + "</Arn><AssumedRoleId>AROATEST:" +
                        XmlEscape(call.params["RoleSessionName"]) +
                        "</AssumedRoleId></AssumedRoleUser></" + action +
                        "Result><ResponseMetadata><RequestId>test-request-id</RequestId>"
                        "</ResponseMetadata></" +
                        action + "Response>",
                    "text/xml");
  });
}

void StsServer::AddSourceKey(std::string access_key_id, std::string secret_access_key) {
  std::lock_guard<std::mutex> lock(mu_);
  source_keys_[std::move(access_key_id)] = std::move(secret_access_key);
}

void StsServer::set_web_identity_token(std::string token) {
  std::lock_guard<std::mutex> lock(mu_);
  web_identity_token_ = std::move(token);
}

void StsServer::FailNext(int count, int http_status, std::string code, std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = http_status;
  fail_code_ = std::move(code);
  fail_message_ = std::move(message);
}

std::vector<StsServer::Call> StsServer::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

std::optional<IssuedCredentials> StsServer::Issued(const std::string& access_key_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = issued_.find(access_key_id);
  if (it == issued_.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace statusbridge::testing
