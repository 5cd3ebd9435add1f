#pragma once

// One daemon per state file: an exclusive flock(2) on "<state path>.lock", held for the life of
// the process and released by the kernel when it exits (even on kill -9). A second instance gets
// a FailedPrecondition naming the file and the pid that holds it.

#include <memory>
#include <string>

#include "core/result.h"

namespace statusbridge::cli {

class InstanceLock {
 public:
  static Result<std::unique_ptr<InstanceLock>> Acquire(const std::string& state_path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace statusbridge::cli
