#pragma once

// Helpers shared by the fuzz targets (tests/fuzz/*_fuzz.cc): cutting one input into a mode and
// parts, reading a scripted HTTP response written as text, and the fixed time and credentials
// every target uses, so that what a target does depends on its input alone.
//
// Input conventions (the seed corpus is written in them, so it stays readable):
//   - TakeMode(): the first byte picks a sub-target; '0' is mode 0, '1' mode 1, and so on (any
//     byte works: it is taken modulo the number of modes).
//   - SplitParts(): parts are separated by a line "~~~" ("\n~~~\n").
//   - ParseResponse(): a part that starts with a three-digit line is "<status>\n", header lines
//     "Name: value\n", a blank line, then the body; anything else is the body of a 200.
//     Status 000 stands for a transport error (Unavailable), as curl would report it.

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"
#include "http/http_client.h"

namespace statusbridge::fuzz {

// 2024-01-01T01:00:00Z: "now" for every target. kHourStart is the hour before it.
inline constexpr int64_t kNow = 1704070800;
inline constexpr int64_t kHourStart = kNow - 3600;

inline constexpr std::string_view kPartSeparator = "\n~~~\n";

// Aborts (a crash the fuzzer reports) when a documented property does not hold. `what` says
// which contract was broken.
#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                                  \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

struct ModeAndRest {
  unsigned mode = 0;
  std::string_view rest;
};

// Takes the first byte as the mode (see above). An empty input is mode 0 with nothing left.
inline ModeAndRest TakeMode(std::string_view input, unsigned modes) {
  if (input.empty()) {
    return {};
  }
  const auto first = static_cast<unsigned char>(input.front() - '0');
  return {first % modes, input.substr(1)};
}

// The parts of `input` between separators, at most `max_parts` (the last one keeps any further
// separators). Always at least one part.
inline std::vector<std::string_view> SplitParts(std::string_view input, size_t max_parts = 16) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    size_t at = input.find(kPartSeparator);
    if (at == std::string_view::npos) {
      break;
    }
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kPartSeparator.size());
  }
  parts.push_back(input);
  return parts;
}

// Reads one response written as text (see above).
inline Result<http::HttpResponse> ParseResponse(std::string_view text) {
  http::HttpResponse response;
  const bool has_status =
      text.size() >= 3 && (text.size() == 3 || text[3] == '\n') &&
      text.substr(0, 3).find_first_not_of("0123456789") == std::string_view::npos;
  if (!has_status) {
    response.status = 200;
    response.body = std::string(text);
    return response;
  }
  response.status = std::stoi(std::string(text.substr(0, 3)));
  if (response.status == 0) {
    return Status::Unavailable("fuzz: scripted transport error");
  }
  text.remove_prefix(std::min<size_t>(4, text.size()));
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) {
      break;
    }
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    response.headers.emplace_back(std::string(name), std::string(value));
  }
  response.body = std::string(text);
  return response;
}

// The path of a temporary file of this process's own (in $TMPDIR, else /tmp), created on first
// use and removed at exit; one per `tag`, which must be a string literal.
inline const std::string& ScratchFile(const char* tag) {
  static std::vector<std::pair<const char*, std::string>> files;
  for (const auto& [t, path] : files) {
    if (std::string_view(t) == tag) {
      return path;
    }
  }
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                     "/statusbridge-fuzz-" + tag + "-XXXXXX";
  const int fd = ::mkstemp(path.data());
  FUZZ_CHECK(fd >= 0, "mkstemp " + path);
  ::close(fd);
  if (files.empty()) {
    std::atexit([] {
      for (const auto& [t, p] : files) {
        std::remove(p.c_str());
      }
    });
  }
  files.emplace_back(tag, std::move(path));
  return files.back().second;
}

// Replaces the contents of `path` with `bytes`.
inline void WriteScratchFile(const std::string& path, std::string_view bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr, path);
  FUZZ_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size(), path);
  std::fclose(f);
}

// Credentials whose secrets no input contains by chance: a message that shows one has leaked it.
inline constexpr std::string_view kSecretKey = "fUzZ/SECRET+Key0Never1In2Messages3xq";
inline constexpr std::string_view kSessionToken = "fUzZ-SESSION-Token4Never5In6Messages7zq";

inline aws::Credentials FuzzCredentials(bool with_session_token = true) {
  aws::Credentials c;
  c.access_key_id = "AKIDFUZZEXAMPLE";
  c.secret_access_key = Secret(std::string(kSecretKey));
  if (with_session_token) {
    c.session_token = Secret(std::string(kSessionToken));
  }
  c.source = "fuzz";
  return c;
}

// Whether `text` shows any of the fuzz secrets.
inline bool ShowsSecret(std::string_view text) {
  return text.find(kSecretKey) != std::string_view::npos ||
         text.find(kSessionToken) != std::string_view::npos;
}

// Whether `message` shows a fuzz secret that did not come from `input` (the server's text). A
// server that echoes a secret back in free text is quoted as it wrote it (redaction finds
// credentials by their names: core/redact.h); what must never happen is our own code putting
// them in a message.
inline bool LeaksSecret(std::string_view message, std::string_view input) {
  return ShowsSecret(message) && !ShowsSecret(input);
}

}  // namespace statusbridge::fuzz
