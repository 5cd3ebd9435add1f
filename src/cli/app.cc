#include "cli/app.h"

#include <cstdio>
#include <ostream>
#include <sstream>

#include "aws/endpoints.h"

namespace statusbridge::cli {

App::App(pipeline::Config config, EnvLookup env, http::HttpClient& http, Clock& clock)
    : config_(std::move(config)), env_(std::move(env)), http_(http), clock_(clock) {}

Result<std::unique_ptr<App>> App::Create(pipeline::Config config, EnvLookup env,
                                         http::HttpClient& http, Clock& clock) {
  std::unique_ptr<App> app(new App(std::move(config), std::move(env), http, clock));
  const pipeline::Config& c = app->config_;

  SB_ASSIGN_OR_RETURN(std::string region, aws::ResolveRegion(c.aws.region, app->env_));

  // An explicit profile means the profile's keys (the SDKs skip the environment then).
  std::vector<std::unique_ptr<aws::CredentialsProvider>> chain;
  if (c.aws.profile.empty()) chain.push_back(aws::NewEnvironmentProvider(app->env_));
  chain.push_back(aws::NewProfileProvider(app->env_, c.aws.profile));
  app->credentials_ = aws::NewChainProvider(std::move(chain));

  aws::CloudWatchOptions cw;
  cw.region = region;
  cw.endpoint = aws::ResolveEndpoint("CLOUDWATCH", "monitoring", c.aws.endpoint_url, region, app->env_);
  app->cloudwatch_ =
      aws::NewCloudWatchClient(http, *app->credentials_, clock, DefaultRandom(), std::move(cw));

  statuspage::StatuspageOptions sp;
  sp.base_url = c.statuspage.base_url;
  sp.page_id = c.statuspage.page_id;
  sp.api_key = c.statuspage.api_key;
  sp.timeout = std::chrono::duration_cast<Millis>(c.statuspage.timeout);
  app->statuspage_ = statuspage::NewStatuspageClient(http, clock, std::move(sp));
  app->statuspage_bucket_ =
      std::make_unique<TokenBucket>(clock, c.statuspage.requests_per_second, 1.0);

  SB_ASSIGN_OR_RETURN(app->collector_, pipeline::Collector::Create(app->config_.metrics, *app->cloudwatch_));
  return app;
}

CycleSummary App::RunOnce(bool dry_run, Millis timeout, std::ostream& out) {
  CycleSummary s;
  const MonotonicTime started = clock_.Monotonic();
  const SystemTime now = clock_.Now();
  std::vector<pipeline::MetricResult> results = collector_->Collect(now, nullptr, &s.collect);

  std::vector<statuspage::MetricPoints> data;
  std::vector<std::string> failures;
  s.metrics = static_cast<int>(results.size());
  for (const pipeline::MetricResult& r : results) {
    if (!r.status.ok()) {
      ++s.metrics_failed;
      failures.push_back("metric \"" + r.metric->name + "\": " + r.status.ToString());
      continue;
    }
    s.points += static_cast<int>(r.points.size());
    if (!r.points.empty()) data.push_back({r.metric->statuspage_metric_id, r.points});
  }

  if (dry_run) {
    char line[256];
    std::snprintf(line, sizeof line, "%-32s  %-20s  %s\n", "METRIC", "BUCKET (UTC)", "VALUE");
    out << line;
    for (const pipeline::MetricResult& r : results) {
      for (const statuspage::Point& p : r.points) {
        std::snprintf(line, sizeof line, "%-32s  %-20s  %.10g\n", r.metric->name.c_str(),
                      FormatIso8601(p.timestamp).c_str(), p.value);
        out << line;
      }
    }
    out.flush();
  } else if (!data.empty()) {
    pipeline::PublisherOptions po;
    po.max_points_per_request = config_.statuspage.max_points_per_request;
    pipeline::Publisher publisher(*statuspage_, clock_, *statuspage_bucket_, DefaultRandom(), po);
    Status st = publisher.Publish(data, started + timeout, &s.publish);
    if (!st.ok()) failures.push_back("Statuspage: " + st.ToString());
  }

  s.duration = std::chrono::duration_cast<Millis>(clock_.Monotonic() - started);
  if (!failures.empty()) {
    std::string msg;
    for (const auto& f : failures) {
      if (!msg.empty()) msg += "; ";
      msg += f;
    }
    s.status = Status(StatusCode::kUnavailable, msg);
  }
  return s;
}

std::string FormatCycleSummary(const CycleSummary& s) {
  std::ostringstream o;
  o << "cycle metrics=" << s.metrics << " metrics_failed=" << s.metrics_failed
    << " points=" << s.points << " cloudwatch_calls=" << s.collect.cloudwatch.calls
    << " cloudwatch_throttled=" << s.collect.cloudwatch.throttled
    << " datapoints=" << s.collect.cloudwatch.datapoints
    << " statuspage_requests=" << s.publish.requests
    << " rate_limited=" << s.publish.rate_limited << " sent=" << s.publish.points_accepted
    << " rejected=" << s.publish.points_rejected << " pending=" << s.publish.points_pending
    << " duration_ms=" << s.duration.count();
  return o.str();
}

}  // namespace statusbridge::cli
