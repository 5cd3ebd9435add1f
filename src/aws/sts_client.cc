#include "aws/sts_client.h"

#include <tinyxml2.h>

#include <array>
#include <utility>
#include <vector>

#include "aws/aws_error.h"
#include "aws/endpoints.h"
#include "aws/sigv4.h"

namespace statusbridge::aws {
namespace {

constexpr std::string_view kVersion = "2011-06-15";
constexpr size_t kMaxMessage = 300;

std::optional<std::string> NonEmpty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (!value.has_value() || value->empty()) {
    return std::nullopt;
  }
  return value;
}

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view code) {
  for (std::string_view c : list) {
    if (c == code) {
      return true;
    }
  }
  return false;
}

// Rejections of the caller's credentials or token: the operator must fix what was presented.
constexpr std::array<std::string_view, 12> kRejectedCodes = {
    "AccessDenied",          "AccessDeniedException",       "ExpiredToken",
    "ExpiredTokenException", "InvalidClientTokenId",        "SignatureDoesNotMatch",
    "IncompleteSignature",   "MissingAuthenticationToken",  "InvalidIdentityToken",
    "IDPRejectedClaim",      "UnrecognizedClientException", "RequestExpired",
};
constexpr std::array<std::string_view, 4> kBadRequestCodes = {
    "MalformedPolicyDocument", "PackedPolicyTooLarge", "ValidationError", "InvalidParameterValue"};

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string body;
  for (const auto& [name, value] : params) {
    if (!body.empty()) {
      body += '&';
    }
    body += http::UrlEncode(name);
    body += '=';
    body += http::UrlEncode(value);
  }
  return body;
}

const tinyxml2::XMLElement* Child(const tinyxml2::XMLNode* parent, const char* name) {
  return parent == nullptr ? nullptr : parent->FirstChildElement(name);
}

std::string Text(const tinyxml2::XMLElement* e) {
  if (e == nullptr || e->GetText() == nullptr) {
    return {};
  }
  return e->GetText();
}

// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>. Falls back
// to ParseAwsError for bodies that are not that document (a proxy's HTML page, JSON).
AwsError ParseStsError(const http::HttpResponse& response) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(response.body.data(), response.body.size()) == tinyxml2::XML_SUCCESS) {
    const tinyxml2::XMLElement* root = doc.RootElement();
    const tinyxml2::XMLElement* error = Child(root, "Error");
    if (root != nullptr && std::string_view(root->Name()) == "ErrorResponse" && error != nullptr) {
      AwsError e;
      e.http_status = response.status;
      e.code = http::Snippet(Text(Child(error, "Code")), 128);
      e.message = http::Snippet(Text(Child(error, "Message")), kMaxMessage);
      e.request_id = http::Snippet(Text(Child(root, "RequestId")), 128);
      if (e.request_id.empty()) {
        e.request_id = std::string(response.Header("x-amzn-RequestId"));
      }
      return e;
    }
  }
  return ParseAwsError(response);
}

bool IsRetryableStsError(const AwsError& error) {
  return error.http_status >= 500 || error.http_status == 429 ||
         IsThrottlingErrorCode(error.code) || error.code == "IDPCommunicationError";
}

// `operation` is e.g. "AssumeRole arn:aws:iam::1:role/x"; `presented` names what STS judged
// ("source credentials: profile \"base\" in /x" or "web identity token: token file /t").
Status StsErrorToStatus(const std::string& operation, const AwsError& error,
                        const std::string& presented) {
  if (Contains(kRejectedCodes, error.code)) {
    Status base = AwsErrorToStatus(operation, error);
    return Status::PermissionDenied(base.message() + " (" + presented + ")");
  }
  if (error.code == "IDPCommunicationError") {
    return Status::Unavailable(AwsErrorToStatus(operation, error).message());
  }
  if (error.code == "RegionDisabledException") {
    return Status::FailedPrecondition(AwsErrorToStatus(operation, error).message() +
                                      " (activate STS for this region in the IAM console, or "
                                      "use another region)");
  }
  if (Contains(kBadRequestCodes, error.code)) {
    return Status::InvalidArgument(AwsErrorToStatus(operation, error).message());
  }
  Status status = AwsErrorToStatus(operation, error);
  if (status.code() == StatusCode::kPermissionDenied) {
    return Status::PermissionDenied(status.message() + " (" + presented + ")");
  }
  return status;
}

