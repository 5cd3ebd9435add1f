#include "cli/commands.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ostream>

#include "cli/app.h"
#include "cli/iam_policy.h"
#include "http/curl_http_client.h"
#include "pipeline/config.h"

namespace statusbridge::cli {
namespace {

Result<pipeline::Config> Load(const std::string& path, const EnvLookup& env, std::ostream& err) {
  Result<pipeline::Config> config = pipeline::LoadConfigFile(path, env);
  if (!config.ok()) err << "statusbridge: " << path << ": " << config.status().message() << "\n";
  return config;
}

// What `once` and `run` run on: the real clock and transport, and the App built on them (which
// keeps references to both, so they live together).
struct Process {
  SystemClock clock;
  http::CurlHttpClient http;
  std::unique_ptr<App> app;
};

// Loads `path` and builds the App; nullptr, with the error written to `err`, when either fails.
std::unique_ptr<Process> Start(const std::string& path, const EnvLookup& env, StopToken& stop,
                               std::ostream& err) {
  Result<pipeline::Config> config = Load(path, env, err);
  if (!config.ok()) {
    return nullptr;
  }
  auto process = std::make_unique<Process>();
  Result<std::unique_ptr<App>> app =
      App::Create(std::move(config).value(), env, process->http, process->clock, &stop);
  if (!app.ok()) {
    err << "statusbridge: " << app.status().message() << "\n";
    return nullptr;
  }
  process->app = std::move(app).value();
  return process;
}

}  // namespace

int CheckConfigCommand(const std::string& config_path, const EnvLookup& env, std::ostream& out,
                       std::ostream& err) {
  Result<pipeline::Config> config = Load(config_path, env, err);
  if (!config.ok()) return kExitBadConfig;
  out << config_path << ": OK, " << config->metrics.size() << " metric"
      << (config->metrics.size() == 1 ? "" : "s") << "\n";
  for (const pipeline::MetricConfig& m : config->metrics) {
    out << "  " << m.name << " -> " << m.statuspage_metric_id << " (period "
        << FormatDuration(m.period) << ", delay " << FormatDuration(m.delay) << ", "
        << m.queries.size() << " quer" << (m.queries.size() == 1 ? "y" : "ies") << ")\n";
  }
  return kExitDelivered;
}

int IamPolicyCommand(const std::string& config_path, const std::string& role_arn,
                     const EnvLookup& env, std::ostream& out, std::ostream& err) {
  Result<pipeline::Config> config = Load(config_path, env, err);
  if (!config.ok()) return kExitBadConfig;
  std::vector<std::string> roles = ConfiguredRoles(*config);
  if (!role_arn.empty() && std::find(roles.begin(), roles.end(), role_arn) == roles.end()) {
    err << "statusbridge: --role " << role_arn << ": the config does not assume this role\n";
    return kExitBadConfig;
  }
  out << IamPolicy(*config, role_arn).dump(2) << "\n";
  if (role_arn.empty() && !roles.empty()) {
    err << "statusbridge: this is the policy of the identity statusbridge runs as; each role it "
           "assumes needs its own (and a trust policy allowing that identity):\n";
    for (const std::string& r : roles) {
      err << "  statusbridge iam-policy -c " << config_path << " --role " << r << "\n";
    }
  }
  return kExitDelivered;
}

int OnceCommand(const OnceOptions& options, const EnvLookup& env, StopToken& stop,
                const std::function<int()>& stopped_exit_code, std::ostream& out,
                std::ostream& err) {
  std::unique_ptr<Process> process = Start(options.config_path, env, stop, err);
  if (process == nullptr) {
    return kExitBadConfig;
  }
  std::unique_ptr<App>& app = process->app;
  pipeline::CycleReport report = app->RunOnce(options.dry_run, options.timeout, out);
  LogCycle(report);
  if (stop.stop_requested()) {
    const pipeline::Config& c = app->config();
    const int64_t pending = report.publish.points_pending;
    if (options.dry_run) {
      err << "statusbridge: stopped before the dry run finished\n";
    } else if (c.state.stateless()) {
      err << "statusbridge: stopped; " << pending
          << " points were not delivered (stateless: the next run reads them again from "
             "CloudWatch)\n";
    } else {
      err << "statusbridge: stopped; " << pending << " points kept in " << c.state.path
          << " for the next run\n";
    }
    return stopped_exit_code();
  }
  if (!report.status.ok()) {
    err << "statusbridge: not everything was " << (options.dry_run ? "read" : "delivered") << ": "
        << report.status.message() << "\n";
    return kExitNotDelivered;
  }
  return kExitDelivered;
}

int RunCommand(const std::string& config_path, const EnvLookup& env, StopToken& stop,
               std::ostream& err) {
  std::unique_ptr<Process> process = Start(config_path, env, stop, err);
  if (process == nullptr) {
    return kExitBadConfig;
  }
  process->app->RunDaemon(stop);
  return kExitDelivered;
}

}  // namespace statusbridge::cli
