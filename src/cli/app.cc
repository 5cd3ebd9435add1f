#include "cli/app.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>

namespace statusbridge::cli {

App::App(pipeline::Config config, EnvLookup env, http::HttpClient& http, Clock& clock,
         StopToken* stop)
    : config_(std::move(config)), env_(std::move(env)), http_(http), clock_(clock), stop_(stop) {}

App::~App() = default;

Result<std::unique_ptr<App>> App::Create(pipeline::Config config, EnvLookup env,
                                         http::HttpClient& http, Clock& clock, StopToken* stop) {
  std::unique_ptr<App> app(new App(std::move(config), std::move(env), http, clock, stop));
  const pipeline::Config& c = app->config_;

  if (c.state.stateless()) {
    // A private temporary file: nothing survives the process, and a large backfill spills to
    // disk instead of memory.
    SB_ASSIGN_OR_RETURN(app->store_, pipeline::StateStore::Open(""));
  } else {
    SB_ASSIGN_OR_RETURN(app->lock_, InstanceLock::Acquire(c.state.path));
    SB_ASSIGN_OR_RETURN(app->store_, pipeline::StateStore::Open(c.state.path));
  }

  app->aws_ = std::make_unique<AwsClients>(app->config_.aws, app->env_, http, clock);

  app->statuspage_bucket_ =
      std::make_unique<TokenBucket>(clock, c.statuspage.requests_per_second, 1.0);
  app->statuspage_http_ =
      std::make_unique<http::RateLimitedHttpClient>(http, *app->statuspage_bucket_, clock);
  statuspage::StatuspageOptions sp;
  sp.base_url = c.statuspage.base_url;
  sp.page_id = c.statuspage.page_id;
  sp.api_key = c.statuspage.api_key;
  sp.timeout = std::chrono::duration_cast<Millis>(c.statuspage.timeout);
  app->statuspage_ = statuspage::NewStatuspageClient(*app->statuspage_http_, clock, std::move(sp));

  SB_ASSIGN_OR_RETURN(
      app->collector_,
      pipeline::Collector::Create(app->config_.metrics, app->config_.aws.logs, *app->aws_));
  pipeline::PublisherOptions po;
  po.max_points_per_request = c.statuspage.max_points_per_request;
  std::function<bool()> should_stop = nullptr;
  if (stop != nullptr) should_stop = [stop] { return stop->stop_requested(); };
  app->publisher_ = std::make_unique<pipeline::Publisher>(
      *app->statuspage_, clock, *app->statuspage_bucket_, DefaultRandom(), po, should_stop);
  app->runner_ = std::make_unique<pipeline::Runner>(
      app->config_, *app->collector_, *app->store_, *app->publisher_, *app->statuspage_, clock,
      c.state.stateless() ? pipeline::Runner::WatermarkSource::kStatuspage
                          : pipeline::Runner::WatermarkSource::kStateStore,
      should_stop);
  return app;
}

pipeline::CycleReport App::RunOnce(bool dry_run, Millis timeout, std::ostream& out) {
  const MonotonicTime deadline = SaturatingAdd(clock_.Monotonic(), timeout);
  if (!dry_run) {
    return runner_->RunCycle(deadline, /*wait_for_deferred=*/true);
  }

  pipeline::CycleReport report;
  std::vector<pipeline::MetricResult> results = runner_->Preview(deadline, report);
  char line[512];
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
  return report;
}

void App::RunDaemon(StopToken& stop) {
  spdlog::info("statusbridge running: {} metrics, a cycle every {}, state {}",
               config_.metrics.size(), FormatDuration(config_.schedule.interval),
               config_.state.stateless() ? "in memory (stateless)" : config_.state.path);
  pipeline::RunDaemonLoop(*runner_, clock_, stop,
                          std::chrono::duration_cast<Millis>(config_.schedule.interval), LogCycle);
  Result<int64_t> pending = store_->PendingCount();
  spdlog::info("statusbridge stopping: {} points kept in the outbox for the next start",
               pending.ok() ? *pending : -1);
}

namespace {

// This process's peak resident set size in KiB (VmHWM in /proc/self/status), or -1.
int64_t PeakRssKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

}  // namespace

void LogCycle(const pipeline::CycleReport& report) {
  spdlog::info("{} peak_rss_kib={}", pipeline::FormatCycleReport(report), PeakRssKib());
  for (const std::string& e : report.errors) spdlog::warn("{}", e);
}

}  // namespace statusbridge::cli
