#include "sigv4_verifier.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <vector>

#include "aws/sigv4.h"

namespace statusbridge::sandbox {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

AwsErrorReply Forbidden(std::string code, std::string message) {
  return AwsErrorReply{403, std::move(code), std::move(message)};
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) {
      break;
    }
    start = pos + 1;
  }
  return parts;
}

struct AuthorizationParts {
  std::string credential;
  std::string signed_headers;
  std::string signature;
};

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
std::optional<AuthorizationParts> ParseAuthorization(std::string_view header) {
  header = Trim(header);
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) {
    return std::nullopt;
  }
  AuthorizationParts parts;
  for (std::string_view item : Split(header.substr(kAlgorithm.size()), ',')) {
    item = Trim(item);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view name = item.substr(0, eq);
    std::string value(item.substr(eq + 1));
    if (name == "Credential") {
      parts.credential = value;
    } else if (name == "SignedHeaders") {
      parts.signed_headers = value;
    } else if (name == "Signature") {
      parts.signature = value;
    }
  }
  if (parts.credential.empty() || parts.signed_headers.empty() || parts.signature.empty()) {
    return std::nullopt;
  }
  return parts;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::optional<SystemTime> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' || !IsDigits(text.substr(0, 8)) ||
      !IsDigits(text.substr(9, 6))) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{year(ToInt(text.substr(0, 4))), month(ToInt(text.substr(4, 2))),
                     day(ToInt(text.substr(6, 2)))};
  int h = ToInt(text.substr(9, 2));
  int m = ToInt(text.substr(11, 2));
  int s = ToInt(text.substr(13, 2));
  if (!ymd.ok() || h > 23 || m > 59 || s > 60) {
    return std::nullopt;
  }
  return SystemTime(sys_days(ymd)) + hours(h) + minutes(m) + seconds(s);
}

std::optional<AwsErrorReply> VerifySigV4(const http::HttpRequest& request,
                                         const SigV4Config& config, SystemTime now) {
  std::string_view authorization = http::FindHeader(request.headers, "authorization");
  if (authorization.empty()) {
    return Forbidden("MissingAuthenticationToken", "Request is missing Authentication Token");
  }
  std::optional<AuthorizationParts> auth = ParseAuthorization(authorization);
  if (!auth) {
    return Forbidden("IncompleteSignature",
                     "Authorization header requires 'Credential', 'Signature' and "
                     "'SignedHeaders' parameters with algorithm AWS4-HMAC-SHA256.");
  }

  std::vector<std::string_view> scope = Split(auth->credential, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request") {
    return Forbidden("IncompleteSignature",
                     "Credential must have exactly 5 slash-delimited elements, e.g. "
                     "keyid/date/region/service/term, got '" +
                         auth->credential + "'");
  }
  // The signing key: the configured long-term key, or registered temporary credentials whose
  // session token the request carries (signed) and which have not expired.
  std::string secret = config.secret_access_key;
  std::string session_token;
  if (scope[0] != config.access_key_id) {
    std::optional<TemporaryCredentials::Entry> temporary =
        config.temporary != nullptr ? config.temporary->Find(std::string(scope[0])) : std::nullopt;
    if (!temporary ||
        http::FindHeader(request.headers, "x-amz-security-token") != temporary->session_token) {
      return Forbidden("UnrecognizedClientException",
                       "The security token included in the request is invalid.");
    }
    if (now >= temporary->expiration) {
      return Forbidden("ExpiredToken", "The security token included in the request is expired");
    }
    secret = temporary->secret_access_key;
    session_token = temporary->session_token;
  }

  bool signs_host = false;
  bool signs_date = false;
  for (std::string_view name : Split(auth->signed_headers, ';')) {
    signs_host = signs_host || name == "host";
    signs_date = signs_date || name == "x-amz-date";
  }
  if (!signs_host) {
    return Forbidden("IncompleteSignature",
                     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!signs_date) {
    return Forbidden("IncompleteSignature",
                     "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!session_token.empty() &&
      auth->signed_headers.find("x-amz-security-token") == std::string::npos) {
    return Forbidden("IncompleteSignature",
                     "'X-Amz-Security-Token' must be a 'SignedHeader' with temporary credentials.");
  }

  std::string_view amz_date = http::FindHeader(request.headers, "x-amz-date");
  std::optional<SystemTime> signed_at = ParseAmzDate(amz_date);
  if (!signed_at) {
    return Forbidden("IncompleteSignature",
                     "Authorization header requires existence of either a 'X-Amz-Date' or a "
                     "'Date' header.");
  }
  if (*signed_at + config.max_skew < now) {
    return Forbidden("SignatureDoesNotMatch",
                     "Signature expired: " + std::string(amz_date) + " is now earlier than " +
                         FormatAmzDate(now - config.max_skew) + " (" + FormatAmzDate(now) + " - " +
                         std::to_string(config.max_skew.count() / 60) + " min.)");
  }
  if (*signed_at - config.max_skew > now) {
    return Forbidden("SignatureDoesNotMatch",
                     "Signature not yet current: " + std::string(amz_date) +
                         " is still later than " + FormatAmzDate(now + config.max_skew) + " (" +
                         FormatAmzDate(now) + " + " + std::to_string(config.max_skew.count() / 60) +
                         " min.)");
  }
  if (scope[1] != amz_date.substr(0, 8)) {
    return Forbidden("SignatureDoesNotMatch",
                     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                     "date from HTTP: '" +
                         std::string(scope[1]) + "' != '" + std::string(amz_date.substr(0, 8)) +
                         "', from '" + std::string(amz_date) + "'.");
  }
  const bool known_region = scope[2] == config.region ||
                            std::find(config.extra_regions.begin(), config.extra_regions.end(),
                                      scope[2]) != config.extra_regions.end();
  if (!known_region) {
    return Forbidden(
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not '" + std::string(scope[2]) + "'. ");
  }
  if (scope[3] != config.service) {
    return Forbidden("SignatureDoesNotMatch",
                     "Credential should be scoped to correct service: '" + config.service + "'. ");
  }

  aws::SigningScope signing_scope{std::string(scope[2]), config.service};
  std::string canonical = aws::CanonicalRequest(request, auth->signed_headers);
  std::string string_to_sign = aws::StringToSign(canonical, *signed_at, signing_scope);
  std::string expected = aws::Signature(secret, string_to_sign, *signed_at, signing_scope);
  if (!ConstantTimeEquals(expected, auth->signature)) {
    return Forbidden("SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your AWS Secret Access Key and signing method. Consult the "
                     "service documentation for details.\n\nThe Canonical String for this request "
                     "should have been\n'" +
                         canonical + "'\n\nThe String-to-Sign should have been\n'" +
                         string_to_sign + "'\n");
  }
  return std::nullopt;
}

http::HttpRequest AsSignedRequest(const httplib::Request& request) {
  http::HttpRequest out;
  out.method = request.method;
  std::string query;
  if (size_t q = request.target.find('?'); q != std::string::npos) {
    query = request.target.substr(q);
  }
  out.url = "http://" + request.get_header_value("Host") + request.path + query;
  for (const auto& [name, value] : request.headers) {
    out.headers.emplace_back(name, value);
  }
  out.body = request.body;
  return out;
}

}  // namespace statusbridge::sandbox
