#pragma once

// Helpers shared by the AWS JSON-protocol clients (cloudwatch_client, logs_client): building a
// signed request, and reading responses defensively: every shape problem becomes a Status naming
// the operation, never an exception or a crash. Internal to aws/: nlohmann types never leave this
// directory.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "core/clock.h"
#include "core/result.h"
#include "http/http_client.h"

namespace statusbridge::aws::json_util {

// Internal: "<operation>: malformed response: <what>".
Status Malformed(std::string_view operation, const std::string& what);

// "null", "an object", "an array", "a string", "a boolean" or "a number", for messages.
std::string Kind(const nlohmann::json& v);

// The member `key` of `object`, or nullptr when it is absent or null (AWS JSON treats null as
// absent). REQUIRES: object.is_object().
const nlohmann::json* Member(const nlohmann::json& object, const char* key);

// Parses `body` as a JSON object without exceptions (nlohmann parses and destroys iteratively,
// so deep nesting is safe). Empty, non-JSON or non-object bodies are Malformed errors quoting a
// short snippet of the body.
Result<nlohmann::json> ParseObject(std::string_view body, std::string_view operation);

// A `POST <url>` of `body` with `headers` (Content-Type, X-Amz-Target, ...), signed with SigV4
// for `scope` at clock.Now() with the provider's current credentials. Credential and signing
// errors are prefixed with `operation`.
Result<http::HttpRequest> SignedPost(CredentialsProvider& credentials, const Clock& clock,
                                     const SigningScope& scope, std::string url,
                                     http::Headers headers, std::string body, Millis timeout,
                                     std::string_view operation);

}  // namespace statusbridge::aws::json_util
