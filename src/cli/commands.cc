#include "cli/commands.h"

#include <spdlog/spdlog.h>

#include <ostream>

#include "cli/app.h"
#include "http/curl_http_client.h"
#include "pipeline/config.h"

namespace statusbridge::cli {

int CheckConfigCommand(const std::string& config_path, const EnvLookup& env, std::ostream& out,
                       std::ostream& err) {
  Result<pipeline::Config> config = pipeline::LoadConfigFile(config_path, env);
  if (!config.ok()) {
    err << "statusbridge: " << config_path << ": " << config.status().message() << "\n";
    return kExitBadConfig;
  }
  out << config_path << ": OK, " << config->metrics.size() << " metric"
      << (config->metrics.size() == 1 ? "" : "s") << "\n";
  for (const pipeline::MetricConfig& m : config->metrics) {
    out << "  " << m.name << " -> " << m.statuspage_metric_id << " (period "
        << FormatDuration(m.period) << ", delay " << FormatDuration(m.delay) << ", "
        << m.queries.size() << " quer" << (m.queries.size() == 1 ? "y" : "ies") << ")\n";
  }
  return kExitDelivered;
}

int OnceCommand(const OnceOptions& options, const EnvLookup& env, std::ostream& out,
                std::ostream& err) {
  Result<pipeline::Config> config = pipeline::LoadConfigFile(options.config_path, env);
  if (!config.ok()) {
    err << "statusbridge: " << options.config_path << ": " << config.status().message() << "\n";
    return kExitBadConfig;
  }
  SystemClock clock;
  http::CurlHttpClient http;
  Result<std::unique_ptr<App>> app = App::Create(std::move(config).value(), env, http, clock);
  if (!app.ok()) {
    err << "statusbridge: " << app.status().message() << "\n";
    return kExitBadConfig;
  }
  CycleSummary s = (*app)->RunOnce(options.dry_run, options.timeout, out);
  spdlog::info("{}", FormatCycleSummary(s));
  for (const std::string& e : s.publish.errors) spdlog::warn("statuspage: {}", e);
  if (!s.status.ok()) {
    err << "statusbridge: not everything was delivered: " << s.status.message() << "\n";
    return kExitNotDelivered;
  }
  return kExitDelivered;
}

}  // namespace statusbridge::cli
