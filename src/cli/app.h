#pragma once

// The composition root: the only place the object graph is built from a Config (aesthetics.md
// C5). Everything below cli/ receives its collaborators by reference.
//
// A cycle = Collector (CloudWatch -> settled points) then Publisher (points -> Statuspage).
// `once` runs one cycle; its exit code says whether every point was delivered.

#include <iosfwd>
#include <memory>

#include "aws/cloudwatch_client.h"
#include "aws/credentials.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/token_bucket.h"
#include "http/http_client.h"
#include "pipeline/collector.h"
#include "pipeline/config.h"
#include "pipeline/publisher.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::cli {

// Process exit codes (README, docs/config.md).
inline constexpr int kExitDelivered = 0;
inline constexpr int kExitNotDelivered = 1;
inline constexpr int kExitBadConfig = 2;

struct CycleSummary {
  int metrics = 0;
  int metrics_failed = 0;
  int points = 0;
  pipeline::CollectReport collect;
  pipeline::PublishReport publish;
  Status status;  // OK when every point computed was delivered and every metric was read
  Millis duration{0};
};

class App {
 public:
  // Builds clients from `config`. Fails (InvalidArgument) when no AWS region can be resolved.
  static Result<std::unique_ptr<App>> Create(pipeline::Config config, EnvLookup env,
                                             http::HttpClient& http, Clock& clock);

  // One cycle at clock.Now(). With `dry_run`, prints a table (metric, bucket start UTC, value) of
  // the points it would send to `out` and sends nothing to Statuspage.
  CycleSummary RunOnce(bool dry_run, Millis timeout, std::ostream& out);

  const pipeline::Config& config() const { return config_; }

 private:
  App(pipeline::Config config, EnvLookup env, http::HttpClient& http, Clock& clock);

  pipeline::Config config_;
  EnvLookup env_;
  http::HttpClient& http_;
  Clock& clock_;
  std::unique_ptr<aws::CredentialsProvider> credentials_;
  std::unique_ptr<aws::CloudWatchClient> cloudwatch_;
  std::unique_ptr<statuspage::StatuspageClient> statuspage_;
  std::unique_ptr<TokenBucket> statuspage_bucket_;
  std::unique_ptr<pipeline::Collector> collector_;
};

// One line per cycle, key=value, for logs.
std::string FormatCycleSummary(const CycleSummary& s);

}  // namespace statusbridge::cli
