#pragma once

// Removes credentials from text that came from outside (a server's error body, a credentials
// response that failed to parse) before it can reach an error message, a log line or dry-run
// output. AWS echoes what it was sent: a SignatureDoesNotMatch message quotes the canonical
// request, headers and all, including x-amz-security-token; a proxy may echo Authorization.
//
// What is redacted (names case-insensitive), each value replaced by Secret::kRedacted:
//   header lines and query parameters   x-amz-security-token, authorization, x-api-key,
//                                       x-aws-ec2-metadata-token
//                                       ("name: value" to the end of the line, "name=value" to
//                                       the next '&', space, quote or ',')
//   JSON members and XML elements        SessionToken, SecretAccessKey, Token, aws_session_token,
//                                       aws_secret_access_key, api_key
//                                       ("name": "value", <name>value</name>)
// and, wherever they appear, the values of every Secret constructed so far (core/secret.h:
// RememberSecret), so a credential echoed bare is removed too.
// The redaction runs on the whole text, before any truncation, so a cut never leaves a prefix of
// a secret behind.
//
// Pure; thread-safe.

#include <string>
#include <string_view>

namespace statusbridge {

std::string RedactCredentials(std::string_view text);

}  // namespace statusbridge
