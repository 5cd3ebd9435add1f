#pragma once

// Checking and quoting text that people or servers wrote (config values, names, file contents)
// before it reaches a message, a log line or a terminal. A control character printed raw can
// rewrite the terminal (ESC sequences), forge a log line (CR, LF) or hide what was wrong; a byte
// that is not UTF-8 makes a JSON log line unwritable.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace statusbridge {

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

}  // namespace statusbridge
