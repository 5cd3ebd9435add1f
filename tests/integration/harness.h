#pragma once

// Test harness for end-to-end tests: runs the real binaries (statusbridge, statusbridge-sandbox)
// as child processes on loopback, with an explicit environment (nothing inherited but PATH, TMPDIR,
// the sanitizers' options and libfaketime's LD_PRELOAD/FAKETIME*), and talks to the sandbox's
// control API over HTTP.

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/time.h"

namespace statusbridge::testing {

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

using EnvVars = std::map<std::string, std::string>;

// Runs argv[0] with `env` and waits up to `timeout`. Output goes through temp files, so a chatty
// child never blocks.
ProcessResult RunProcess(const std::vector<std::string>& argv, const EnvVars& env,
                         Millis timeout = Millis(120000));

// A child process running in the background until Stop() or destruction (SIGTERM, then SIGKILL).
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const EnvVars& env,
                    const std::string& stdout_path, const std::string& stderr_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal` and waits for exit; returns the exit code (-1 if killed by a signal).
  int Stop(int signal = 15, Millis grace = Millis(10000));
  bool Running();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// A fresh directory under $TMPDIR removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// The statusbridge-sandbox binary started on 127.0.0.1 with an ephemeral port and the flat traffic
// shape (kSandboxShape in expected.h).
class Sandbox {
 public:
  static constexpr const char* kAccessKeyId = "AKIDSANDBOX";
  static constexpr const char* kSecretAccessKey = "SANDBOXSECRET";
  static constexpr const char* kApiKey = "sandbox-key";
  static constexpr const char* kPageId = "sandboxpage";

  explicit Sandbox(std::vector<std::string> extra_args = {});
  ~Sandbox();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // Control API helpers (abort the test on transport failure).
  nlohmann::json Get(const std::string& path) const;
  nlohmann::json Post(const std::string& path, const nlohmann::json& body) const;
  nlohmann::json Delete(const std::string& path) const;
  std::string log_path() const { return dir_.File("sandbox.log"); }

 private:
  TempDir dir_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

// Paths to the binaries under test (from the build).
std::string StatusbridgeBinary();
std::string SandboxBinary();

// Environment for running statusbridge against `sandbox` with the sandbox's credentials.
EnvVars SandboxEnv(const Sandbox& sandbox);

}  // namespace statusbridge::testing
