#include "core/time.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <limits>

#include "core/text.h"

namespace statusbridge {
namespace {

bool ParseInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

Result<SystemTime> FromCivil(int y, int mo, int d, int h, int mi, int s) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return Status::InvalidArgument("date or time field out of range");
  }
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return Status::InvalidArgument("no such calendar date");
  return SystemTime(std::chrono::sys_days(ymd)) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         Seconds(s);
}

}  // namespace

SystemTime AlignDown(SystemTime t, Seconds period) {
  int64_t s = ToUnixSeconds(t);
  int64_t p = period.count();
  int64_t r = s % p;
  if (r < 0) r += p;
  return FromUnixSeconds(s - r);
}

namespace {

int64_t SaturatingAdd64(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

int64_t SaturatingMul64(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                              : std::numeric_limits<int64_t>::max();
  }
  return out;
}

int64_t SaturatingSub64(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) {
    return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

}  // namespace

SystemTime SaturatingAdd(SystemTime t, Seconds d) {
  return FromUnixSeconds(SaturatingAdd64(ToUnixSeconds(t), d.count()));
}

MonotonicTime SaturatingAdd(MonotonicTime t, Millis d) {
  using Tick = MonotonicTime::duration;
  int64_t ticks = 0;
  if (__builtin_mul_overflow(d.count(), std::chrono::duration_cast<Tick>(Millis(1)).count(),
                             &ticks)) {
    // |d| alone is beyond the clock's range: so is t + d.
    return d.count() > 0 ? MonotonicTime::max() : MonotonicTime::min();
  }
  return MonotonicTime(Tick(SaturatingAdd64(t.time_since_epoch().count(), ticks)));
}

Millis SaturatingDiff(SystemTime a, SystemTime b) {
  return Millis(SaturatingMul64(SaturatingSub64(ToUnixSeconds(a), ToUnixSeconds(b)), 1000));
}

Millis SaturatingDiff(MonotonicTime a, MonotonicTime b) {
  const int64_t ticks = SaturatingSub64(a.time_since_epoch().count(), b.time_since_epoch().count());
  return std::chrono::duration_cast<Millis>(MonotonicTime::duration(ticks));
}

Result<Seconds> ParseDuration(std::string_view text) {
  if (text.empty()) {
    return Status::InvalidArgument("empty duration");
  }
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid duration \"" + EscapeText(text, 40) + "\": " + why);
  };
  struct Unit {
    char name;
    int64_t seconds;
  };
  // Largest first: each part must use a smaller unit than the part before it.
  static constexpr Unit kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  constexpr int64_t kMax = kMaxDuration.count();
  const std::string too_large = "longer than " + FormatDuration(kMaxDuration);
  int64_t total = 0;
  size_t next_unit = 0;  // the index in kUnits of the largest unit the next part may use
  size_t i = 0;
  bool first = true;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return invalid("expected a number followed by s, m, h or d");
    }
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > kMax) {
        return invalid(too_large);
      }
      ++i;
    }
    int64_t unit_seconds = 1;
    if (i == text.size()) {
      if (!first) {
        return invalid("missing unit");
      }
    } else {
      size_t k = 0;
      while (k < std::size(kUnits) && kUnits[k].name != text[i]) {
        ++k;
      }
      if (k == std::size(kUnits)) {
        return invalid("unknown unit '" + EscapeText(text.substr(i, 1)) + "' (use s, m, h or d)");
      }
      if (k < next_unit) {
        return invalid(
            "units must go from the largest to the smallest, each at most once (as in 1h30m)");
      }
      next_unit = k + 1;
      unit_seconds = kUnits[k].seconds;
      ++i;
    }
    if (n > (kMax - total) / unit_seconds) {
      return invalid(too_large);
    }
    total += n * unit_seconds;
    first = false;
  }
  return Seconds(total);
}

std::string FormatDuration(Seconds d) {
  int64_t s = d.count();
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::string FormatIso8601(SystemTime t) {
  std::time_t tt = static_cast<std::time_t>(ToUnixSeconds(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatAmzDate(SystemTime t) {
  std::time_t tt = static_cast<std::time_t>(ToUnixSeconds(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<SystemTime> ParseIso8601(std::string_view s) {
  // YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
  int y, mo, d, h, mi, sec;
  auto bad = [&] {
    return Status::InvalidArgument("invalid timestamp \"" + std::string(s) + "\"");
  };
  if (s.size() < 19 || !ParseInt(s, 0, 4, &y) || s[4] != '-' || !ParseInt(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseInt(s, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
      !ParseInt(s, 11, 2, &h) || s[13] != ':' || !ParseInt(s, 14, 2, &mi) || s[16] != ':' ||
      !ParseInt(s, 17, 2, &sec)) {
    return bad();
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return bad();
  }
  int offset = 0;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      int oh, om;
      if (!ParseInt(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
          !ParseInt(s, i + 4, 2, &om)) {
        return bad();
      }
      offset = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
      i += 6;
    } else {
      return bad();
    }
  }
  if (i != s.size()) return bad();
  auto t = FromCivil(y, mo, d, h, mi, sec);
  if (!t.ok()) return bad();
  return *t - Seconds(offset);
}

Result<SystemTime> ParseHttpDate(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto bad = [&] {
    return Status::InvalidArgument("invalid HTTP date \"" + std::string(s) + "\"");
  };
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s.substr(25) != " GMT") return bad();
  int d, y, h, mi, sec;
  if (!ParseInt(s, 5, 2, &d) || !ParseInt(s, 12, 4, &y) || !ParseInt(s, 17, 2, &h) ||
      !ParseInt(s, 20, 2, &mi) || !ParseInt(s, 23, 2, &sec)) {
    return bad();
  }
  std::string_view mon = s.substr(8, 3);
  int mo = 0;
  for (int k = 0; k < 12; ++k) {
    if (mon == kMonths[k]) mo = k + 1;
  }
  if (mo == 0) return bad();
  auto t = FromCivil(y, mo, d, h, mi, sec);
  if (!t.ok()) return bad();
  return t;
}

}  // namespace statusbridge
