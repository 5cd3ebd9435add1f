#pragma once

// Secret holds a credential (API key, AWS secret key, session token). It has no stream operator
// and no implicit conversion to string, so a secret cannot reach a log line or error message by
// accident; code that must put it on the wire calls reveal() at that one place.
//
// Every Secret of 8 bytes or more is also remembered (core/redact.h) so that a server echoing it
// back, anywhere in its text, never gets it into an error message: RedactCredentials replaces the
// value itself, not only values it recognises by their names.

#include <string>

namespace statusbridge {

// Adds `value` to the process-wide list RedactCredentials removes (values under 8 bytes are too
// likely to be ordinary text and are ignored; the list keeps the newest 256). Thread-safe.
void RememberSecret(const std::string& value);

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) { RememberSecret(value_); }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  // What logs and dry-runs show instead of the value.
  static constexpr const char* kRedacted = "<redacted>";

  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

}  // namespace statusbridge
