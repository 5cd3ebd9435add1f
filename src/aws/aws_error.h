#pragma once

// Turns an AWS error response (any non-2xx answer from an AWS API) into a Status whose code says
// what the caller should do: retry after backoff, stop and fix credentials, or fix the request.
// Shared by every AWS client in aws/ (CloudWatch GetMetricData, Logs Insights).
//
// Two steps, usable separately:
//   ParseAwsError()      response -> AwsError {code, message, http_status, request_id}
//   AwsErrorToStatus()   AwsError -> Status, message "<Operation>: HTTP <status> <Code>: <message>"
//
// Error documents understood (../shared/docs/research/aws.md §1.7, botocore parsers.py):
//   - JSON protocols: {"__type": "ns#Code:extra", "message" | "Message": "..."}; the code is
//     __type cut at the first ':' keeping what follows the last '#'. Header x-amzn-ErrorType is
//     used the same way when __type is absent.
//   - Query-compatible JSON services (CloudWatch): header "x-amzn-query-error: Code;Sender"
//     wins over __type as the code.
//   - Query/XML: <ErrorResponse><Error><Code>..</Code><Message>..</Message></Error>..
// Anything else (HTML from a proxy, an empty body, truncated JSON) still yields an AwsError: the
// code stays empty and the message describes the body with a short snippet. Never throws.
//
// Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "core/status.h"
#include "http/http_client.h"

namespace statusbridge::aws {

struct AwsError {
  std::string code;        // "ThrottlingException", "SignatureDoesNotMatch"; empty if none found
  std::string message;     // the server's message (single line, truncated), or a description of
                           // an unrecognised body; may be empty
  int http_status = 0;     // 403, 503, ...
  std::string request_id;  // x-amzn-RequestId / x-amz-request-id / <RequestId>; may be empty
};

// Extracts the AWS error code and message from `response`. Never fails.
AwsError ParseAwsError(const http::HttpResponse& response);

// Codes AWS SDKs treat as throttling (botocore retries/standard.py _THROTTLED_ERROR_CODES).
bool IsThrottlingErrorCode(std::string_view code);

// Maps `error` to a Status, checking the code first and the HTTP status second:
//   throttling codes, or HTTP 429                                  -> ResourceExhausted
//   credential/signature codes (AccessDenied, SignatureDoesNotMatch,
//     ExpiredToken, UnrecognizedClientException, ...), or 401/403  -> PermissionDenied
//   transient codes (RequestTimeout, ServiceUnavailable,
//     InternalServiceError, InternalFailure, ...), or 5xx          -> Unavailable
//   any other 4xx                                                  -> InvalidArgument
//   anything else (an unexpected 1xx/2xx/3xx)                      -> Internal
// The message is "<operation>: HTTP <status> <code>: <message> (request id <id>)", leaving out
// the parts that are empty, e.g.
//   "GetMetricData: HTTP 403 SignatureDoesNotMatch: The request signature we calculated ..."
Status AwsErrorToStatus(std::string_view operation, const AwsError& error);

// AwsErrorToStatus(operation, ParseAwsError(response)).
Status AwsErrorStatus(std::string_view operation, const http::HttpResponse& response);

}  // namespace statusbridge::aws
