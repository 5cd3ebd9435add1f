#include "aws/cloudwatch_rules.h"

#include <algorithm>
#include <optional>
#include <string>

#include "core/text.h"

namespace statusbridge::aws {
namespace {

std::string Quote(std::string_view value) { return "\"" + EscapeText(value) + "\""; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "99", "99.9", "-5" (when allowed): at most 10 decimal places, as CloudWatch accepts.
std::optional<double> ParseStatNumber(std::string_view s, bool allow_negative) {
  size_t i = 0;
  if (allow_negative && !s.empty() && s[0] == '-') {
    i = 1;
  }
  size_t int_digits = 0;
  while (i < s.size() && IsDigit(s[i])) {
    ++i;
    ++int_digits;
  }
  if (int_digits == 0) {
    return std::nullopt;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac = 0;
    while (i < s.size() && IsDigit(s[i])) {
      ++i;
      ++frac;
    }
    if (frac == 0 || frac > 10) {
      return std::nullopt;
    }
  }
  if (i != s.size()) {
    return std::nullopt;
  }
  return ParseFiniteDouble(s);
}

// Checks the bounds of TM(...), WM(...), TC(...), TS(...) and PR(...): "10%:90%", ":95%",
// "150:1000", "0.5:". Returns the reason it is wrong, or "" when it is fine.
std::string CheckStatBounds(std::string_view inner, bool percent_allowed) {
  const size_t colon = inner.find(':');
  if (colon == std::string_view::npos || inner.find(':', colon + 1) != std::string_view::npos) {
    return "expected bounds like (10%:90%), (:95%) or (150:1000)";
  }
  const std::string_view sides[2] = {inner.substr(0, colon), inner.substr(colon + 1)};
  if (sides[0].empty() && sides[1].empty()) {
    return "give a lower bound, an upper bound or both";
  }
  std::optional<double> values[2];
  int percents = 0;
  int present = 0;
  for (int k = 0; k < 2; ++k) {
    std::string_view side = sides[k];
    if (side.empty()) {
      continue;
    }
    ++present;
    const bool percent = side.back() == '%';
    if (percent) {
      if (!percent_allowed) {
        return "PR bounds are absolute values, not percentages";
      }
      side.remove_suffix(1);
      ++percents;
    }
    values[k] = ParseStatNumber(side, !percent);
    if (!values[k]) {
      return "expected bounds like (10%:90%), (:95%) or (150:1000)";
    }
    if (percent && *values[k] > 100) {
      return "percentages must be between 0% and 100%";
    }
  }
  if (percents != 0 && percents != present) {
    return "both bounds must be percentages or both absolute values";
  }
  if (values[0] && values[1] && !(*values[0] < *values[1])) {
    return "the lower bound must be below the upper bound";
  }
  return "";
}

// The verdict on an extended statistic, or nullopt when `stat` is not one in form.
std::optional<Status> CheckExtendedStatistic(std::string_view stat) {
  const std::string lower = AsciiLower(stat);
  if (lower == "iqm") {
    return Status::Ok();
  }
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid statistic " + Quote(stat) + ": " + why);
  };
  // "<2-letter prefix>(a:b)".
  auto range = [&](bool percent_allowed) -> std::optional<Status> {
    if (lower.size() < 4 || lower[2] != '(' || lower.back() != ')') {
      return std::nullopt;
    }
    const std::string why = CheckStatBounds(stat.substr(3, stat.size() - 4), percent_allowed);
    return why.empty() ? Status::Ok() : invalid(why);
  };
  if (lower.starts_with("pr")) {
    if (auto s = range(false)) {
      return s;
    }
  }
  for (std::string_view prefix : {"tm", "wm", "tc", "ts"}) {
    if (!lower.starts_with(prefix)) {
      continue;
    }
    if (auto s = range(true)) {
      return s;
    }
    if (auto v = ParseStatNumber(std::string_view(lower).substr(2), false)) {
      return *v <= 100 ? Status::Ok() : invalid("the percentage must be between 0 and 100");
    }
  }
  if (lower.starts_with("p")) {
    if (auto v = ParseStatNumber(std::string_view(lower).substr(1), false)) {
      return *v <= 100 ? Status::Ok() : invalid("the percentile must be between 0 and 100");
    }
  }
  return std::nullopt;
}

// "unknown <what> \"<word>\"", with a did-you-mean from `known`.
Status Unknown(std::string_view what, std::string_view word,
               const std::vector<std::string_view>& known) {
  std::string message = "unknown " + std::string(what) + " " + Quote(word);
  if (auto guess = DidYouMean(word, known)) {
    message += " (did you mean \"" + *guess + "\"?)";
  }
  return Status::InvalidArgument(message);
}

}  // namespace

const std::vector<std::string_view>& BasicStatistics() {
  static const std::vector<std::string_view> kStats = {"Sum", "Average", "Minimum", "Maximum",
                                                       "SampleCount"};
  return kStats;
}

const std::vector<std::string_view>& StandardUnits() {
  static const std::vector<std::string_view> kUnits = {"Seconds",
                                                       "Microseconds",
                                                       "Milliseconds",
                                                       "Bytes",
                                                       "Kilobytes",
                                                       "Megabytes",
                                                       "Gigabytes",
                                                       "Terabytes",
                                                       "Bits",
                                                       "Kilobits",
                                                       "Megabits",
                                                       "Gigabits",
                                                       "Terabits",
                                                       "Percent",
                                                       "Count",
                                                       "Bytes/Second",
                                                       "Kilobytes/Second",
                                                       "Megabytes/Second",
                                                       "Gigabytes/Second",
                                                       "Terabytes/Second",
                                                       "Bits/Second",
                                                       "Kilobits/Second",
                                                       "Megabits/Second",
                                                       "Gigabits/Second",
                                                       "Terabits/Second",
                                                       "Count/Second",
                                                       "None"};
  return kUnits;
}

Status CheckStatistic(std::string_view stat) {
  const auto& basic = BasicStatistics();
  if (std::find(basic.begin(), basic.end(), stat) != basic.end()) {
    return Status::Ok();
  }
  if (std::optional<Status> extended = CheckExtendedStatistic(stat)) {
    return *extended;
  }
  return Unknown("statistic", stat, basic);
}

Status CheckUnit(std::string_view unit) {
  const auto& units = StandardUnits();
  if (std::find(units.begin(), units.end(), unit) != units.end()) {
    return Status::Ok();
  }
  return Unknown("unit", unit, units);
}

}  // namespace statusbridge::aws
