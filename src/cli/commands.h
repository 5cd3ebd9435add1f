#pragma once

// The commands behind `statusbridge <command>`. Each returns the process exit code and writes
// what the user sees to `out` (results) and `err` (errors, one clear line each). Logs go through
// spdlog to stderr. main.cc only parses argv and calls these.
//
// Exit codes: 0 delivered (or stopped cleanly), 1 not everything delivered, 2 bad config or
// usage, or the state file cannot be used (locked by another instance, not a state file).

#include <functional>
#include <iosfwd>
#include <string>

#include "core/env.h"
#include "core/stop_token.h"
#include "core/time.h"

namespace statusbridge::cli {

struct OnceOptions {
  std::string config_path;
  bool dry_run = false;
  Millis timeout{120000};  // the whole cycle: reads and delivery
};

// Validates the config without touching the network. 0 when valid, 2 otherwise.
int CheckConfigCommand(const std::string& config_path, const EnvLookup& env, std::ostream& out,
                       std::ostream& err);

// One cycle. 0 when every point was delivered (or printed, with --dry-run) and every metric read;
// 1 when anything was not; 2 for a bad config or unusable state file. When `stop` is requested
// (main.cc wires SIGTERM/SIGINT to it) the request in flight finishes, Logs Insights queries are
// stopped, one line says what was kept (or, stateless, what the next run reads again), and the
// result is `stopped_exit_code` (128 + the signal, as a shell expects of a killed command).
int OnceCommand(const OnceOptions& options, const EnvLookup& env, StopToken& stop,
                const std::function<int()>& stopped_exit_code, std::ostream& out,
                std::ostream& err);

// Prints the least-privilege IAM policy (JSON) the config needs for the base identity, or for
// `role_arn` (one of the roles it assumes). No network. 0, or 2 for a bad config / unknown role.
int IamPolicyCommand(const std::string& config_path, const std::string& role_arn,
                     const EnvLookup& env, std::ostream& out, std::ostream& err);

// The daemon, until `stop` is requested (main.cc wires SIGTERM/SIGINT to it). 0 on a clean stop.
int RunCommand(const std::string& config_path, const EnvLookup& env, StopToken& stop,
               std::ostream& err);

}  // namespace statusbridge::cli
