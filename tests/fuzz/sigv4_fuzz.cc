// Fuzzes the SigV4 signer and its canonicaliser (path normalisation and encoding, query sorting,
// header folding and trimming) on requests written as the AWS test suites write them
// (../shared/testdata/sigv4, whose .req files are the seeds): "METHOD target HTTP/1.1", then
// "Name:value" lines (a line starting with a space or tab continues the previous value), a blank
// line and the body. The URL is https://<Host header><target>.
//
// Each request is signed twice, with the default options and with the S3-style ones (no path
// normalisation, signed body hash, unsigned session token). A request that signs has an
// Authorization that does not show the secret; when its header names are tokens (as on the wire),
// a verifier recomputes that Authorization from the signed request (CanonicalRequest over its
// SignedHeaders, StringToSign, Signature), and signing the signed request again at the same time
// reproduces it.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "fuzz/fuzz_support.h"
#include "http/http_client.h"

namespace statusbridge::fuzz {
namespace {

http::HttpRequest ParseRawRequest(std::string_view text) {
  http::HttpRequest req;
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  size_t first_space = line.find(' ');
  size_t last_space = line.rfind(' ');
  req.method = std::string(line.substr(0, first_space));
  std::string target;
  if (first_space != std::string_view::npos && last_space > first_space) {
    target = std::string(line.substr(first_space + 1, last_space - first_space - 1));
  }
  bool body = false;
  while (!text.empty()) {
    nl = text.find('\n');
    line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) {
      body = true;
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !req.headers.empty()) {
      req.headers.back().second += "\n" + std::string(line);
      continue;
    }
    size_t colon = line.find(':');
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  if (body) {
    req.body = std::string(text);
  }
  std::string host(http::FindHeader(req.headers, "host"));
  size_t b = host.find_first_not_of(" \t");
  size_t e = host.find_last_not_of(" \t");
  host = b == std::string::npos ? "" : host.substr(b, e - b + 1);
  req.url = "https://" + host + target;
  return req;
}

std::string Field(std::string_view authorization, std::string_view key) {
  size_t start = authorization.find(key);
  if (start == std::string_view::npos) {
    return "";
  }
  start += key.size();
  size_t end = authorization.find(',', start);
  return std::string(authorization.substr(start, end - start));
}

// Whether every header name is an RFC 9110 token (what a real request can carry).
bool AllNamesAreTokens(const http::Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty()) {
      return false;
    }
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) &&
          std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
        return false;
      }
    }
  }
  return true;
}

void SignAndVerify(const http::HttpRequest& original, const aws::SigningOptions& options) {
  const SystemTime now = FromUnixSeconds(1440938160);  // the suites' 2015-08-30T12:36:00Z
  const aws::SigningScope scope{"us-east-1", "service"};
  const aws::Credentials credentials = FuzzCredentials();
  http::HttpRequest signed_once = original;
  if (!aws::SignRequest(signed_once, credentials, scope, now, options).ok()) {
    return;
  }
  const std::string authorization(http::FindHeader(signed_once.headers, "Authorization"));
  FUZZ_CHECK(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDFUZZEXAMPLE/", 0) == 0,
             authorization);
  FUZZ_CHECK(!ShowsSecret(authorization), authorization);

  if (!AllNamesAreTokens(original.headers)) {
    return;  // a ',' or ';' in a name makes SignedHeaders ambiguous to any verifier
  }
  const std::string signed_headers = Field(authorization, "SignedHeaders=");
  const std::string canonical = aws::CanonicalRequest(signed_once, signed_headers, options);
  const std::string expected = aws::Signature(credentials.secret_access_key.reveal(),
                                              aws::StringToSign(canonical, now, scope), now, scope);
  FUZZ_CHECK(Field(authorization, "Signature=") == expected,
             "a verifier does not get the same signature; canonical request:\n" + canonical);

  http::HttpRequest signed_twice = signed_once;
  FUZZ_CHECK(aws::SignRequest(signed_twice, credentials, scope, now, options).ok(), "re-sign");
  FUZZ_CHECK(http::FindHeader(signed_twice.headers, "Authorization") == authorization,
             "re-signing changed the signature:\n" + authorization + "\n" +
                 std::string(http::FindHeader(signed_twice.headers, "Authorization")));
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const http::HttpRequest request = fuzz::ParseRawRequest(fuzz::AsText(data, size));
  fuzz::SignAndVerify(request, aws::SigningOptions{});
  aws::SigningOptions s3;
  s3.normalize_path = false;
  s3.sign_body = true;
  s3.omit_session_token = true;
  fuzz::SignAndVerify(request, s3);
  return 0;
}
