#pragma once

// Time vocabulary shared by every module.
//
// SystemTime is wall time at one-second resolution: what we show or send (query windows,
// Statuspage timestamps, SigV4 dates, logs). MonotonicTime is what we measure with (timeouts,
// backoff, rate-limit refills). Bucket starts and windows are SystemTime values aligned to a
// period. All functions here are pure.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace statusbridge {

using SystemTime = std::chrono::sys_seconds;
using MonotonicTime = std::chrono::steady_clock::time_point;
using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

// A half-open interval [start, end).
struct TimeWindow {
  SystemTime start;
  SystemTime end;

  bool empty() const { return end <= start; }
  bool Contains(SystemTime t) const { return t >= start && t < end; }
  friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

inline int64_t ToUnixSeconds(SystemTime t) { return t.time_since_epoch().count(); }
inline SystemTime FromUnixSeconds(int64_t s) { return SystemTime(Seconds(s)); }

// Saturating time arithmetic. Durations that come from outside (a Retry-After header, a value
// stored in the state file) can be absurd; adding them to a time point must never overflow
// (signed overflow is undefined, and a wrapped deadline lies in the past, which made loops spin).
// Each result is clamped to the range the result type can hold. Negative durations subtract.
SystemTime SaturatingAdd(SystemTime t, Seconds d);
MonotonicTime SaturatingAdd(MonotonicTime t, Millis d);

// `a - b` in milliseconds, clamped to Millis' range (instead of overflowing when a and b are
// centuries apart).
Millis SaturatingDiff(SystemTime a, SystemTime b);
Millis SaturatingDiff(MonotonicTime a, MonotonicTime b);

// Largest multiple of `period` (counted from the Unix epoch) that is <= t. REQUIRES: period > 0.
SystemTime AlignDown(SystemTime t, Seconds period);

// The longest duration ParseDuration accepts: 100 years, so that any parsed duration converts to
// nanoseconds and adds to a time point of this century without overflow.
inline constexpr Seconds kMaxDuration{36500LL * 86400};

// The duration grammar of docs/config.md: a whole number followed by a unit, s, m, h or d
// ("30s", "5m", "2h", "7d"); several parts combined largest unit first, each unit at most once
// ("1h30m", "1d12h", not "30m1h" or "1m1m"); or a bare whole number meaning seconds ("90").
// No sign, no fraction, no spaces. At most kMaxDuration. Errors say what was wrong with the
// text (quoted with control characters escaped, cut after 40 bytes).
Result<Seconds> ParseDuration(std::string_view text);

// "90s" -> "90s", 300 -> "5m", 7200 -> "2h": the shortest exact form.
std::string FormatDuration(Seconds d);

// "2026-11-24T00:05:00Z".
std::string FormatIso8601(SystemTime t);

// "20261124T000500Z" (SigV4's X-Amz-Date form).
std::string FormatAmzDate(SystemTime t);

// Parses ISO 8601 / RFC 3339 UTC timestamps: "2026-11-24T00:05:00Z", with optional fractional
// seconds (truncated) and "+00:00"/"+HH:MM" offsets. Also Logs Insights' "2026-11-24 00:05:00.000".
Result<SystemTime> ParseIso8601(std::string_view text);

// Parses an RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
Result<SystemTime> ParseHttpDate(std::string_view text);

}  // namespace statusbridge
