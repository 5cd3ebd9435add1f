#pragma once

// Checking and quoting text that people or servers wrote (config values, names, file contents)
// before it reaches a message, a log line or a terminal. A control character printed raw can
// rewrite the terminal (ESC sequences), forge a log line (CR, LF) or hide what was wrong; a byte
// that is not UTF-8 makes a JSON log line unwritable. Also the small string helpers every module
// needs (Trim, Split, Join, AsciiLower) and the did-you-mean guess of error messages, so that no
// module keeps its own copy.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statusbridge {

// The length of the well-formed UTF-8 sequence starting at s[0] (RFC 3629 §4: no overlong forms,
// no surrogates, nothing above U+10FFFF): 1 to 4, or 0 if there is none (or `s` is empty).
size_t Utf8SequenceLength(std::string_view s);

// True when `s` is well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, nothing
// above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// True when `s` holds a control character: C0 (U+0000..U+001F), DEL (U+007F) or C1
// (U+0080..U+009F, the two bytes C2 80..C2 9F in UTF-8), other than the ASCII characters listed in
// `allowed` (e.g. "\t\n\r" for text that may span lines). Bytes that are not UTF-8 are not
// control characters; check them with IsValidUtf8.
bool HasControlCharacter(std::string_view s, std::string_view allowed = {});

// `s` made fit to print inside quotes: every control character (C0, DEL, C1) and every byte that
// is not part of well-formed UTF-8 becomes "\xNN" (a C1 character, two bytes, becomes
// "\xC2\xNN"); everything else is kept as it is. At most `max` bytes come out, then "..." when
// something was cut; an escape or a UTF-8 sequence is never cut in half. The result is valid
// UTF-8 without control characters.
std::string EscapeText(std::string_view s, size_t max = 100);

// The ASCII whitespace characters (what std::isspace accepts in the "C" locale).
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";

// `s` without the leading and trailing characters that are in `chars`. A view into `s`.
std::string_view Trim(std::string_view s, std::string_view chars = kAsciiWhitespace);

// `s` cut at every `separator`: n separators give n + 1 parts, empty ones included, so "" gives
// {""} and "a,,b" gives {"a", "", "b"}. Views into `s`.
std::vector<std::string_view> Split(std::string_view s, char separator);

// The items with `separator` between them: Join({"a", "b"}, ", ") is "a, b".
std::string Join(const std::vector<std::string_view>& items, std::string_view separator);

// The whole of `s` as a finite number, as std::from_chars reads it ("-1.5", "2e3", ".5"; no
// leading '+' or whitespace). nullopt for anything else, including "inf", "nan" and overflow.
std::optional<double> ParseFiniteDouble(std::string_view s);

// `s` with A-Z turned into a-z; every other byte is kept.
std::string AsciiLower(std::string_view s);

// The Levenshtein distance: single-byte insertions, deletions and substitutions.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate `word` was most likely meant as, for a "did you mean" hint: the closest one at
// most 1 edit away (words of up to 4 bytes) or 2 edits away (longer words), ignoring ASCII case;
// failing that, one that is a prefix or suffix of the other, both at least 3 bytes
// ("statistic" -> "stat", "metric_id" -> "statuspage_metric_id"). The first candidate wins a
// tie. nullopt when none is close.
std::optional<std::string> DidYouMean(std::string_view word,
                                      const std::vector<std::string_view>& candidates);

}  // namespace statusbridge
