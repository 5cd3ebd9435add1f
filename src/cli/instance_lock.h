#pragma once

// One daemon per state file: an exclusive flock(2) on "<canonical state path>.lock", held for the
// life of the process and released by the kernel when it exits (even on kill -9). A second
// instance gets a FailedPrecondition naming the file and the pid that holds it.
//
// The lock is taken on the state file's canonical path (symbolic links and "." / ".." resolved,
// in the state file's own name too when it exists), so two configs that reach one state file by
// different paths still exclude each other (two daemons on one API key would exceed its rate).
// The lock file itself is never followed when it is a symbolic link, must be a regular file with
// one link, and is truncated (to write our pid) only when it is empty or holds a pid as we write
// it: a planted "<state>.lock" cannot make us overwrite another file.

#include <memory>
#include <string>

#include "core/result.h"

namespace statusbridge::cli {

class InstanceLock {
 public:
  // Errors: FailedPrecondition (held by another process; the lock file is a symbolic link, not a
  // regular file, or has other hard links; the state file's directory does not exist; any other
  // open/lock failure, with errno's text).
  static Result<std::unique_ptr<InstanceLock>> Acquire(const std::string& state_path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

  // The lock file's path (canonical state path + ".lock").
  const std::string& path() const { return path_; }

 private:
  InstanceLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// The canonical form of `state_path`: realpath(3) of the file when it exists, otherwise of its
// directory joined with its name. FailedPrecondition when the directory cannot be resolved.
Result<std::string> CanonicalStatePath(const std::string& state_path);

}  // namespace statusbridge::cli
