// statusbridge-sandbox: a local emulator of the CloudWatch (GetMetricData, JSON 1.0), CloudWatch
// Logs Insights (JSON 1.1) and Statuspage v1 APIs statusbridge uses, with a control API. See
// README.md in this directory.
//
// Once it accepts connections it prints "statusbridge-sandbox listening on http://HOST:PORT"
// (flushed), then writes the port to --port-file (atomically, via a temporary file and rename);
// it exits 0 on SIGTERM or SIGINT after stopping the server.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "core/clock.h"
#include "core/time.h"
#include "sandbox_server.h"
#include "traffic.h"

namespace {

using statusbridge::Seconds;
using statusbridge::Status;
using statusbridge::sandbox::SandboxOptions;
using statusbridge::sandbox::SandboxServer;

Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    out.close();
    if (!out) {
      return Status::Unavailable("cannot write " + tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::Unavailable("cannot rename " + tmp + " to " + path);
  }
  return Status::Ok();
}

// CLI11 validator/transform for durations such as "60s", "5m", "1h30m" or bare seconds.
bool ParseDurationFlag(const std::string& text, Seconds& out, std::string& error) {
  auto parsed = statusbridge::ParseDuration(text);
  if (!parsed.ok()) {
    error = parsed.status().message();
    return false;
  }
  out = *parsed;
  return true;
}

// "1500ms", or anything ParseDuration reads ("2s", "1m", "0").
bool ParseMillisFlag(const std::string& text, statusbridge::Millis& out, std::string& error) {
  if (text.size() > 2 && text.compare(text.size() - 2, 2, "ms") == 0) {
    const std::string digits = text.substr(0, text.size() - 2);
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
      error = "expected whole milliseconds such as 1500ms, got \"" + text + "\"";
      return false;
    }
    out = statusbridge::Millis(std::stoll(digits));
    return true;
  }
  Seconds seconds{0};
  if (!ParseDurationFlag(text, seconds, error)) {
    return false;
  }
  out = seconds;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  SandboxOptions options;
  std::string port_file;
  std::string rate_window = "60s";
  std::string ingest_lag = "0s";
  std::string logs_query_latency = "1500ms";
  std::string traffic_shape = "daily";

  CLI::App app{
      "statusbridge-sandbox: local CloudWatch (GetMetricData), CloudWatch Logs Insights and "
      "Statuspage v1 emulator"};
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", port_file, "Write the bound port to this file (atomically)");
  app.add_option("--access-key-id", options.access_key_id, "AWS access key id accepted")
      ->capture_default_str();
  app.add_option("--secret-access-key", options.secret_access_key,
                 "AWS secret access key signatures are checked with")
      ->capture_default_str();
  app.add_option("--also-region", options.extra_regions,
                 "Another region signatures may be scoped to (repeatable; one sandbox then stands "
                 "in for several regional endpoints)");
  app.add_option("--region", options.region, "AWS region of the signing scope")
      ->capture_default_str();
  app.add_option("--api-key", options.api_key, "Statuspage API key accepted")
      ->capture_default_str();
  app.add_option("--page-id", options.page_id, "Statuspage page id served")->capture_default_str();
  app.add_option("--rate-limit", options.rate_limit,
                 "Statuspage requests allowed per key per --rate-window; 0 disables")
      ->capture_default_str();
  app.add_option("--rate-window", rate_window, "Rolling window of the rate limit (e.g. 60s, 1m)")
      ->capture_default_str();
  app.add_option("--rate-limit-status", options.rate_limit_status,
                 "HTTP status of rate-limited responses (420 or 429)")
      ->capture_default_str();
  app.add_option("--max-datapoints-per-page", options.max_datapoints_per_page,
                 "GetMetricData datapoints per response before NextToken")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--strict-metrics", options.strict_metrics,
               "Reject data for Statuspage metrics not registered via the control API");
  app.add_option("--seed", options.seed, "Seed of the demo traffic generator")
      ->capture_default_str();
  app.add_option("--traffic-shape", traffic_shape,
                 "Shape of the demo traffic over the UTC day: daily (a sinusoid, peak at 15:00 "
                 "UTC) or flat (the same volume at every hour, for tests)")
      ->capture_default_str()
      ->check(CLI::IsMember({"daily", "flat"}));
  app.add_option("--fleet", options.fleet,
                 "Also generate data for N load balancers app/demo-alb-<k>/50dc6c495c0c9188 "
                 "(k < N), for benchmarks")
      ->capture_default_str();
  app.add_option("--ingest-lag", ingest_lag,
                 "Generated CloudWatch minutes become visible this long after they end")
      ->capture_default_str();
  app.add_option("--logs-query-latency", logs_query_latency,
                 "A Logs Insights query is Scheduled, then Running, and Complete this long after "
                 "StartQuery at the earliest, once its background scan has finished (e.g. 1500ms, "
                 "2s, 0)")
      ->capture_default_str();
  app.add_option("--logs-max-concurrent", options.logs_max_concurrent,
                 "Logs Insights queries Scheduled or Running at once before StartQuery answers "
                 "LimitExceededException")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--log", options.log_path, "Append one line per request to this file");
  app.add_flag("--quiet", options.quiet, "Do not log requests to stderr");
  app.add_option("--threads", options.threads, "HTTP worker threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::string error;
  if (!ParseDurationFlag(rate_window, options.rate_window, error)) {
    std::cerr << "statusbridge-sandbox: --rate-window: " << error << "\n";
    return 2;
  }
  if (!ParseDurationFlag(ingest_lag, options.ingest_lag, error)) {
    std::cerr << "statusbridge-sandbox: --ingest-lag: " << error << "\n";
    return 2;
  }
  if (!ParseMillisFlag(logs_query_latency, options.logs_query_latency, error)) {
    std::cerr << "statusbridge-sandbox: --logs-query-latency: " << error << "\n";
    return 2;
  }
  options.traffic_shape = *statusbridge::sandbox::ParseTrafficShape(traffic_shape);

  // Block the stop signals before any thread starts, so only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  statusbridge::SystemClock clock;
  SandboxServer server(options, clock);
  if (Status status = server.Start(); !status.ok()) {
    std::cerr << "statusbridge-sandbox: " << status.ToString() << "\n";
    return 1;
  }
  std::cout << "statusbridge-sandbox listening on " << server.base_url() << std::endl;
  if (!port_file.empty()) {
    if (Status status = WritePortFile(port_file, server.port()); !status.ok()) {
      std::cerr << "statusbridge-sandbox: " << status.ToString() << "\n";
      server.Stop();
      return 1;
    }
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.Stop();
  return 0;
}
