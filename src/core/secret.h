#pragma once

// Secret holds a credential (API key, AWS secret key, session token). It has no stream operator
// and no implicit conversion to string, so a secret cannot reach a log line or error message by
// accident; code that must put it on the wire calls reveal() at that one place.

#include <string>

namespace statusbridge {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  // What logs and dry-runs show instead of the value.
  static constexpr const char* kRedacted = "<redacted>";

  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

}  // namespace statusbridge
