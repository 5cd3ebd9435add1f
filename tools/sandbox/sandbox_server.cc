#include "sandbox_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include "cloudwatch_data.h"
#include "cloudwatch_emulator.h"
#include "connections.h"
#include "control_api.h"
#include "faults.h"
#include "logs_data.h"
#include "logs_emulator.h"
#include "logs_service.h"
#include "rate_limiter.h"
#include "request_log.h"
#include "statuspage_emulator.h"
#include "statuspage_store.h"

namespace statusbridge::sandbox {
namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

const char* ClassifyApi(const httplib::Request& request) {
  if (request.path == "/" && request.method == "POST") {
    return request.get_header_value("X-Amz-Target").rfind(kLogsTargetPrefix, 0) == 0 ? "logs"
                                                                                     : "cloudwatch";
  }
  if (request.path == "/v1" || StartsWith(request.path, "/v1/")) {
    return "statuspage";
  }
  if (StartsWith(request.path, "/_sandbox/")) {
    return "control";
  }
  return "other";
}

bool IsThrottlingCode(const std::string& code) {
  return code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded";
}

}  // namespace

class SandboxServer::Impl {
 public:
  Impl(SandboxOptions options, const Clock& clock)
      : options_(std::move(options)),
        clock_(clock),
        log_(options_.quiet, options_.log_path),
        cloudwatch_data_(options_.seed, options_.ingest_lag, options_.fleet,
                         options_.traffic_shape),
        logs_data_(options_.seed, options_.ingest_lag, options_.traffic_shape),
        statuspage_store_(options_.strict_metrics),
        limiter_(clock, options_.rate_limit, options_.rate_window),
        cloudwatch_(CloudWatchConfig{SigV4Config{options_.access_key_id, options_.secret_access_key,
                                                 options_.region, "monitoring", Seconds(15 * 60),
                                                 options_.extra_regions, &temporary_},
                                     options_.max_datapoints_per_page},
                    cloudwatch_data_, stats_, clock),
        logs_service_(LogsConfig{options_.region, options_.extra_regions,
                                 options_.logs_query_latency, options_.logs_max_concurrent},
                      logs_data_, stats_, clock),
        logs_(SigV4Config{options_.access_key_id, options_.secret_access_key, options_.region,
                          "logs", Seconds(15 * 60), options_.extra_regions, &temporary_},
              logs_service_, stats_, clock),
        statuspage_(
            StatuspageConfig{options_.api_key, options_.page_id, options_.rate_limit_status},
            statuspage_store_, limiter_, stats_, clock),
        control_(ControlTargets{cloudwatch_data_, logs_data_, logs_service_, statuspage_store_,
                                faults_, log_, stats_, limiter_, clock, options_.page_id,
                                options_.region, temporary_}) {}

  Status Start();
  void Stop();
  int port() const { return port_; }
  const SandboxOptions& options() const { return options_; }
  LogsService& logs_service() { return logs_service_; }

 private:
  void Dispatch(const httplib::Request& request, httplib::Response& response);
  // Applies `fault` to a request of `api`; true when the request is answered (or dropped) and
  // recorded.
  bool ApplyFault(Api api, const Fault& fault, const httplib::Request& request,
                  httplib::Response& response, RequestRecord& record);
  // Sleeps `delay` of real time, or less if the server stops meanwhile.
  void Delay(Millis delay);

  const SandboxOptions options_;
  const Clock& clock_;
  TemporaryCredentials temporary_;  // before the emulators, which keep its address
  SandboxStats stats_;
  RequestLog log_;
  CloudWatchData cloudwatch_data_;
  LogsData logs_data_;
  StatuspageStore statuspage_store_;
  RollingWindowLimiter limiter_;
  FaultQueue faults_;
  CloudWatchEmulator cloudwatch_;
  LogsService logs_service_;
  LogsEmulator logs_;
  StatuspageEmulator statuspage_;
  ControlApi control_;

  httplib::Server server_;
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};
  int port_ = 0;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

Status SandboxServer::Impl::Start() {
  if (!log_.ok()) {
    return Status::InvalidArgument("cannot open --log file " + options_.log_path);
  }
  if (options_.max_datapoints_per_page < 1) {
    return Status::InvalidArgument("--max-datapoints-per-page must be at least 1");
  }
  if (options_.rate_window.count() <= 0) {
    return Status::InvalidArgument("--rate-window must be positive");
  }
  if (options_.rate_limit_status < 400 || options_.rate_limit_status > 599) {
    return Status::InvalidArgument("--rate-limit-status must be a 4xx or 5xx status");
  }
  if (options_.logs_query_latency.count() < 0) {
    return Status::InvalidArgument("--logs-query-latency must not be negative");
  }
  if (options_.logs_max_concurrent < 1) {
    return Status::InvalidArgument("--logs-max-concurrent must be at least 1");
  }
  // A dropped connection (faults) or a client that went away must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);

  const int threads = std::max(4, options_.threads);
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(1000);
  server_.set_keep_alive_timeout(5);
  server_.set_read_timeout(30, 0);
  server_.set_write_timeout(30, 0);
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    Dispatch(request, response);
  };
  server_.Get(".*", handler);
  server_.Post(".*", handler);
  server_.Put(".*", handler);
  server_.Patch(".*", handler);
  server_.Delete(".*", handler);
  server_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        WriteMessage(response, 500, "internal error in the sandbox");
      });

  if (options_.port == 0) {
    port_ = server_.bind_to_any_port(options_.host);
    if (port_ <= 0) {
      return Status::Unavailable("cannot bind " + options_.host + " on any port");
    }
  } else {
    if (!server_.bind_to_port(options_.host, options_.port)) {
      return Status::Unavailable("cannot bind " + options_.host + ":" +
                                 std::to_string(options_.port));
    }
    port_ = options_.port;
  }
  thread_ = std::thread([this] {
    server_.listen_after_bind();
    listen_returned_ = true;
  });
  // listen_after_bind() sets is_running() as it enters its accept loop; the socket is already
  // listening, so connections made before then wait in the backlog.
  while (!server_.is_running() && !listen_returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (listen_returned_) {
    return Status::Unavailable("the sandbox's accept loop ended at once");
  }
  return Status::Ok();
}

