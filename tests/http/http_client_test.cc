#include "http/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "status_matchers.h"

namespace statusbridge::http {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::HasSubstr;

// True when `s` is well-formed UTF-8 (checked independently of the code under test).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      return false;
    }
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

// --- ParseUrl ---

TEST(ParseUrlTest, SplitsAllParts) {
  auto u = ParseUrl("https://api.statuspage.io:8443/v1/pages/p1?page=2&per_page=100#frag");
  ASSERT_OK(u);
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "api.statuspage.io");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/v1/pages/p1");
  EXPECT_EQ(u->query, "page=2&per_page=100");
  EXPECT_EQ(u->HostHeader(), "api.statuspage.io:8443");
}

TEST(ParseUrlTest, DefaultsPathAndPort) {
  auto u = ParseUrl("HTTP://example.com");
  ASSERT_OK(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->port, 0);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->query, "");
  EXPECT_EQ(u->HostHeader(), "example.com");
}

TEST(ParseUrlTest, QueryWithoutPath) {
  auto u = ParseUrl("http://example.com?x=1");
  ASSERT_OK(u);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->query, "x=1");
}

TEST(ParseUrlTest, DefaultPortIsOmittedFromHostHeader) {
  auto http = ParseUrl("http://example.com:80/");
  ASSERT_OK(http);
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->HostHeader(), "example.com");
  auto https = ParseUrl("https://example.com:443/");
  ASSERT_OK(https);
  EXPECT_EQ(https->HostHeader(), "example.com");
  auto other = ParseUrl("https://example.com:80/");
  ASSERT_OK(other);
  EXPECT_EQ(other->HostHeader(), "example.com:80");
}

TEST(ParseUrlTest, Ipv6Literal) {
  auto u = ParseUrl("http://[::1]:8080/x");
  ASSERT_OK(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->HostHeader(), "[::1]:8080");
  auto no_port = ParseUrl("http://[fe80::1]/");
  ASSERT_OK(no_port);
  EXPECT_EQ(no_port->host, "fe80::1");
  EXPECT_EQ(no_port->HostHeader(), "[fe80::1]");
}

TEST(ParseUrlTest, RejectsBadUrlsNamingTheProblem) {
  struct Case {
    const char* url;
    const char* why;
  };
  const Case cases[] = {
      {"example.com/x", "missing scheme"},
      {"ftp://example.com/", "scheme must be http or https"},
      {"http:///path", "missing host"},
      {"http://", "missing host"},
      {"http://:80/", "missing host"},
      {"http://user:pw@example.com/", "credentials"},
      {"http://[::1/", "unterminated IPv6"},
      {"http://[::1]x/", "junk after IPv6"},
      {"http://[]/", "missing host"},
      {"http://example.com:0/", "invalid port"},
      {"http://example.com:65536/", "invalid port"},
      {"http://example.com:-1/", "invalid port"},
      {"http://example.com:8a/", "invalid port"},
      {"http://example.com/a b", "space or control"},
      {"http://example.com/\r\nX: y", "space or control"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_THAT(ParseUrl(c.url), StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.why)));
  }
}

TEST(ParseUrlTest, ErrorMessageIsPrintable) {
  auto u = ParseUrl(std::string("http://exa\x01mple.com/", 20));
  ASSERT_FALSE(u.ok());
  EXPECT_THAT(u.status().message(), HasSubstr("\\x01"));
  EXPECT_EQ(u.status().message().find('\x01'), std::string::npos);
}

// --- UrlEncode ---

TEST(UrlEncodeTest, KeepsUnreservedOnly) {
  EXPECT_EQ(UrlEncode(""), "");
  EXPECT_EQ(UrlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEncode("a b/c?d=e&f#g%"), "a%20b%2Fc%3Fd%3De%26f%23g%25");
  EXPECT_EQ(UrlEncode("+:@!*'()"), "%2B%3A%40%21%2A%27%28%29");
  EXPECT_EQ(UrlEncode(std::string("\0\x7f", 2)), "%00%7F");
  EXPECT_EQ(UrlEncode("é"), "%C3%A9");  // UTF-8 bytes, upper-case hex
  EXPECT_EQ(UrlEncode(".."), "..");     // unreserved per RFC 3986; callers guard dot segments
}

// --- FindHeader / HasHeader ---

