#include "aws/credential_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "http/http_client.h"

extern char** environ;

namespace statusbridge::aws {
namespace {

constexpr size_t kMaxOutput = 1 << 20;

// The outcome of running a program: how it ended and what it printed.
struct ProcessRun {
  bool timed_out = false;
  int wait_status = 0;  // from waitpid, valid when !timed_out
  std::string out;
  bool out_truncated = false;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string FormatMillis(Millis d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + "s";
  }
  return std::to_string(d.count()) + "ms";
}

// Spawns argv[0] (PATH lookup) in its own process group with stdin from /dev/null, stdout to a
// pipe and stderr inherited; reads stdout until EOF and waits for exit, both within `timeout`.
// The wait uses the real monotonic clock: it bounds a real child process, like curl's timeouts.
Result<ProcessRun> Spawn(const std::vector<std::string>& argv, Millis timeout,
                         const std::string& what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Status::Internal(what + ": pipe: " + std::strerror(errno));
  }
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  write_end.Reset();
  if (rc != 0) {
    return Status::FailedPrecondition(what + ": cannot run \"" + argv[0] +
                                      "\": " + std::strerror(rc));
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&]() -> int {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
  };
  ProcessRun run;
  bool eof = false;
  while (!eof) {
    int left = remaining_ms();
    if (left == 0) {
      run.timed_out = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    int n = ::poll(&p, 1, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      continue;  // timeout: the loop head notices
    }
    char buf[4096];
    ssize_t got = ::read(read_end.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      eof = true;
      break;
    }
    if (run.out.size() < kMaxOutput) {
      run.out.append(buf, static_cast<size_t>(got));
    } else {
      run.out_truncated = true;  // keep draining so the child is not blocked on a full pipe
    }
  }
  // stdout is closed; the process may still be running. Wait for it within what is left.
  while (!run.timed_out) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      run.wait_status = status;
      return run;
    }
    if (r < 0 && errno != EINTR) {
      return Status::Internal(what + ": waitpid: " + std::strerror(errno));
    }
    if (remaining_ms() == 0) {
      run.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(Millis(5));
  }
  ::kill(-pid, SIGKILL);  // the whole group: a shell script's children go too
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return run;
}

Result<std::string> RequiredString(const nlohmann::json& doc, const char* key,
                                   const std::string& what) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument(what + ": output has no string \"" + key + "\"");
  }
  return it->get<std::string>();
}

class ProcessProvider : public CredentialsProvider {
 public:
  ProcessProvider(std::string command_line, std::string where, Clock& clock, ProcessOptions options)
      : command_line_(std::move(command_line)),
        where_(std::move(where)),
        clock_(clock),
        options_(options) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    return RunCredentialProcess(command_line_, where_, clock_.Now(), options_);
  }
  std::string Name() const override { return "credential_process of " + where_; }

 private:
  const std::string command_line_;
  const std::string where_;
  Clock& clock_;
  const ProcessOptions options_;
};

}  // namespace

Result<std::vector<std::string>> SplitCommandLine(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 >= line.size()) {
        return Status::InvalidArgument("credential_process ends with an escape character");
      }
      word += line[++i];
    } else if (c == '\'') {
      size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return Status::InvalidArgument("credential_process has no closing quotation (')");
      }
      word.append(line.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      bool closed = false;
      for (++i; i < line.size(); ++i) {
        char d = line[i];
        if (d == '"') {
          closed = true;
          break;
        }
        // Inside double quotes a backslash escapes only '"' and '\' (shlex's POSIX mode).
        if (d == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
          d = line[++i];
        }
        word += d;
      }
      if (!closed) {
        return Status::InvalidArgument("credential_process has no closing quotation (\")");
      }
    } else {
      word += c;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

Result<Credentials> RunCredentialProcess(const std::string& command_line, const std::string& where,
                                         SystemTime now, const ProcessOptions& options) {
  Result<std::vector<std::string>> argv = SplitCommandLine(command_line);
  if (!argv.ok()) {
    return argv.status().WithContext(where);
  }
  if (argv->empty()) {
    return Status::InvalidArgument(where + ": credential_process is empty");
  }
  const std::string what = "credential_process \"" + argv->front() + "\" of " + where;
  SB_ASSIGN_OR_RETURN(ProcessRun run, Spawn(*argv, options.timeout, what));
  if (run.timed_out) {
    return Status::DeadlineExceeded(what + ": did not finish within " +
                                    FormatMillis(options.timeout) + "; killed");
  }
  if (WIFSIGNALED(run.wait_status)) {
    return Status::FailedPrecondition(what + ": killed by signal " +
                                      std::to_string(WTERMSIG(run.wait_status)) +
                                      " (its stderr, if any, is above in our stderr)");
  }
  if (WEXITSTATUS(run.wait_status) != 0) {
    return Status::FailedPrecondition(what + ": exited with status " +
                                      std::to_string(WEXITSTATUS(run.wait_status)) +
                                      " (its stderr, if any, is above in our stderr)");
  }
  if (run.out_truncated) {
    return Status::InvalidArgument(what + ": output is larger than 1 MiB");
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(run.out);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() quotes the input near the error, which may be a secret: give the offset only.
    return Status::InvalidArgument(what + ": output is not JSON (error at byte " +
                                   std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception&) {
    // A number too large for a double ("1e999") is out_of_range, not parse_error.
    return Status::InvalidArgument(what + ": output is not JSON (a number is out of range)");
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument(what + ": output is not a JSON object");
  }
  auto version = doc.find("Version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int64_t>() != 1) {
    return Status::InvalidArgument(what + ": output \"Version\" must be 1" +
                                   (version == doc.end()
                                        ? std::string(" (it is missing)")
                                        : " (got " + http::Snippet(version->dump(), 32) + ")"));
  }
  SB_ASSIGN_OR_RETURN(std::string id, RequiredString(doc, "AccessKeyId", what));
  SB_ASSIGN_OR_RETURN(std::string secret, RequiredString(doc, "SecretAccessKey", what));
  Credentials c;
  c.access_key_id = std::move(id);
  c.secret_access_key = Secret(std::move(secret));
  if (auto token = doc.find("SessionToken"); token != doc.end() && !token->is_null()) {
    if (!token->is_string()) {
      return Status::InvalidArgument(what + ": output \"SessionToken\" is not a string");
    }
    c.session_token = Secret(token->get<std::string>());
  }
  if (auto exp = doc.find("Expiration"); exp != doc.end() && !exp->is_null()) {
    if (!exp->is_string()) {
      return Status::InvalidArgument(what + ": output \"Expiration\" is not a string");
    }
    Result<SystemTime> t = ParseIso8601(exp->get_ref<const std::string&>());
    if (!t.ok()) {
      return Status::InvalidArgument(what + ": output \"Expiration\" is not an ISO 8601 time (" +
                                     http::Snippet(exp->get_ref<const std::string&>(), 40) + ")");
    }
    if (*t <= now) {
      return Status::PermissionDenied(what + ": returned credentials that expired at " +
                                      FormatIso8601(*t));
    }
    c.expiration = *t;
  }
  c.source = "credential_process of " + where;
  return c;
}

std::unique_ptr<CredentialsProvider> NewProcessProvider(std::string command_line, std::string where,
                                                        Clock& clock, ProcessOptions options) {
  return std::make_unique<ProcessProvider>(std::move(command_line), std::move(where), clock,
                                           options);
}

}  // namespace statusbridge::aws
