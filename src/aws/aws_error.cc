#include "aws/aws_error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/text.h"

namespace statusbridge::aws {
namespace {

using nlohmann::json;

// Server text goes into one-line log messages; keep it bounded.
constexpr size_t kMaxMessage = 500;
constexpr size_t kMaxCode = 128;
constexpr size_t kMaxBodySnippet = 200;

constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

constexpr std::array<std::string_view, 18> kPermissionCodes = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "AuthFailure",
    "NotAuthorized",
    "UnauthorizedOperation",
    "OptInRequired",
};

// CloudWatch models InternalServiceFault with the Query code InternalServiceError.
constexpr std::array<std::string_view, 11> kTransientCodes = {
    "RequestTimeout",       "RequestTimeoutException",
    "ServiceUnavailable",   "ServiceUnavailableException",
    "InternalServiceError", "InternalServiceFault",
    "InternalFailure",      "InternalError",
    "InternalServerError",  "InternalServerException",
    "ServiceFailure",
};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

// botocore BaseJSONParser._do_error_parse: "aws.protocoltests#FooError:http://..." -> "FooError".
std::string JsonErrorCode(std::string_view type) {
  type = type.substr(0, type.find(':'));
  size_t hash = type.rfind('#');
  if (hash != std::string_view::npos) {
    type = type.substr(hash + 1);
  }
  return std::string(Trim(type));
}

// "Code;Sender" -> "Code"; anything not of that shape is ignored, as botocore does.
std::optional<std::string> QueryErrorHeaderCode(std::string_view header) {
  size_t semi = header.find(';');
  if (semi == std::string_view::npos || header.find(';', semi + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view code = Trim(header.substr(0, semi));
  if (code.empty()) {
    return std::nullopt;
  }
  return std::string(code);
}

std::string XmlUnescape(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities = {{
      {"&amp;", '&'},
      {"&lt;", '<'},
      {"&gt;", '>'},
      {"&quot;", '"'},
      {"&apos;", '\''},
  }};
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (s.substr(i, entity.size()) == entity) {
          out.push_back(c);
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) {
      out.push_back(s[i]);
      ++i;
    }
  }
  return out;
}

// Text of the first <tag>...</tag> at or after `from`; nullopt if there is none.
std::optional<std::string> XmlElementText(std::string_view xml, std::string_view tag,
                                          size_t from = 0) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t start = xml.find(open, from);
  if (start == std::string_view::npos) {
    return std::nullopt;
  }
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  return XmlUnescape(Trim(xml.substr(start, end - start)));
}

// Fills code/message from a JSON error document. False if `body` is not a JSON object.
bool ParseJsonError(std::string_view body, AwsError& error) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return false;
  }
  auto type = doc.find("__type");
  if (type != doc.end() && type->is_string()) {
    error.code = JsonErrorCode(type->get_ref<const std::string&>());
  }
  for (const char* key : {"message", "Message", "errorMessage"}) {
    auto m = doc.find(key);
    if (m != doc.end() && m->is_string()) {
      error.message = m->get<std::string>();
      break;
    }
  }
  return !error.code.empty() || !error.message.empty();
}

// Fills code/message from a Query/XML (or S3-style) error document. False if none is found.
bool ParseXmlError(std::string_view body, AwsError& error) {
  size_t err = body.find("<Error>");
  if (err == std::string_view::npos) {
    return false;
  }
  std::optional<std::string> code = XmlElementText(body, "Code", err);
  std::optional<std::string> message = XmlElementText(body, "Message", err);
  if (!code && !message) {
    return false;
  }
  error.code = code.value_or("");
  error.message = message.value_or("");
  if (error.request_id.empty()) {
    error.request_id = XmlElementText(body, "RequestId").value_or("");
  }
  return true;
}

void ParseBody(std::string_view body, AwsError& error) {
  std::string_view trimmed = Trim(body);
  if (trimmed.empty()) {
    error.message = "empty response body";
    return;
  }
  bool parsed = false;
  if (trimmed.front() == '{') {
    parsed = ParseJsonError(trimmed, error);
  } else if (trimmed.front() == '<') {
    parsed = ParseXmlError(trimmed, error);
  }
  if (!parsed) {
    error.message = "unrecognised response body: " + http::Snippet(trimmed, kMaxBodySnippet);
  }
}

}  // namespace

AwsError ParseAwsError(const http::HttpResponse& response) {
  AwsError error;
  error.http_status = response.status;
  error.request_id = std::string(Trim(response.Header("x-amzn-RequestId")));
  if (error.request_id.empty()) {
    error.request_id = std::string(Trim(response.Header("x-amz-request-id")));
  }
  try {
    ParseBody(response.body, error);
  } catch (const std::exception& e) {
    // parse() is called without exceptions; this guards the accessors and allocation.
    error.message = std::string("unreadable response body (") + e.what() +
                    "): " + http::Snippet(response.body, kMaxBodySnippet);
  }
  if (error.code.empty()) {
    std::string_view type = response.Header("x-amzn-ErrorType");
    if (!type.empty()) {
      error.code = JsonErrorCode(type);
    }
  }
  if (std::optional<std::string> query_code =
          QueryErrorHeaderCode(response.Header("x-amzn-query-error"))) {
    error.code = *query_code;
  }
  error.code = http::Snippet(error.code, kMaxCode);
  error.message = http::Snippet(Trim(error.message), kMaxMessage);
  error.request_id = http::Snippet(error.request_id, kMaxCode);
  return error;
}

bool IsThrottlingErrorCode(std::string_view code) { return Contains(kThrottlingCodes, code); }

Status AwsErrorToStatus(std::string_view operation, const AwsError& error) {
  std::string text(operation);
  text += ": HTTP " + std::to_string(error.http_status);
  if (!error.code.empty()) {
    text += " " + error.code;
  }
  if (!error.message.empty()) {
    text += ": " + error.message;
  }
  if (!error.request_id.empty()) {
    text += " (request id " + error.request_id + ")";
  }

  const int http = error.http_status;
  if (IsThrottlingErrorCode(error.code)) {
    return Status::ResourceExhausted(std::move(text));
  }
  if (Contains(kPermissionCodes, error.code)) {
    return Status::PermissionDenied(std::move(text));
  }
  if (Contains(kTransientCodes, error.code)) {
    return Status::Unavailable(std::move(text));
  }
  if (http == 429) {
    return Status::ResourceExhausted(std::move(text));
  }
  if (http == 401 || http == 403) {
    return Status::PermissionDenied(std::move(text));
  }
  if (http >= 500 && http <= 599) {
    return Status::Unavailable(std::move(text));
  }
  if (http >= 400 && http <= 499) {
    return Status::InvalidArgument(std::move(text));
  }
  return Status::Internal(std::move(text));
}

Status AwsErrorStatus(std::string_view operation, const http::HttpResponse& response) {
  return AwsErrorToStatus(operation, ParseAwsError(response));
}

}  // namespace statusbridge::aws