// Reads <{action}Response><{action}Result><Credentials>...</Credentials>.
Result<Credentials> ParseCredentialsResponse(const std::string& operation,
                                             const std::string& action,
                                             const http::HttpResponse& response) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(response.body.data(), response.body.size()) != tinyxml2::XML_SUCCESS) {
    // The body is not quoted: a 200 may hold a secret even when malformed.
    return Status::Internal(operation + ": HTTP 200 response is not XML (" +
                            std::string(doc.ErrorName()) + ")");
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  const std::string root_name = action + "Response";
  if (root == nullptr || root_name != root->Name()) {
    return Status::Internal(operation + ": HTTP 200 response is not <" + root_name + ">");
  }
  const tinyxml2::XMLElement* creds =
      Child(Child(root, (action + "Result").c_str()), "Credentials");
  if (creds == nullptr) {
    return Status::Internal(operation + ": response has no " + action + "Result/Credentials");
  }
  Credentials c;
  std::string secret;
  std::string token;
  std::string expiration;
  for (auto& [name, out] : std::array<std::pair<const char*, std::string*>, 4>{{
           {"AccessKeyId", &c.access_key_id},
           {"SecretAccessKey", &secret},
           {"SessionToken", &token},
           {"Expiration", &expiration},
       }}) {
    *out = Text(Child(creds, name));
    if (out->empty()) {
      return Status::Internal(operation + ": response has no Credentials/" + name);
    }
  }
  Result<SystemTime> expires = ParseIso8601(expiration);
  if (!expires.ok()) {
    return Status::Internal(operation + ": response has an unreadable Credentials/Expiration (" +
                            http::Snippet(expiration, 64) + ")");
  }
  c.secret_access_key = Secret(std::move(secret));
  c.session_token = Secret(std::move(token));
  c.expiration = *expires;
  return c;
}

}  // namespace

StsOptions ResolveStsOptions(const std::string& region, const std::string& endpoint_override,
                             const EnvLookup& env) {
  StsOptions options;
  if (!region.empty()) {
    options.region = region;
  } else if (auto r = NonEmpty(env, "AWS_REGION")) {
    options.region = *r;
  } else if (auto d = NonEmpty(env, "AWS_DEFAULT_REGION")) {
    options.region = *d;
  }
  options.endpoint = ResolveEndpoint("STS", "sts", endpoint_override, options.region, env);
  return options;
}

std::string DefaultRoleSessionName(SystemTime now) {
  return "statusbridge-" + std::to_string(ToUnixSeconds(now));
}

StsClient::StsClient(http::HttpClient& http, Clock& clock, StsOptions options)
    : http_(&http), clock_(&clock), options_(std::move(options)) {
  if (options_.region.empty()) {
    options_.region = "us-east-1";
  }
  if (options_.endpoint.empty()) {
    options_.endpoint = "https://sts." + options_.region + ".amazonaws.com";
  }
  if (options_.max_attempts < 1) {
    options_.max_attempts = 1;
  }
}

