// Fuzzes the text helpers of http/ that every client runs server or config text through. The
// first byte picks one (fuzz_support.h):
//   0  ParseUrl(); a URL it accepts has scheme http or https, a host, a path starting with '/'
//      and a port in 0..65535
//   1  UrlEncode() / UrlDecode(): decoding an encoding gives the text back, and the encoding holds
//      only unreserved characters and %XX
//   2  Snippet() at limits 0, 7 and 300: valid UTF-8 without control characters, at most the
//      limit plus "..." long
//   3  FindHeader() / HasHeader() over headers read from the rest ("Name: value" lines; the
//      first line is the name looked up)
//   4  RedactCredentials() of a session token in one of the named places it may appear in a
//      server's text (a header line as AWS echoes a canonical request, JSON, XML, a query
//      parameter, an INI line), between two lines of arbitrary text (the rest, cut at its first
//      newline): the token never survives

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/redact.h"
#include "fuzz/fuzz_support.h"
#include "http/http_client.h"

namespace statusbridge::fuzz {
namespace {

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) {
      return false;  // cut short
    }
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

void Url(std::string_view text) {
  auto url = http::ParseUrl(text);
  if (!url.ok()) {
    return;
  }
  FUZZ_CHECK(url->scheme == "http" || url->scheme == "https", url->scheme);
  FUZZ_CHECK(!url->host.empty(), std::string(text));
  FUZZ_CHECK(!url->path.empty() && url->path.front() == '/', url->path);
  FUZZ_CHECK(url->port >= 0 && url->port <= 65535, std::to_string(url->port));
  (void)url->HostHeader();
}

void Encoding(std::string_view text) {
  const std::string encoded = http::UrlEncode(text);
  for (size_t i = 0; i < encoded.size(); ++i) {
    const auto c = static_cast<unsigned char>(encoded[i]);
    if (c == '%') {
      FUZZ_CHECK(i + 2 < encoded.size() &&
                     std::isxdigit(static_cast<unsigned char>(encoded[i + 1])) &&
                     std::isxdigit(static_cast<unsigned char>(encoded[i + 2])),
                 encoded);
      i += 2;
      continue;
    }
    FUZZ_CHECK(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~', encoded);
  }
  FUZZ_CHECK(http::UrlDecode(encoded) == text, encoded);
  FUZZ_CHECK(http::UrlDecode(encoded, /*plus_is_space=*/true) == text, encoded);
  (void)http::UrlDecode(text);
  (void)http::UrlDecode(text, /*plus_is_space=*/true);
}

void Snippets(std::string_view text) {
  for (size_t max : {size_t{0}, size_t{7}, size_t{300}}) {
    const std::string s = http::Snippet(text, max);
    FUZZ_CHECK(IsValidUtf8(s), s);
    for (char c : s) {
      FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, s);
    }
    // Each byte kept may become a 4-character "\xNN"; "..." marks a cut.
    FUZZ_CHECK(s.size() <= 4 * max + 3, std::to_string(s.size()));
  }
}

void Headers(std::string_view text) {
  http::Headers headers;
  size_t nl = text.find('\n');
  const std::string name(text.substr(0, nl));
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  while (!text.empty() && headers.size() < 64) {
    nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    size_t colon = line.find(':');
    headers.emplace_back(
        std::string(line.substr(0, colon)),
        colon == std::string_view::npos ? "" : std::string(line.substr(colon + 1)));
  }
  const std::string_view found = http::FindHeader(headers, name);
  FUZZ_CHECK(found.empty() || http::HasHeader(headers, name), name);
}

void Redaction(std::string_view text) {
  constexpr std::string_view kToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVz+fUzZ/ToKeN==";
  if (text.empty()) {
    return;
  }
  const unsigned place = static_cast<unsigned char>(text.front()) % 6;
  text.remove_prefix(1);
  const size_t nl = text.find('\n');
  const std::string_view before = text.substr(0, nl);
  const std::string_view after =
      nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  if (text.find(kToken) != std::string_view::npos) {
    return;
  }
  const std::string token(kToken);
  const std::string places[] = {
      "x-amz-security-token:" + token,
      "X-Amz-Security-Token: " + token,
      "{\"SessionToken\": \"" + token + "\"}",
      "<SecretAccessKey>" + token + "</SecretAccessKey>",
      "GET /?Action=x&X-Amz-Security-Token=" + http::UrlEncode(token) + "&Version=1",
      "aws_session_token = " + token,
  };
  const std::string redacted =
      RedactCredentials(std::string(before) + "\n" + places[place] + "\n" + std::string(after));
  FUZZ_CHECK(redacted.find(kToken) == std::string::npos &&
                 redacted.find(http::UrlEncode(token)) == std::string::npos,
             redacted);
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 5);
  switch (mode) {
    case 0:
      fuzz::Url(rest);
      break;
    case 1:
      fuzz::Encoding(rest);
      break;
    case 2:
      fuzz::Snippets(rest);
      break;
    case 3:
      fuzz::Headers(rest);
      break;
    default:
      fuzz::Redaction(rest);
      break;
  }
  return 0;
}
