#include "core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace statusbridge {
namespace {

// What a non-regular file is, for "is <what>, not a regular file"; nullptr when unknown.
const char* FileKind(mode_t mode) {
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO (named pipe)";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  return nullptr;
}

Status NotRegular(mode_t mode) {
  const char* kind = FileKind(mode);
  if (kind == nullptr) {
    return Status::FailedPrecondition("is not a regular file");
  }
  return Status::FailedPrecondition("is " + std::string(kind) + ", not a regular file");
}

Status OpenError(const std::string& path, int err) {
  if (err == ENOENT || err == ENOTDIR) {
    return Status::NotFound(std::strerror(err));
  }
  // A Unix socket cannot be opened at all (ENXIO, "No such device or address"): say what it is.
  if (err == ENXIO) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      return NotRegular(st.st_mode);
    }
  }
  return Status::FailedPrecondition(std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string FormatByteSize(size_t bytes) {
  constexpr size_t kKiB = 1024;
  constexpr size_t kMiB = kKiB * 1024;
  if (bytes != 0 && bytes % kMiB == 0) {
    return std::to_string(bytes / kMiB) + " MiB";
  }
  if (bytes != 0 && bytes % kKiB == 0) {
    return std::to_string(bytes / kKiB) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever. It has no
  // effect on reading a regular file.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    return OpenError(path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Status::FailedPrecondition(std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return NotRegular(st.st_mode);
  }
  const Status too_large =
      Status::FailedPrecondition("is larger than " + FormatByteSize(max_bytes));
  if (st.st_size > 0 && static_cast<unsigned long long>(st.st_size) > max_bytes) {
    return too_large;
  }
  // The size is a hint only (files in /proc say 0; a file may grow while we read): the loop stops
  // one byte past the limit whatever it said.
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Status::FailedPrecondition(std::strerror(errno));
    }
    if (n == 0) {
      break;
    }
    if (static_cast<size_t>(n) > max_bytes - out.size()) {
      return too_large;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace statusbridge
