#pragma once

// Temporary AWS credentials the sandbox's CloudWatch and Logs accept besides their configured
// long-term key: what an STS, container or instance-metadata endpoint handed out. Registered
// through the control API (POST /_sandbox/credentials) by whoever issued them; a request signed
// with one must carry its session token (X-Amz-Security-Token, signed) and is refused with
// ExpiredToken once `expiration` has passed, as AWS does.
//
// Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/time.h"

namespace statusbridge::sandbox {

class TemporaryCredentials {
 public:
  struct Entry {
    std::string secret_access_key;
    std::string session_token;
    SystemTime expiration;
  };

  void Add(const std::string& access_key_id, Entry entry) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_[access_key_id] = std::move(entry);
  }
  std::optional<Entry> Find(const std::string& access_key_id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(access_key_id);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace statusbridge::sandbox
