#include "http/http_client.h"

#include <cctype>
#include <charconv>

namespace statusbridge::http {

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < k.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(k[i])) !=
          std::tolower(static_cast<unsigned char>(name[i]))) {
        eq = false;
        break;
      }
    }
    if (eq) return v;
  }
  return {};
}

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (!default_port) h += ":" + std::to_string(port);
  return h;
}

Result<Url> ParseUrl(std::string_view s) {
  Url u;
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("invalid URL \"" + std::string(s) + "\": " + why);
  };
  size_t p = s.find("://");
  if (p == std::string_view::npos) return bad("missing scheme");
  u.scheme = std::string(s.substr(0, p));
  for (auto& c : u.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.scheme != "http" && u.scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = s.substr(p + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in URLs are not supported");
  if (authority.empty()) return bad("missing host");
  std::string_view port_text;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after IPv6 address");
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
  if (u.host.empty()) return bad("missing host");
  if (!port_text.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
      return bad("invalid port");
    }
    u.port = port;
  }
  size_t hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  size_t q = tail.find('?');
  u.path = std::string(tail.substr(0, q));
  if (q != std::string_view::npos) u.query = std::string(tail.substr(q + 1));
  if (u.path.empty()) u.path = "/";
  return u;
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Snippet(std::string_view body, size_t max) {
  std::string out;
  for (char c : body.substr(0, max)) {
    out.push_back((c == '\n' || c == '\r' || c == '\t') ? ' ' : c);
  }
  if (body.size() > max) out += "...";
  return out;
}

}  // namespace statusbridge::http
