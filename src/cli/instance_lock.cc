#include "cli/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace statusbridge::cli {
namespace {

std::string RealPath(const std::string& path, int* err) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) {
    *err = errno;
    return {};
  }
  return buf;
}

// Whether `text` is what we write into a lock file: decimal digits and a newline, nothing else.
bool LooksLikePid(std::string_view text) {
  if (text.empty()) {
    return true;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!(c >= '0' && c <= '9') && !(c == '\n' && i + 1 == text.size())) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::string> CanonicalStatePath(const std::string& state_path) {
  int err = 0;
  std::string resolved = RealPath(state_path, &err);
  if (!resolved.empty()) {
    return resolved;
  }
  // Not there yet (first start): resolve the directory it will be created in.
  std::filesystem::path p(state_path);
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  std::string dir_resolved = RealPath(dir, &err);
  if (dir_resolved.empty()) {
    return Status::FailedPrecondition("state file \"" + state_path + "\": directory \"" + dir +
                                      "\": " + std::strerror(err));
  }
  return (std::filesystem::path(dir_resolved) / p.filename()).string();
}

Result<std::unique_ptr<InstanceLock>> InstanceLock::Acquire(const std::string& state_path) {
  SB_ASSIGN_OR_RETURN(std::string canonical, CanonicalStatePath(state_path));
  const std::string path = canonical + ".lock";
  // O_NOFOLLOW: a symbolic link planted at the lock's name is refused, never followed. No O_TRUNC:
  // the file may not be ours.
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) {
    const int e = errno;
    if (e == ELOOP) {
      return Status::FailedPrecondition("lock file \"" + path +
                                        "\" is a symbolic link; refusing to follow it (remove it)");
    }
    return Status::FailedPrecondition("cannot open lock file \"" + path +
                                      "\": " + std::strerror(e));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
    close(fd);
    return Status::FailedPrecondition("lock file \"" + path +
                                      "\" is not a regular file with a single link; refusing to "
                                      "use it (remove it)");
  }
  char buf[32] = {0};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  const std::string content = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    std::string holder = LooksLikePid(content) ? content : "";
    while (!holder.empty() && holder.back() == '\n') {
      holder.pop_back();
    }
    if (err == EWOULDBLOCK) {
      return Status::FailedPrecondition(
          "another statusbridge is already running with state file \"" + canonical + "\"" +
          (holder.empty() ? "" : " (pid " + holder + ")") +
          "; only one instance may use a state file");
    }
    return Status::FailedPrecondition("cannot lock \"" + path + "\": " + std::strerror(err));
  }
  // Our pid, for the message above; only into a file that holds nothing else (a longer file, or
  // one with other text, is left as it is).
  if (st.st_size < static_cast<off_t>(sizeof buf) && LooksLikePid(content)) {
    std::string pid = std::to_string(getpid()) + "\n";
    if (ftruncate(fd, 0) == 0) {
      ssize_t ignored = pwrite(fd, pid.data(), pid.size(), 0);
      (void)ignored;
    }
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(fd, path));
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

}  // namespace statusbridge::cli