TEST(FindHeaderTest, IsCaseInsensitiveAndReturnsFirstMatch) {
  Headers h = {{"Content-Type", "application/json"},
               {"retry-after", "30"},
               {"X-Dup", "first"},
               {"x-dup", "second"},
               {"X-Empty", ""}};
  EXPECT_EQ(FindHeader(h, "content-type"), "application/json");
  EXPECT_EQ(FindHeader(h, "CONTENT-TYPE"), "application/json");
  EXPECT_EQ(FindHeader(h, "Retry-After"), "30");
  EXPECT_EQ(FindHeader(h, "X-DUP"), "first");
  EXPECT_EQ(FindHeader(h, "Missing"), "");
  EXPECT_EQ(FindHeader(h, "Content-Typ"), "");  // no prefix matches
  EXPECT_EQ(FindHeader({}, "x"), "");
  EXPECT_EQ(FindHeader(h, "X-Empty"), "");
}

TEST(FindHeaderTest, HasHeaderTellsEmptyFromAbsent) {
  Headers h = {{"X-Empty", ""}};
  EXPECT_TRUE(HasHeader(h, "x-empty"));
  EXPECT_FALSE(HasHeader(h, "x-other"));
}

TEST(FindHeaderTest, NonAsciiBytesAreNotCaseFolded) {
  Headers h = {{"X-\xC9", "v"}};
  EXPECT_EQ(FindHeader(h, "x-\xC9"), "v");
  EXPECT_EQ(FindHeader(h, "x-\xE9"), "");
}

// --- Snippet ---

TEST(SnippetTest, ShortTextIsUnchanged) {
  EXPECT_EQ(Snippet(""), "");
  EXPECT_EQ(Snippet("metric not found"), "metric not found");
  EXPECT_EQ(Snippet("Größe ☃ 😀"), "Größe ☃ 😀");
}

TEST(SnippetTest, TruncatesAtMaxWithEllipsis) {
  std::string body(1000, 'a');
  std::string s = Snippet(body);
  EXPECT_EQ(s, std::string(300, 'a') + "...");
  EXPECT_EQ(Snippet("abcdef", 3), "abc...");
  EXPECT_EQ(Snippet("abc", 3), "abc");
  EXPECT_EQ(Snippet("abc", 0), "...");
}

TEST(SnippetTest, WhitespaceBecomesSpaces) { EXPECT_EQ(Snippet("a\nb\r\nc\td"), "a b  c d"); }

TEST(SnippetTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(Snippet(std::string("a\0b\x1b[31mc\x7f", 10)), "a\\x00b\\x1B[31mc\\x7F");
}

TEST(SnippetTest, InvalidUtf8IsEscaped) {
  EXPECT_EQ(Snippet("a\xff\xfe"), "a\\xFF\\xFE");
  EXPECT_EQ(Snippet("\xC0\xAF"), "\\xC0\\xAF");                    // overlong '/'
  EXPECT_EQ(Snippet("\xED\xA0\x80"), "\\xED\\xA0\\x80");           // UTF-16 surrogate
  EXPECT_EQ(Snippet("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(Snippet("x\xE2\x98"), "x\\xE2\\x98");                  // truncated sequence
}

TEST(SnippetTest, NeverSplitsAUtf8Sequence) {
  // "é" is two bytes; a cut after one byte would leave invalid UTF-8.
  EXPECT_EQ(Snippet("aé", 2), "a...");
  EXPECT_EQ(Snippet("a😀b", 4), "a...");
  EXPECT_EQ(Snippet("a😀b", 5), "a😀...");
}

TEST(SnippetTest, EscapesCountTowardsTheLimit) {
  std::string s = Snippet(std::string(100, '\x01'), 10);
  EXPECT_EQ(s, "\\x01\\x01...");
}

TEST(SnippetTest, BinaryGarbageGivesBoundedValidUtf8) {
  std::string body;
  for (int i = 0; i < 5000; ++i) {
    body.push_back(static_cast<char>((i * 7919) & 0xff));
  }
  std::string s = Snippet(body);
  EXPECT_LE(s.size(), 303u);
  EXPECT_TRUE(IsValidUtf8(s));
  for (unsigned char c : s) {
    EXPECT_FALSE(c < 0x20 || c == 0x7f) << static_cast<int>(c);
  }
}

}  // namespace
}  // namespace statusbridge::http

namespace statusbridge::http {
namespace {

TEST(UrlDecodeTest, DecodesEscapesAndKeepsBrokenOnes) {
  EXPECT_EQ(UrlDecode("a%20b%2Fc%2fd"), "a b/c/d");
  EXPECT_EQ(UrlDecode("100%"), "100%");
  EXPECT_EQ(UrlDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(UrlDecode("a+b"), "a+b");
  EXPECT_EQ(UrlDecode("a+b%2B", /*plus_is_space=*/true), "a b+");
  EXPECT_EQ(UrlDecode(UrlEncode("ünïcode & spaces/~")), "ünïcode & spaces/~");
}

}  // namespace
}  // namespace statusbridge::http
