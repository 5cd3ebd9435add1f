#include "core/text.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace statusbridge {
namespace {

bool IsC0OrDel(unsigned char c) { return c < 0x20 || c == 0x7f; }

// A C1 control character: U+0080..U+009F, encoded C2 80..C2 9F.
bool IsC1(std::string_view sequence) {
  return sequence.size() == 2 && static_cast<unsigned char>(sequence[0]) == 0xC2 &&
         static_cast<unsigned char>(sequence[1]) <= 0x9F;
}

}  // namespace

size_t Utf8SequenceLength(std::string_view s) {
  if (s.empty()) {
    return 0;
  }
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

std::string_view Trim(std::string_view s, std::string_view chars) {
  const size_t begin = s.find_first_not_of(chars);
  if (begin == std::string_view::npos) {
    return s.substr(s.size());
  }
  const size_t end = s.find_last_not_of(chars);
  return s.substr(begin, end - begin + 1);
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

std::string Join(const std::vector<std::string_view>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += items[i];
  }
  return out;
}

std::optional<double> ParseFiniteDouble(std::string_view s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> DidYouMean(std::string_view word,
                                      const std::vector<std::string_view>& candidates) {
  const std::string w = AsciiLower(word);
  const size_t max_distance = w.size() <= 4 ? 1 : 2;
  std::optional<std::string> best;
  size_t best_distance = max_distance + 1;
  for (std::string_view c : candidates) {
    const size_t d = EditDistance(w, AsciiLower(c));
    if (d < best_distance) {
      best = std::string(c);
      best_distance = d;
    }
  }
  if (best) {
    return best;
  }
  for (std::string_view c : candidates) {
    const std::string lc = AsciiLower(c);
    if (std::min(w.size(), lc.size()) >= 3 &&
        (w.starts_with(lc) || lc.starts_with(w) || w.ends_with(lc) || lc.ends_with(w))) {
      return std::string(c);
    }
  }
  return std::nullopt;
}

}  // namespace statusbridge
