#pragma once

// AWS Signature Version 4 for non-S3 services (CloudWatch "monitoring", Logs "logs", "sts"):
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// Pure functions of (request, credentials, scope, time); OpenSSL provides SHA-256 and HMAC.
// Verified against AWS's published test suites in ../shared/testdata/sigv4/.
//
// Canonicalisation rules (the defaults, which every non-S3 service expects):
//  - The URL path is taken as the bytes written in HttpRequest::url, normalised (dot segments
//    removed as in RFC 3986 5.2.4, repeated slashes merged) and then URI-encoded once with the
//    RFC 3986 unreserved set, keeping '/'. An already percent-encoded path is therefore encoded
//    again ("%20" -> "%2520"), as botocore does for non-S3 services.
//  - Query parameters are split on '&' and the first '='; each name and value is percent-decoded
//    ('+' stays a literal '+') and re-encoded, then sorted by encoded name, then encoded value.
//  - Header names are lower-cased; values are trimmed and every run of whitespace (including
//    obsolete line folding, "\n" plus indentation) becomes one space; repeated headers are joined
//    with ',' in order of appearance.
//  - The payload hash is hex(SHA-256(body)).
//
// All functions are thread-safe (no shared state).

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::aws {

struct SigningScope {
  std::string region;   // "us-east-1"
  std::string service;  // "monitoring", "logs", "sts"
};

// Variations of the algorithm that some AWS services need. The defaults are right for
// CloudWatch, CloudWatch Logs and STS; the others exist so the signer can be checked against
// every case of the published test suites, and for S3-style services.
struct SigningOptions {
  // Remove dot segments and merge repeated slashes before encoding the path. S3 wants false.
  // Default: true.
  bool normalize_path = true;
  // Add `x-amz-content-sha256: hex(SHA-256(body))` and sign it (S3 requires it; other services
  // accept it). Default: false.
  bool sign_body = false;
  // Add X-Amz-Security-Token after signing, so it is not in SignedHeaders (a few services want
  // the token unsigned). Default: false (the token is signed).
  bool omit_session_token = false;
};

// Signs `request` in place with header signing: adds a Host header if none is present (from the
// URL, default ports omitted), sets X-Amz-Date, sets X-Amz-Security-Token when the credentials
// carry a session token, and sets Authorization. Any Authorization, X-Amz-Date and
// X-Amz-Security-Token already on the request are replaced, so re-signing a request (a retry, or
// refreshed credentials) is safe. Does not add x-amz-content-sha256 unless options.sign_body.
// Signs every header present except user-agent, expect, x-amzn-trace-id (proxies and curl may
// rewrite those).
// Only the URL's scheme and authority are validated (http::ParseUrl); the path and query are
// signed as written, so a path that HttpClient would refuse to send (a raw space) still signs the
// way the test suites expect.
// Errors: InvalidArgument when the scheme or authority is unusable, or when the credentials have
// no access key id or secret (the message names the credentials' source, never the secret). On
// error the request is unchanged.
Status SignRequest(http::HttpRequest& request, const Credentials& credentials,
                   const SigningScope& scope, SystemTime now, const SigningOptions& options = {});

// The building blocks, exposed for tests and for the sandbox's verifier.
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw bytes
std::string HexEncode(std::string_view bytes);                        // lower case

// Canonical request for `request` with the given signed header names (lower case, sorted,
// ';'-joined as in the Authorization header). Each named header contributes one line, even when
// the request lacks it (then with an empty value). The path and query are taken from the URL as
// written, without validating it.
std::string CanonicalRequest(const http::HttpRequest& request, const std::string& signed_headers,
                             const SigningOptions& options = {});
std::string StringToSign(const std::string& canonical_request, SystemTime now,
                         const SigningScope& scope);
// hex(HMAC(kSigning, string_to_sign)) with kSigning derived from the secret, date, region, service.
std::string Signature(const std::string& secret_access_key, const std::string& string_to_sign,
                      SystemTime now, const SigningScope& scope);

}  // namespace statusbridge::aws
