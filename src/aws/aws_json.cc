#include "aws/aws_json.h"

#include "http/http_client.h"

namespace statusbridge::aws::json_util {

using json = nlohmann::json;

Status Malformed(std::string_view operation, const std::string& what) {
  return Status::Internal(std::string(operation) + ": malformed response: " + what);
}

std::string Kind(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    default:
      return "a number";
  }
}

const json* Member(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

Result<json> ParseObject(std::string_view body, std::string_view operation) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Malformed(operation, "empty body");
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Malformed(operation, "not JSON: " + http::Snippet(body, 120));
  }
  if (!doc.is_object()) {
    return Malformed(operation,
                     "expected a JSON object, got " + Kind(doc) + ": " + http::Snippet(body, 120));
  }
  return doc;
}

Result<http::HttpRequest> SignedPost(CredentialsProvider& credentials, const Clock& clock,
                                     const SigningScope& scope, std::string url,
                                     http::Headers headers, std::string body, Millis timeout,
                                     std::string_view operation) {
  Result<Credentials> current = credentials.GetCredentials();
  if (!current.ok()) {
    return current.status().WithContext(operation);
  }
  http::HttpRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers = std::move(headers);
  request.body = std::move(body);
  request.timeout = timeout;
  Status signed_status = SignRequest(request, *current, scope, clock.Now());
  if (!signed_status.ok()) {
    return signed_status.WithContext(std::string(operation) + ": signing");
  }
  return request;
}

}  // namespace statusbridge::aws::json_util
