#pragma once

// The composition root: the only place the object graph is built from a Config (aesthetics.md
// C5). Everything below cli/ receives its collaborators by reference.
//
//   CurlHttpClient ─┬─ AwsClients (credential chain, roles; CloudWatch and Logs Insights clients
//                   │  per region and role) ── Collector
//                   └─ RateLimitedHttpClient (key's TokenBucket) ── StatuspageClient ── Publisher
//   StateStore (state.path, or in memory when stateless) ── Runner (collect, enqueue, drain)
//
// `once` and `run` (and later the Lambda runtime) run the same Runner cycle.

#include <iosfwd>
#include <memory>

#include "aws/cloudwatch_client.h"
#include "aws/credentials.h"
#include "cli/aws_clients.h"
#include "cli/instance_lock.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/stop_token.h"
#include "core/token_bucket.h"
#include "http/http_client.h"
#include "http/rate_limited_http_client.h"
#include "pipeline/collector.h"
#include "pipeline/config.h"
#include "pipeline/daemon.h"
#include "pipeline/publisher.h"
#include "pipeline/runner.h"
#include "pipeline/state_store.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::cli {

// Process exit codes (README, docs/config.md).
inline constexpr int kExitDelivered = 0;
inline constexpr int kExitNotDelivered = 1;
inline constexpr int kExitBadConfig = 2;

class App {
 public:
  // Builds clients from `config`, takes the state file's instance lock and opens it (or an
  // in-memory store in stateless mode). Fails when the state file is locked by another instance
  // or is not a usable statusbridge state file. (AWS regions and credentials are resolved on
  // first use; a failure there fails the metrics that need them, with a clear error.)
  // `stop` (optional) interrupts waits in the publisher and the daemon loop.
  static Result<std::unique_ptr<App>> Create(pipeline::Config config, EnvLookup env,
                                             http::HttpClient& http, Clock& clock,
                                             StopToken* stop = nullptr);
  ~App();

  // One cycle at clock.Now(), draining until everything is delivered or `timeout` passes.
  // With `dry_run`, prints a table (metric, bucket start UTC, value) of the points the cycle
  // computes to `out`, and writes nothing to Statuspage or the state file.
  pipeline::CycleReport RunOnce(bool dry_run, Millis timeout, std::ostream& out);

  // The daemon: a cycle every schedule.interval (never two at once; a cycle that overruns is
  // followed immediately by the next) until `stop` is requested. Each cycle's drain may use the
  // time until the next cycle to retry deferred points. Logs one line per cycle.
  void RunDaemon(StopToken& stop);

  const pipeline::Config& config() const { return config_; }

 private:
  App(pipeline::Config config, EnvLookup env, http::HttpClient& http, Clock& clock,
      StopToken* stop);

  pipeline::Config config_;
  EnvLookup env_;
  http::HttpClient& http_;
  Clock& clock_;
  StopToken* stop_;
  std::unique_ptr<InstanceLock> lock_;
  std::unique_ptr<pipeline::StateStore> store_;
  std::unique_ptr<AwsClients> aws_;
  std::unique_ptr<TokenBucket> statuspage_bucket_;
  std::unique_ptr<http::RateLimitedHttpClient> statuspage_http_;
  std::unique_ptr<statuspage::StatuspageClient> statuspage_;
  std::unique_ptr<pipeline::Collector> collector_;
  std::unique_ptr<pipeline::Publisher> publisher_;
  std::unique_ptr<pipeline::Runner> runner_;
};

// Logs a cycle: one info line of counters, then one warning per error.
void LogCycle(const pipeline::CycleReport& report);

}  // namespace statusbridge::cli
