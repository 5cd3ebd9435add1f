#pragma once

// SandboxServer is statusbridge-sandbox without its command line: one HTTP server on one port
// serving the emulated CloudWatch and CloudWatch Logs (POST /, told apart by X-Amz-Target),
// Statuspage (/v1/...) and the control API (/_sandbox/...). Tests run it in-process on 127.0.0.1
// port 0 with a FakeClock; main.cc runs it with the system clock.
//
// Every request is recorded (request_log.h): CloudWatch, Logs and Statuspage requests first
// consume a pending fault, if any (faults.h), then go to their emulator. The injected Clock drives
// every rule that depends on time (SigV4 skew, ingestion lag, 28-day window, rate-limit windows,
// Logs Insights query progress); fault delays, the request log's t_ms and the Logs Insights scans
// (which run in the background, logs_service.h) are real time. How much data there is does not
// depend on the time of day with traffic_shape kFlat.
//
// Thread-safe. Requests are served on a pool of `threads` threads; one keep-alive connection
// holds one thread while it is open.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/time.h"
#include "traffic.h"

namespace statusbridge::sandbox {

struct SandboxOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port, see SandboxServer::port()
  std::string access_key_id = "AKIDSANDBOX";
  std::string secret_access_key = "SANDBOXSECRET";
  std::string region = "us-east-1";
  std::vector<std::string> extra_regions;  // --also-region: more regions the signatures may use
  std::string api_key = "sandbox-key";
  std::string page_id = "sandboxpage";
  int rate_limit = 60;  // Statuspage requests per key per rate_window; <= 0 disables
  Seconds rate_window{60};
  int rate_limit_status = 420;
  int64_t max_datapoints_per_page = 100800;
  bool strict_metrics = false;
  uint64_t seed = 1;
  TrafficShape traffic_shape = TrafficShape::kDaily;  // of the generated data (traffic.h)
  Seconds ingest_lag{0};
  int fleet = 0;                    // extra generated load balancers (see CloudWatchData)
  Millis logs_query_latency{1500};  // a Logs Insights query is Complete this long after it starts
  int logs_max_concurrent = 10;     // Scheduled/Running queries before LimitExceededException
  std::string log_path;             // append request lines here too; empty: none
  bool quiet = false;               // no request lines on stderr
  int threads = 32;
};

class SandboxServer {
 public:
  // `clock` must outlive the server.
  SandboxServer(SandboxOptions options, const Clock& clock);
  ~SandboxServer();  // Stop()s
  SandboxServer(const SandboxServer&) = delete;
  SandboxServer& operator=(const SandboxServer&) = delete;

  // Binds and starts serving on a background thread; returns once connections are accepted.
  // Errors: InvalidArgument for bad options or an unopenable log file, Unavailable when the
  // address cannot be bound. Ignores SIGPIPE process-wide (writes to dropped connections).
  Status Start();

  // The bound port (after Start()).
  int port() const;

  // "http://<host>:<port>".
  std::string base_url() const;

  // Stops accepting, cuts fault delays short, and waits for in-flight requests. Idempotent.
  void Stop();

  // Waits, in real time and at most `timeout`, until no Logs Insights scan is queued or running
  // (LogsService::WaitForScans); true when none is. For tests under a fake clock.
  bool WaitForLogsScans(Millis timeout);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace statusbridge::sandbox