namespace {

// One Query-protocol call with retries. `source` signs it when non-null.
Result<Credentials> Call(http::HttpClient& http, Clock& clock, const StsOptions& options,
                         const std::string& action, const std::string& operation,
                         const std::vector<std::pair<std::string, std::string>>& params,
                         const Credentials* source, const std::string& presented) {
  static const UniformRandom random = DefaultRandom();
  std::vector<std::pair<std::string, std::string>> all = {{"Action", action},
                                                          {"Version", std::string(kVersion)}};
  all.insert(all.end(), params.begin(), params.end());
  const std::string body = FormBody(all);
  Status last;
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    if (attempt > 0) {
      clock.SleepFor(BackoffDelay(options.backoff, attempt - 1, random));
    }
    http::HttpRequest request;
    request.method = "POST";
    request.url = options.endpoint + "/";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = body;
    request.timeout = options.timeout;
    if (source != nullptr) {
      Status signed_status =
          SignRequest(request, *source, SigningScope{options.region, "sts"}, clock.Now());
      if (!signed_status.ok()) {
        return signed_status.WithContext(operation + ": signing");
      }
    }
    Result<http::HttpResponse> response = http.Send(request);
    if (!response.ok()) {
      last = response.status().WithContext(operation);
      if (IsRetryable(response.status())) {
        continue;
      }
      return last;
    }
    if (response->status == 200) {
      return ParseCredentialsResponse(operation, action, *response);
    }
    AwsError error = ParseStsError(*response);
    last = StsErrorToStatus(operation, error, presented);
    if (!IsRetryableStsError(error)) {
      return last;
    }
  }
  return Status(last.code(), last.message() + " (gave up after " +
                                 std::to_string(options.max_attempts) + " attempts)");
}

std::vector<std::pair<std::string, std::string>> CommonParams(
    const std::string& role_arn, const std::string& session_name,
    const std::optional<Seconds>& duration) {
  std::vector<std::pair<std::string, std::string>> params = {{"RoleArn", role_arn},
                                                             {"RoleSessionName", session_name}};
  if (duration.has_value()) {
    params.emplace_back("DurationSeconds", std::to_string(duration->count()));
  }
  return params;
}

Status CheckRequired(const std::string& operation, const std::string& role_arn,
                     const std::string& session_name) {
  if (role_arn.empty()) {
    return Status::InvalidArgument(operation + ": no role ARN");
  }
  if (session_name.empty()) {
    return Status::InvalidArgument(operation + ": no role session name");
  }
  return Status::Ok();
}

}  // namespace

Result<Credentials> StsClient::AssumeRole(const AssumeRoleParams& params,
                                          const Credentials& source) const {
  const std::string operation = "AssumeRole " + params.role_arn;
  SB_RETURN_IF_ERROR(CheckRequired(operation, params.role_arn, params.role_session_name));
  auto form = CommonParams(params.role_arn, params.role_session_name, params.duration);
  if (!params.external_id.empty()) {
    form.emplace_back("ExternalId", params.external_id);
  }
  SB_ASSIGN_OR_RETURN(Credentials c, Call(*http_, *clock_, options_, "AssumeRole", operation, form,
                                          &source, "source credentials: " + source.source));
  c.source = "assumed role " + params.role_arn + " (session " + params.role_session_name + ")";
  return c;
}

Result<Credentials> StsClient::AssumeRoleWithWebIdentity(const WebIdentityParams& params) const {
  const std::string operation = "AssumeRoleWithWebIdentity " + params.role_arn;
  SB_RETURN_IF_ERROR(CheckRequired(operation, params.role_arn, params.role_session_name));
  if (params.web_identity_token.empty()) {
    return Status::InvalidArgument(operation + ": the web identity token is empty (" +
                                   params.token_source + ")");
  }
  auto form = CommonParams(params.role_arn, params.role_session_name, params.duration);
  form.emplace_back("WebIdentityToken", params.web_identity_token.reveal());
  SB_ASSIGN_OR_RETURN(Credentials c,
                      Call(*http_, *clock_, options_, "AssumeRoleWithWebIdentity", operation, form,
                           nullptr, "web identity token: " + params.token_source));
  c.source = "web identity role " + params.role_arn + " (session " + params.role_session_name + ")";
  return c;
}

}  // namespace statusbridge::aws