void SandboxServer::Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_.stop();
  // httplib keeps an idle keep-alive connection (and its worker) until the client closes it or
  // the keep-alive timeout passes. Closing the read side ends those at once; a request being
  // handled still gets its response written.
  ForEachConnectedSocket([this](int fd, const SocketEnds& ends) {
    if (ends.local_port == port_) {
      shutdown(fd, SHUT_RD);
    }
    return true;
  });
  if (thread_.joinable()) {
    thread_.join();
  }
}

void SandboxServer::Impl::Delay(Millis delay) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, delay, [this] { return stopping_; });
}

bool SandboxServer::Impl::ApplyFault(Api api, const Fault& fault, const httplib::Request& request,
                                     httplib::Response& response, RequestRecord& record) {
  record.fault = true;
  ++stats_.faults_injected;
  if (fault.delay.count() > 0) {
    Delay(fault.delay);
  }
  if (fault.drop_connection) {
    // Log first: once the client sees the connection end, the record must already be there.
    record.status = 0;
    log_.Add(record, /*keep=*/true);
    DropConnection(request);
    response.status = 500;  // written into the dead socket, never seen
    return true;
  }
  if (!fault.responds()) {
    return false;
  }
  if (api == Api::kCloudWatch) {
    std::string code = fault.aws_error;
    if (code.empty()) {
      code = fault.status >= 500 ? (fault.status == 503 ? "ServiceUnavailable" : "InternalFailure")
                                 : "InjectedFault";
    }
    cloudwatch_.WriteError(
        response, {fault.status, code,
                   IsThrottlingCode(code) ? "Rate exceeded" : "Injected fault by the sandbox"});
    if (fault.body) {
      response.set_content(*fault.body, kAmzJsonContentType);
    }
  } else if (api == Api::kLogs) {
    std::string code = fault.aws_error;
    if (code.empty()) {
      code = fault.status >= 500 ? "ServiceUnavailableException" : "InjectedFault";
    }
    logs_.WriteError(response, {fault.status, code,
                                IsThrottlingCode(code) ? "Rate exceeded"
                                : code == "LimitExceededException"
                                    ? "Account maximum query concurrency limit reached."
                                    : "Injected fault by the sandbox"});
    if (fault.body) {
      response.set_content(*fault.body, kAmzJson11ContentType);
    }
  } else {
    WriteMessage(response, fault.status,
                 "Injected fault by the sandbox: HTTP " + std::to_string(fault.status));
    if (fault.body) {
      response.set_content(*fault.body, "application/json; charset=utf-8");
    }
  }
  if (!fault.retry_after.empty()) {
    response.set_header("Retry-After", fault.retry_after);
  }
  record.status = response.status;
  log_.Add(record, /*keep=*/true);
  return true;
}

void SandboxServer::Impl::Dispatch(const httplib::Request& request, httplib::Response& response) {
  RequestRecord record;
  record.t_ms = WallMillis();
  record.api = ClassifyApi(request);
  record.method = request.method;
  record.path = request.path;
  record.target = request.get_header_value("X-Amz-Target");

  if (record.api == "cloudwatch" || record.api == "logs" || record.api == "statuspage") {
    const Api api = record.api == "cloudwatch" ? Api::kCloudWatch
                    : record.api == "logs"     ? Api::kLogs
                                               : Api::kStatuspage;
    ++(api == Api::kCloudWatch ? stats_.cloudwatch_requests
       : api == Api::kLogs     ? stats_.logs_requests
                               : stats_.statuspage_requests);
    std::optional<Fault> fault = faults_.Take(api);
    if (fault && ApplyFault(api, *fault, request, response, record)) {
      return;
    }
    if (api == Api::kCloudWatch) {
      cloudwatch_.Handle(request, response, record);
    } else if (api == Api::kLogs) {
      logs_.Handle(request, response, record);
    } else {
      statuspage_.Handle(request, response, record);
    }
  } else if (record.api == "control") {
    control_.Handle(request, response);
  } else {
    WriteMessage(response, 404,
                 "Not found: the sandbox serves POST / (CloudWatch), /v1/... (Statuspage) and "
                 "/_sandbox/... (control)");
  }
  record.status = response.status;
  log_.Add(record, /*keep=*/record.api != "control");
}

SandboxServer::SandboxServer(SandboxOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}

SandboxServer::~SandboxServer() { Stop(); }

Status SandboxServer::Start() { return impl_->Start(); }

int SandboxServer::port() const { return impl_->port(); }

std::string SandboxServer::base_url() const {
  return "http://" + impl_->options().host + ":" + std::to_string(impl_->port());
}

void SandboxServer::Stop() { impl_->Stop(); }

bool SandboxServer::WaitForLogsScans(Millis timeout) {
  return impl_->logs_service().WaitForScans(timeout);
}

}  // namespace statusbridge::sandbox
