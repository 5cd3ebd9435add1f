#include "http/http_client.h"

#include <algorithm>
#include <charconv>

#include "core/redact.h"
#include "core/text.h"

namespace statusbridge::http {
namespace {

// ASCII-only on purpose: <cctype> follows the global locale, and in a single-byte locale such as
// ISO-8859-1 std::isalnum accepts bytes of UTF-8 sequences, which would then escape UrlEncode.
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      return v;
    }
  }
  return {};
}

bool HasHeader(const Headers& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) {
      return true;
    }
  }
  return false;
}

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port =
      port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (!default_port) {
    h += ":" + std::to_string(port);
  }
  return h;
}

// One pass from the scheme to the fragment, each check beside the part it reads (the parts are
// views into `s`, and every error quotes the whole URL). Hence the length.
Result<Url> ParseUrl(std::string_view s) {
  Url u;
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("invalid URL \"" + Snippet(s) + "\": " + why);
  };
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) {
      return bad("contains a space or control character");
    }
  }
  size_t p = s.find("://");
  if (p == std::string_view::npos) {
    return bad("missing scheme");
  }
  u.scheme = std::string(s.substr(0, p));
  for (auto& c : u.scheme) {
    c = AsciiLower(c);
  }
  if (u.scheme != "http" && u.scheme != "https") {
    return bad("scheme must be http or https");
  }
  std::string_view rest = s.substr(p + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return bad("credentials in URLs are not supported");
  }
  if (authority.empty()) {
    return bad("missing host");
  }
  std::string_view port_text;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad("unterminated IPv6 address");
    }
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return bad("junk after IPv6 address");
      }
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      u.host = std::string(authority.substr(0, colon));
      port_text = authority.substr(colon + 1);
    } else {
      u.host = std::string(authority);
    }
  }
  if (u.host.empty()) {
    return bad("missing host");
  }
  if (!port_text.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      return bad("invalid port");
    }
    u.port = port;
  }
  size_t hash = tail.find('#');
  if (hash != std::string_view::npos) {
    tail = tail.substr(0, hash);
  }
  size_t q = tail.find('?');
  u.path = std::string(tail.substr(0, q));
  if (q != std::string_view::npos) {
    u.query = std::string(tail.substr(q + 1));
  }
  if (u.path.empty()) {
    u.path = "/";
  }
  return u;
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (IsUnreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
      continue;
    }
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string Snippet(std::string_view body, size_t max) {
  // The result goes into Status messages, logs and JSON output: it must be valid UTF-8 (nlohmann
  // throws on anything else) and printable, whatever bytes the server sent.
  static const char* kHex = "0123456789ABCDEF";
  // Credentials go first, on more than will be shown, so the cut below never leaves the start of
  // a secret (a session token is a few KB) behind.
  const size_t window = max + 16384;
  const bool longer = body.size() > window;
  const std::string redacted = RedactCredentials(body.substr(0, window));
  body = redacted;
  std::string out;
  size_t i = 0;
  while (i < body.size()) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    const size_t n = Utf8SequenceLength(body.substr(i));
    std::string piece;
    if (c == '\n' || c == '\r' || c == '\t') {
      piece = " ";
    } else if (n == 0 || c < 0x20 || c == 0x7f) {
      piece = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    } else {
      piece = std::string(body.substr(i, n));
    }
    if (out.size() + piece.size() > max) {
      break;
    }
    out += piece;
    i += n == 0 ? 1 : n;
  }
  if (i < body.size() || longer) {
    out += "...";
  }
  return out;
}

}  // namespace statusbridge::http
