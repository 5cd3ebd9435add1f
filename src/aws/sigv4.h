#pragma once

// AWS Signature Version 4 for non-S3 services (CloudWatch "monitoring", Logs "logs", "sts"):
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// Pure functions of (request, credentials, scope, time); OpenSSL provides SHA-256 and HMAC.
// Verified against AWS's published test suites in ../shared/testdata/sigv4/.

#include <string>

#include "aws/credentials.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::aws {

struct SigningScope {
  std::string region;   // "us-east-1"
  std::string service;  // "monitoring", "logs", "sts"
};

// Signs `request` in place with header signing: adds a Host header if none is present, adds
// X-Amz-Date, X-Amz-Security-Token when the credentials carry a session token, and Authorization.
// Signs every header present (except user-agent, expect, x-amzn-trace-id); the path is normalised
// (dot segments removed, repeated slashes merged) and URI-encoded once.
Status SignRequest(http::HttpRequest& request, const Credentials& credentials,
                   const SigningScope& scope, SystemTime now);

// The building blocks, exposed for tests and for the sandbox's verifier.
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw bytes
std::string HexEncode(std::string_view bytes);

// Canonical request for `request` with the given signed header names (lower case, sorted,
// ';'-joined as in the Authorization header).
std::string CanonicalRequest(const http::HttpRequest& request, const std::string& signed_headers);
std::string StringToSign(const std::string& canonical_request, SystemTime now,
                         const SigningScope& scope);
// hex(HMAC(kSigning, string_to_sign)) with kSigning derived from the secret, date, region, service.
std::string Signature(const std::string& secret_access_key, const std::string& string_to_sign,
                      SystemTime now, const SigningScope& scope);

}  // namespace statusbridge::aws
