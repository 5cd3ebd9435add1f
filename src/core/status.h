#pragma once

// Status is how every module reports failure to its caller. Codes are named for the decision the
// caller makes (retry, stop, fix the config), not for where the error came from. Messages are for
// people: they name the request or key that failed and what the other side said, and never carry a
// secret. Exceptions from third-party libraries are caught at the adapter and become a Status; none
// crosses a module boundary.
//
// Thread-safe as a value type (immutable after construction).

#include <string>
#include <string_view>

namespace statusbridge {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // Our input is wrong (config, expression, request). Never retried.
  kNotFound,            // The thing named does not exist (metric id, profile, file).
  kPermissionDenied,    // Credentials or API key rejected. Stop and tell the operator.
  kResourceExhausted,   // Throttled or rate limited. Retry after backoff / Retry-After.
  kUnavailable,         // Transport failure or 5xx. Retry with backoff.
  kDeadlineExceeded,    // Timed out. Retry with backoff.
  kFailedPrecondition,  // The system is not in a state where this can work (locked state file).
  kDataLoss,            // State file unreadable or corrupt.
  kInternal,            // A bug in statusbridge, or a response we cannot make sense of.
};

// "InvalidArgument", "Unavailable", ...
std::string_view StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "Unavailable: GetMetricData: HTTP 503 ..." or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>". OK stays OK.
  Status WithContext(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// True for codes where the same request may succeed later (ResourceExhausted, Unavailable,
// DeadlineExceeded). The one place that decides retryability: never match on message text.
bool IsRetryable(const Status& status);

}  // namespace statusbridge

// Returns early from the enclosing function if `expr` (a Status) is not OK.
#define SB_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::statusbridge::Status sb_status_ = (expr); \
    if (!sb_status_.ok()) return sb_status_;    \
  } while (0)

#define SB_CONCAT_INNER_(a, b) a##b
#define SB_CONCAT_(a, b) SB_CONCAT_INNER_(a, b)

// `SB_ASSIGN_OR_RETURN(auto x, ResultExpr());` declares x from the value or returns the Status.
#define SB_ASSIGN_OR_RETURN(lhs, expr) \
  SB_ASSIGN_OR_RETURN_IMPL_(SB_CONCAT_(sb_result_, __LINE__), lhs, expr)
#define SB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
