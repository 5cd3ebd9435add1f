#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>
#include <vector>

#include "core/text.h"

namespace statusbridge::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IEquals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims, and turns every whitespace run into one space. The run may be an obsolete line fold
// ("\r\n" or "\n" followed by indentation), which RFC 7230 3.2.4 says to replace with SP.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
  }
  return out;
}

// RFC 3986 5.2.4 "remove dot segments", with empty segments (repeated slashes) dropped too.
// A trailing "/", "/." or "/.." leaves a trailing slash ("/a/b/.." -> "/a/").
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> kept;
  std::vector<std::string_view> segments = Split(path, '/');
  bool trailing_slash = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view seg = segments[i];
    bool last = i + 1 == segments.size();
    if (seg.empty() || seg == ".") {
      trailing_slash = last && i > 0;
      continue;
    }
    if (seg == "..") {
      if (!kept.empty()) {
        kept.pop_back();
      }
      trailing_slash = last;
      continue;
    }
    kept.push_back(seg);
    trailing_slash = false;
  }
  std::string out;
  for (std::string_view seg : kept) {
    out.push_back('/');
    out.append(seg);
  }
  if (out.empty() || trailing_slash) {
    out.push_back('/');
  }
  return out;
}

struct UrlParts {
  std::string_view origin;  // "scheme://authority"
  std::string_view path;    // "/" when the URL has none
  std::string_view query;   // without '?'; the fragment is dropped
};

// Splits an absolute URL without validating it (ParseUrl rejects characters the suites put in
// paths, such as a raw space).
UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  size_t scheme_end = url.find("://");
  size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t tail_start = url.find_first_of("/?#", authority_start);
  parts.origin = url.substr(0, tail_start);
  std::string_view tail = tail_start == std::string_view::npos ? "" : url.substr(tail_start);
  tail = tail.substr(0, tail.find('#'));
  size_t q = tail.find('?');
  parts.path = tail.substr(0, q);
  if (q != std::string_view::npos) {
    parts.query = tail.substr(q + 1);
  }
  if (parts.path.empty()) {
    parts.path = "/";
  }
  return parts;
}

std::string CanonicalPath(std::string_view path, bool normalize) {
  std::string p = normalize ? NormalizePath(path) : std::string(path);
  if (p.empty()) {
    p = "/";
  }
  std::string out;
  std::vector<std::string_view> segments = Split(p, '/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) {
      out.push_back('/');
    }
    out += http::UrlEncode(segments[i]);
  }
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  if (query.empty()) {
    return "";
  }
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view pair : Split(query, '&')) {
    if (pair.empty()) {
      continue;
    }
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    params.emplace_back(http::UrlEncode(http::UrlDecode(name)),
                        http::UrlEncode(http::UrlDecode(value)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// Headers the signer leaves unsigned: intermediaries (and curl) may change them in flight.
// Authorization is the signature itself.
bool IsUnsignedHeader(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" || lower_name == "expect" ||
         lower_name == "x-amzn-trace-id";
}

void RemoveHeader(http::Headers& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return IEquals(h.first, name); });
}

std::string DateStamp(SystemTime now) { return FormatAmzDate(now).substr(0, 8); }

std::string CredentialScope(SystemTime now, const SigningScope& scope) {
  return DateStamp(now) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure or a missing algorithm; SHA-256 is built in.
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &len) == nullptr) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string CanonicalRequest(const http::HttpRequest& request, const std::string& signed_headers,
                             const SigningOptions& options) {
  const UrlParts url = SplitUrl(request.url);
  const std::string path = CanonicalPath(url.path, options.normalize_path);
  const std::string query = CanonicalQuery(url.query);

  std::string headers;
  for (std::string_view name : Split(signed_headers, ';')) {
    if (name.empty()) {
      continue;
    }
    std::string value;
    bool first = true;
    for (const auto& [k, v] : request.headers) {
      if (IEquals(k, name)) {
        if (!first) {
          value.push_back(',');
        }
        value += CanonicalHeaderValue(v);
        first = false;
      }
    }
    headers.append(name);
    headers.push_back(':');
    headers += value;
    headers.push_back('\n');
  }

  return request.method + "\n" + path + "\n" + query + "\n" + headers + "\n" + signed_headers +
         "\n" + Sha256Hex(request.body);
}

std::string StringToSign(const std::string& canonical_request, SystemTime now,
                         const SigningScope& scope) {
  return std::string(kAlgorithm) + "\n" + FormatAmzDate(now) + "\n" + CredentialScope(now, scope) +
         "\n" + Sha256Hex(canonical_request);
}

std::string Signature(const std::string& secret_access_key, const std::string& string_to_sign,
                      SystemTime now, const SigningScope& scope) {
  std::string key = HmacSha256("AWS4" + secret_access_key, DateStamp(now));
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  key = HmacSha256(key, "aws4_request");
  return HexEncode(HmacSha256(key, string_to_sign));
}

namespace {

// The names of the headers that are signed, in lower case, sorted, each once, joined by ';'.
std::string SignedHeaders(const http::Headers& headers) {
  std::vector<std::string> names;
  for (const auto& header : headers) {
    std::string name = AsciiLower(header.first);
    if (!IsUnsignedHeader(name)) {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return Join(std::vector<std::string_view>(names.begin(), names.end()), ";");
}

}  // namespace

Status SignRequest(http::HttpRequest& request, const Credentials& credentials,
                   const SigningScope& scope, SystemTime now, const SigningOptions& options) {
  std::string source = credentials.source.empty() ? "credentials" : credentials.source;
  if (credentials.access_key_id.empty()) {
    return Status::InvalidArgument("cannot sign " + request.method + " " + request.url + ": " +
                                   source + " have no access key id");
  }
  if (credentials.secret_access_key.empty()) {
    return Status::InvalidArgument("cannot sign " + request.method + " " + request.url + ": " +
                                   source + " have no secret access key");
  }
  // The origin alone goes through ParseUrl: the path and query are signed byte for byte as
  // written (the suites sign a raw space in the path), and HttpClient refuses what it cannot send.
  Result<http::Url> origin = http::ParseUrl(SplitUrl(request.url).origin);
  if (!origin.ok()) {
    return origin.status().WithContext("cannot sign " + request.method + " request");
  }

  const bool has_host = std::any_of(request.headers.begin(), request.headers.end(),
                                    [](const auto& h) { return IEquals(h.first, "host"); });
  if (!has_host) {
    request.headers.emplace_back("Host", origin->HostHeader());
  }
  RemoveHeader(request.headers, "authorization");
  RemoveHeader(request.headers, "x-amz-date");
  RemoveHeader(request.headers, "x-amz-security-token");
  request.headers.emplace_back("X-Amz-Date", FormatAmzDate(now));
  if (options.sign_body) {
    RemoveHeader(request.headers, "x-amz-content-sha256");
    request.headers.emplace_back("x-amz-content-sha256", Sha256Hex(request.body));
  }
  const bool has_token = !credentials.session_token.empty();
  if (has_token && !options.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());
  }

  const std::string signed_headers = SignedHeaders(request.headers);
  std::string string_to_sign =
      StringToSign(CanonicalRequest(request, signed_headers, options), now, scope);
  std::string signature =
      Signature(credentials.secret_access_key.reveal(), string_to_sign, now, scope);

  if (has_token && options.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());
  }
  request.headers.emplace_back(
      "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                           CredentialScope(now, scope) + ", SignedHeaders=" + signed_headers +
                           ", Signature=" + signature);
  return Status::Ok();
}

}  // namespace statusbridge::aws
