#include "core/text.h"

namespace statusbridge {
namespace {

// Length of the well-formed UTF-8 sequence starting at s[0], or 0 if there is none.
size_t Utf8SequenceLength(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < s.size() && b(i) >= lo && b(i) <= hi;
  };
  const unsigned char c = b(0);
  if (c < 0x80) {
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    return cont(1) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

bool IsC0OrDel(unsigned char c) { return c < 0x20 || c == 0x7f; }

// A C1 control character: U+0080..U+009F, encoded C2 80..C2 9F.
bool IsC1(std::string_view sequence) {
  return sequence.size() == 2 && static_cast<unsigned char>(sequence[0]) == 0xC2 &&
         static_cast<unsigned char>(sequence[1]) <= 0x9F;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

bool HasControlCharacter(std::string_view s, std::string_view allowed) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (IsC0OrDel(c)) {
      if (allowed.find(static_cast<char>(c)) == std::string_view::npos) {
        return true;
      }
      ++i;
      continue;
    }
    if (c < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 0) {
      ++i;  // not UTF-8: not a control character either
      continue;
    }
    if (IsC1(s.substr(i, n))) {
      return true;
    }
    i += n;
  }
  return false;
}

std::string EscapeText(std::string_view s, size_t max) {
  static const char* kHex = "0123456789ABCDEF";
  auto hex = [](unsigned char c) { return std::string{'\\', 'x', kHex[c >> 4], kHex[c & 15]}; };
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8SequenceLength(s.substr(i));
    std::string piece;
    size_t used = n;
    if (n == 0 || IsC0OrDel(c)) {
      piece = hex(c);
      used = 1;
    } else if (IsC1(s.substr(i, n))) {
      piece = hex(c) + hex(static_cast<unsigned char>(s[i + 1]));
    } else {
      piece = std::string(s.substr(i, n));
    }
    if (out.size() + piece.size() > max) {
      return out + "...";
    }
    out += piece;
    i += used;
  }
  return out;
}

}  // namespace statusbridge
