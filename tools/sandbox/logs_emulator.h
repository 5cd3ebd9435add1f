#pragma once

// The sandbox's CloudWatch Logs endpoint: `POST /` with X-Amz-Target Logs_20140328.<Operation>, in
// the AWS JSON 1.1 protocol. Serves StartQuery, GetQueryResults, StopQuery and DescribeQueries
// (logs_service.h). Checks, in order:
//   Content-Type application/x-amz-json-1.1 and a served target   else 400
//   UnknownOperationException SigV4 with signing service "logs" (sigv4_verifier.h)           else
//   403, counted in
//                                                                  auth_failures
//   the operation's input (logs_service.h)                         else 400
// Errors are JSON 1.1 documents without x-amzn-query-error (CloudWatch Logs is not
// query-compatible):
//   {"__type":"<Code>","message":"..."}      (+ "queryCompileError" for MalformedQueryException)
// SigV4 failures use the JSON services' codes: InvalidSignatureException (for the Query
// protocol's SignatureDoesNotMatch), IncompleteSignatureException,
// MissingAuthenticationTokenException, UnrecognizedClientException.
//
// Thread-safe.

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "aws_error_reply.h"
#include "core/clock.h"
#include "logs_query.h"
#include "logs_service.h"
#include "request_log.h"
#include "sigv4_verifier.h"

namespace statusbridge::sandbox {

inline constexpr const char* kLogsTargetPrefix = "Logs_20140328.";
inline constexpr const char* kAmzJson11ContentType = "application/x-amz-json-1.1";

class LogsEmulator {
 public:
  // `sigv4.service` is replaced by "logs". The collaborators must outlive the emulator.
  LogsEmulator(SigV4Config sigv4, LogsService& service, SandboxStats& stats, const Clock& clock);

  // Serves one request to `POST /` whose target starts with Logs_20140328.; fills the record's
  // target and status.
  void Handle(const httplib::Request& request, httplib::Response& response, RequestRecord& record);

  // Writes `error` as a JSON 1.1 error response, with a fresh request id.
  void WriteError(httplib::Response& response, const AwsErrorReply& error,
                  const std::optional<LogsQueryError>& compile_error = std::nullopt);

 private:
  std::string NextRequestId();

  SigV4Config sigv4_;
  LogsService& service_;
  SandboxStats& stats_;
  const Clock& clock_;
  std::atomic<uint64_t> request_counter_{0};
};

}  // namespace statusbridge::sandbox
