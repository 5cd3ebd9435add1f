#pragma once

// Loopback stand-ins for the AWS services the credential chain talks to, for tests and the
// sandbox: EC2 instance metadata (IMDSv2/v1), the container credentials endpoint, and STS
// (AssumeRole with real SigV4 verification, AssumeRoleWithWebIdentity checking the token). Each is
// a cpp-httplib server bound to 127.0.0.1 on an ephemeral port, serving from its own thread.
//
// The servers issue real temporary credentials (unique ids, secrets and session tokens) whose
// expiration is `clock.Now() + lifetime`, and remember them: STS accepts credentials it issued as
// the source of a further AssumeRole (role chaining) and rejects them with ExpiredToken once the
// clock passes their expiration, so expiry and refresh are exercised end to end. Pass the same
// (fake) Clock the code under test uses.
//
// Behaviour can be changed while a server runs (delays, failures, tokens); every setter and
// accessor is thread-safe. Stop() (or the destructor) interrupts a handler that is sleeping to
// simulate a slow service, so tests never wait for it.
//
// These servers are test fixtures: they listen only on 127.0.0.1 and trust their callers.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/time.h"

namespace httplib {
class Server;
}

namespace statusbridge::testing {

// Temporary credentials one of the servers handed out.
struct IssuedCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  SystemTime expiration;
};

// The common part: an httplib server on 127.0.0.1:<ephemeral> in its own thread.
class LoopbackHttpServer {
 public:
  LoopbackHttpServer();
  // Derived servers must call Stop() in their own destructor, before their members go.
  virtual ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  // Binds 127.0.0.1 port 0 and starts serving. Internal on failure.
  Status Start();
  // Stops serving and joins the thread; idempotent.
  void Stop();

  int port() const { return port_; }
  // "http://127.0.0.1:<port>".
  std::string url() const;

  // Called with every credential the server hands out, before the response is sent (the
  // end-to-end tests register them with the sandbox, whose CloudWatch then accepts them).
  // Set before Start().
  void set_on_issue(std::function<void(const IssuedCredentials&)> f) { on_issue_ = std::move(f); }

 protected:
  void NotifyIssued(const IssuedCredentials& c) {
    if (on_issue_) on_issue_(c);
  }
  httplib::Server& server() { return *server_; }
  // Sleeps for `d`, returning early once Stop() has begun.
  void InterruptibleSleep(Millis d);

 private:
  std::unique_ptr<httplib::Server> server_;
  std::function<void(const IssuedCredentials&)> on_issue_;
  std::thread thread_;
  int port_ = 0;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

// A TCP listener on 127.0.0.1 that never accepts or answers: connections complete (the kernel
// queues them) and then hang, as an unresponsive metadata service does. For timeout tests.
class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  int port() const { return port_; }
  std::string url() const;

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 where nothing listens (bound, then closed): connections are refused.
int UnusedLoopbackPort();

// --- EC2 instance metadata ---

struct ImdsServerOptions {
  std::string role = "statusbridge-test-role";  // empty: no role attached (404 on the list)
  Seconds lifetime{6 * 3600};                   // of the credentials issued
  bool v1_only = false;          // the token PUT gets 404, as from an IMDS without v2
  bool require_token = true;     // GETs without a valid token get 401 (IMDSv2 enforced)
  std::string code = "Success";  // the "Code" member of the credentials document
  bool issue_expired = false;    // hand out credentials that expired an hour ago
  Millis delay{0};               // before every answer (a slow IMDS)
};

class ImdsServer : public LoopbackHttpServer {
 public:
  ImdsServer(const Clock& clock, ImdsServerOptions options = {});
  // Stops first: handlers use this class's members.
  ~ImdsServer() override { Stop(); }

  void set_delay(Millis delay);
  void set_options(const ImdsServerOptions& options);

  int token_requests() const { return token_requests_; }
  int role_requests() const { return role_requests_; }
  int credential_requests() const { return credential_requests_; }
  // The token PUT's TTL header as last received ("" if none).
  std::string last_ttl_header() const;
  std::optional<IssuedCredentials> last_issued() const;

 private:
  ImdsServerOptions Options() const;
  bool TokenOk(const std::string& token) const;

  const Clock& clock_;
  mutable std::mutex mu_;
  ImdsServerOptions options_;
  std::vector<std::string> tokens_;
  std::string last_ttl_;
  std::optional<IssuedCredentials> last_issued_;
  std::atomic<int> token_requests_{0};
  std::atomic<int> role_requests_{0};
  std::atomic<int> credential_requests_{0};
  int serial_ = 0;
};

// --- Container credentials endpoint ---

struct ContainerServerOptions {
  std::string path = "/v2/credentials/test";  // the only path served
  std::string authorization;                  // required Authorization value; empty: none
  Seconds lifetime{6 * 3600};
};

class ContainerCredentialsServer : public LoopbackHttpServer {
 public:
  ContainerCredentialsServer(const Clock& clock, ContainerServerOptions options = {});
  // Stops first: handlers use this class's members.
  ~ContainerCredentialsServer() override { Stop(); }

  void set_authorization(std::string authorization);
  // The next `count` requests get `http_status` with a {"code","message"} body.
  void FailNext(int count, int http_status);
  void set_delay(Millis delay);

  int requests() const { return requests_; }
  std::string last_authorization() const;
  std::string last_accept() const;
  std::optional<IssuedCredentials> last_issued() const;

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  ContainerServerOptions options_;
  int fail_count_ = 0;
  int fail_status_ = 500;
  Millis delay_{0};
  std::string last_authorization_;
  std::string last_accept_;
  std::optional<IssuedCredentials> last_issued_;
  std::atomic<int> requests_{0};
  int serial_ = 0;
};

// --- STS ---

struct StsServerOptions {
  std::string region = "us-east-1";  // the SigV4 scope region it accepts
  Seconds lifetime{3600};            // when the request has no DurationSeconds
  Seconds max_skew{15 * 60};
};

class StsServer : public LoopbackHttpServer {
 public:
  StsServer(const Clock& clock, StsServerOptions options = {});
  // Stops first: handlers use this class's members.
  ~StsServer() override { Stop(); }

  // Long-term keys AssumeRole accepts as source credentials.
  void AddSourceKey(std::string access_key_id, std::string secret_access_key);
  // The token AssumeRoleWithWebIdentity accepts (the content of the test's token file).
  void set_web_identity_token(std::string token);
  // The next `count` calls get an <ErrorResponse> with `code` and `message`.
  void FailNext(int count, int http_status, std::string code, std::string message);

  // One call as received.
  struct Call {
    std::string action;
    std::map<std::string, std::string> params;  // form parameters
    bool had_authorization = false;
    std::string access_key_id;  // from the Authorization header's Credential, even if rejected
    std::string signed_by;      // access key id in the verified signature, if any
    std::string content_type;
    std::string error_code;  // what the server answered, empty on success
  };
  std::vector<Call> calls() const;
  // Credentials issued under `access_key_id`, if this server issued them.
  std::optional<IssuedCredentials> Issued(const std::string& access_key_id) const;

 private:
  const Clock& clock_;
  const StsServerOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> source_keys_;
  std::map<std::string, IssuedCredentials> issued_;
  std::string web_identity_token_;
  int fail_count_ = 0;
  int fail_status_ = 400;
  std::string fail_code_;
  std::string fail_message_;
  std::vector<Call> calls_;
  int serial_ = 0;
};

}  // namespace statusbridge::testing
