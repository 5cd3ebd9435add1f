// statusbridge: publishes CloudWatch metrics to Statuspage. argv parsing only; see commands.h.

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <iostream>
#include <thread>

#include "cli/commands.h"

int main(int argc, char** argv) {
  constexpr int kExitBadConfig = 2;  // see commands.h
  // A state file or log that reaches RLIMIT_FSIZE must fail with EFBIG (which SQLite reports),
  // not kill the process without a word.
  signal(SIGXFSZ, SIG_IGN);
  // Block SIGTERM/SIGINT from the first instruction, so a signal that arrives while the daemon
  // starts is not fatal; `once` and `run` turn them into a stop request below, the other
  // commands unblock them again.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto logger = spdlog::stderr_color_mt("statusbridge");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  CLI::App app{"statusbridge: publishes AWS CloudWatch metrics to Atlassian Statuspage"};
  app.set_version_flag("--version", "statusbridge " STATUSBRIDGE_VERSION);
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  std::string config_path;
  auto* check = app.add_subcommand("check-config", "Validate a config file (no network)");
  check->add_option("-c,--config", config_path, "config file")->required();

  statusbridge::cli::OnceOptions once_options;
  std::string timeout_text = "2m";
  auto* once = app.add_subcommand("once", "Run one cycle: read, compute, publish, exit");
  once->add_option("-c,--config", once_options.config_path, "config file")->required();
  once->add_flag("--dry-run", once_options.dry_run,
                 "print the points that would be published; send nothing to Statuspage");
  once->add_option("--timeout", timeout_text, "deadline for the whole cycle (e.g. 90s, 5m)");

  std::string policy_config, policy_role;
  auto* policy =
      app.add_subcommand("iam-policy", "Print the least-privilege IAM policy the config needs");
  policy->add_option("-c,--config", policy_config, "config file")->required();
  policy->add_option("--role", policy_role, "print the policy of this assumed role instead");

  std::string run_config;
  auto* run =
      app.add_subcommand("run", "Run as a daemon: a cycle every schedule.interval until SIGTERM");
  run->add_option("-c,--config", run_config, "config file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadConfig;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  auto env = statusbridge::ProcessEnv();
  // SIGTERM/SIGINT become a stop request, seen by a dedicated thread (no work in a handler):
  // the in-flight request finishes, the rest stays in the outbox.
  static statusbridge::StopToken stop;
  static std::atomic<int> stop_signal{0};
  if (*run || *once) {
    std::thread([signals] {
      int sig = 0;
      sigwait(&signals, &sig);
      stop_signal = sig;
      spdlog::info("received {}, stopping after the request in flight",
                   sig == SIGTERM ? "SIGTERM" : "SIGINT");
      stop.RequestStop();
    }).detach();
  } else {
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  }
  if (*check) {
    return statusbridge::cli::CheckConfigCommand(config_path, env, std::cout, std::cerr);
  }
  if (*policy) {
    return statusbridge::cli::IamPolicyCommand(policy_config, policy_role, env, std::cout,
                                               std::cerr);
  }
  if (*once) {
    auto timeout = statusbridge::ParseDuration(timeout_text);
    if (!timeout.ok() || timeout->count() <= 0) {
      std::cerr << "statusbridge: --timeout: "
                << (timeout.ok() ? "must be positive" : timeout.status().message()) << "\n";
      return kExitBadConfig;
    }
    once_options.timeout = std::chrono::duration_cast<statusbridge::Millis>(*timeout);
    return statusbridge::cli::OnceCommand(
        once_options, env, stop, [] { return 128 + stop_signal.load(); }, std::cout, std::cerr);
  }
  if (*run) {
    return statusbridge::cli::RunCommand(run_config, env, stop, std::cerr);
  }
  return kExitBadConfig;
}
