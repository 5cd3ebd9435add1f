#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http/curl_http_client.h"

extern char** environ;

namespace statusbridge::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::vector<std::string>& argv, const EnvVars& env, const std::string& out,
            const std::string& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> env_strings;
  EnvVars full = env;
  if (const char* path = std::getenv("PATH"); path != nullptr && !full.count("PATH"))
    full["PATH"] = path;
  // Sanitizer settings pass through so child processes of an asan build report the same way, and
  // libfaketime's so that a suite run under `faketime` runs its children on the same fake clock.
  for (const char* name :
       {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR", "LD_PRELOAD", "FAKETIME",
        "FAKETIME_SHARED", "FAKETIME_DONT_FAKE_MONOTONIC", "DONT_FAKE_MONOTONIC"}) {
    if (const char* v = std::getenv(name); v != nullptr && !full.count(name)) full[name] = v;
  }
  for (const auto& [k, v] : full) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv_c, env_c;
  for (const auto& a : argv) argv_c.push_back(const_cast<char*>(a.c_str()));
  argv_c.push_back(nullptr);
  for (auto& e : env_strings) env_c.push_back(e.data());
  env_c.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv_c[0], &actions, nullptr, argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error("posix_spawn " + argv[0] + " failed: " + std::to_string(rc));
  return pid;
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv, const EnvVars& env, Millis timeout) {
  TempDir dir;
  std::string out = dir.File("out"), err = dir.File("err");
  pid_t pid = Spawn(argv, env, out, err);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  ProcessResult result;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      result.exit_code = ExitCode(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.exit_code = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const EnvVars& env,
                                     const std::string& stdout_path, const std::string& stderr_path)
    : pid_(Spawn(argv, env, stdout_path, stderr_path)) {}

BackgroundProcess::~BackgroundProcess() {
  if (!reaped_) Stop(SIGKILL, Millis(5000));
}

bool BackgroundProcess::Running() {
  if (reaped_) return false;
  pid_t r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

int BackgroundProcess::Stop(int signal, Millis grace) {
  if (!reaped_) {
    kill(pid_, signal);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (Running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
  }
  return ExitCode(status_);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sbtest-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::Write(const std::string& name, const std::string& content) const {
  std::ofstream(File(name), std::ios::binary) << content;
}

Sandbox::Sandbox(std::vector<std::string> extra_args) {
  std::vector<std::string> argv = {SandboxBinary(),
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   "0",
                                   "--port-file",
                                   dir_.File("port"),
                                   "--log",
                                   log_path(),
                                   "--quiet",
                                   "--access-key-id",
                                   kAccessKeyId,
                                   "--secret-access-key",
                                   kSecretAccessKey,
                                   "--api-key",
                                   kApiKey,
                                   "--page-id",
                                   kPageId};
  // The same volume at every hour: a test's cost and timing do not depend on when it runs
  // (expected.h computes its values with the same shape).
  argv.insert(argv.end(), {"--traffic-shape", "flat"});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<BackgroundProcess>(argv, EnvVars{}, dir_.File("stdout"),
                                                 dir_.File("stderr"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadFile(dir_.File("port"));
    if (!text.empty()) {
      port_ = std::stoi(text);
      return;
    }
    if (!process_->Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("sandbox did not start: " + ReadFile(dir_.File("stderr")));
}

Sandbox::~Sandbox() { process_->Stop(SIGTERM, Millis(5000)); }

nlohmann::json Sandbox::Get(const std::string& path) const {
  http::CurlHttpClient client;
  http::HttpRequest req;
  req.url = url() + path;
  req.headers = {{"Connection", "close"}};  // no keep-alive: the sandbox stops without waiting
  auto resp = client.Send(req);
  if (!resp.ok() || resp->status != 200) {
    throw std::runtime_error(
        "GET " + path + " failed: " +
        (resp.ok() ? std::to_string(resp->status) + " " + resp->body : resp.status().ToString()));
  }
  return nlohmann::json::parse(resp->body);
}

nlohmann::json Sandbox::Post(const std::string& path, const nlohmann::json& body) const {
  http::CurlHttpClient client;
  http::HttpRequest req;
  req.method = "POST";
  req.url = url() + path;
  req.headers = {{"Content-Type", "application/json"}, {"Connection", "close"}};
  req.body = body.dump();
  auto resp = client.Send(req);
  if (!resp.ok() || resp->status >= 300) {
    throw std::runtime_error(
        "POST " + path + " failed: " +
        (resp.ok() ? std::to_string(resp->status) + " " + resp->body : resp.status().ToString()));
  }
  return resp->body.empty() ? nlohmann::json() : nlohmann::json::parse(resp->body);
}

nlohmann::json Sandbox::Delete(const std::string& path) const {
  http::CurlHttpClient client;
  http::HttpRequest req;
  req.method = "DELETE";
  req.url = url() + path;
  req.headers = {{"Connection", "close"}};
  auto resp = client.Send(req);
  if (!resp.ok() || resp->status >= 300) {
    throw std::runtime_error(
        "DELETE " + path + " failed: " +
        (resp.ok() ? std::to_string(resp->status) + " " + resp->body : resp.status().ToString()));
  }
  return resp->body.empty() ? nlohmann::json() : nlohmann::json::parse(resp->body);
}

std::string StatusbridgeBinary() { return SB_STATUSBRIDGE_BIN; }
std::string SandboxBinary() { return SB_SANDBOX_BIN; }

EnvVars SandboxEnv(const Sandbox& sandbox) {
  return {{"AWS_ACCESS_KEY_ID", Sandbox::kAccessKeyId},
          {"AWS_SECRET_ACCESS_KEY", Sandbox::kSecretAccessKey},
          {"STATUSPAGE_API_KEY", Sandbox::kApiKey},
          {"SANDBOX_URL", sandbox.url()},
          {"HOME", "/nonexistent"}};
}

}  // namespace statusbridge::testing
