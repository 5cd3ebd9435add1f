#pragma once

// Checks the AWS Signature Version 4 of a request to the sandbox's CloudWatch the way AWS does,
// using the project's own signer building blocks (aws/sigv4.h) to recompute the signature.
//
// Accepted: `Authorization: AWS4-HMAC-SHA256 Credential=<akid>/<yyyymmdd>/<region>/<service>/
// aws4_request, SignedHeaders=<a;b;c>, Signature=<hex>` with an X-Amz-Date header, where
// SignedHeaders includes host and x-amz-date. A session token (X-Amz-Security-Token) is allowed
// and not checked beyond the signature. Failures, as AWS reports them:
//   no Authorization header                        403 MissingAuthenticationToken
//   malformed header, host/x-amz-date not signed   403 IncompleteSignature
//   access key id other than the configured one    403 UnrecognizedClientException
//   X-Amz-Date missing or unparseable              403 IncompleteSignature
//   X-Amz-Date more than max_skew from now         403 SignatureDoesNotMatch "Signature expired..."
//   scope date/region/service wrong                403 SignatureDoesNotMatch
//   signature differs                              403 SignatureDoesNotMatch, AWS's message with
//                                                  the expected canonical request and string to
//                                                  sign (as AWS includes them)
//
// Thread-safe: pure apart from reading its arguments.

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include "aws_error_reply.h"
#include "core/time.h"
#include "http/http_client.h"
#include "temporary_credentials.h"

namespace statusbridge::sandbox {

struct SigV4Config {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
  std::string service = "monitoring";
  Seconds max_skew{15 * 60};
  std::vector<std::string> extra_regions;           // also accepted as the scope's region
  const TemporaryCredentials* temporary = nullptr;  // also accepted keys (with session tokens)
};

// `request` is the request as received: method, url "http://<Host header><path>[?<raw query>]"
// with the decoded path, every header, and the body. Returns nullopt when the signature is valid.
std::optional<AwsErrorReply> VerifySigV4(const http::HttpRequest& request,
                                         const SigV4Config& config, SystemTime now);

// The request as its signer saw it: the Host header names the authority, the path is httplib's
// decoded path (the verifier encodes it once, as the client's signer did), the query is raw.
http::HttpRequest AsSignedRequest(const httplib::Request& request);

// Parses SigV4's basic ISO 8601 form "20150830T123600Z".
std::optional<SystemTime> ParseAmzDate(std::string_view text);

}  // namespace statusbridge::sandbox
