#include "extended_stats.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace statusbridge::sandbox {
namespace {

// "99", "99.9", "99.99", "100": 0..100 with at most two decimals.
std::optional<double> ParsePercent(std::string_view text) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 3 || !all_digits(whole) || !all_digits(fraction) ||
      fraction.size() > 2 || (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  double percent = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), percent);
  if (ec != std::errc() || end != text.data() + text.size() || percent > 100) {
    return std::nullopt;
  }
  return percent;
}

}  // namespace

std::optional<ExtendedStatistic> ParseExtendedStatistic(std::string_view name) {
  ExtendedStatistic stat;
  std::string_view number;
  if (name.rfind("tm", 0) == 0) {
    stat.kind = ExtendedStatistic::Kind::kTrimmedMean;
    number = name.substr(2);
  } else if (name.rfind("p", 0) == 0) {
    stat.kind = ExtendedStatistic::Kind::kPercentile;
    number = name.substr(1);
  } else {
    return std::nullopt;
  }
  std::optional<double> percent = ParsePercent(number);
  if (!percent || (stat.kind == ExtendedStatistic::Kind::kTrimmedMean && *percent <= 0)) {
    return std::nullopt;
  }
  stat.percent = *percent;
  return stat;
}

std::optional<double> ExtendedStatisticValue(std::vector<WeightedValue> values,
                                             const ExtendedStatistic& stat) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](const WeightedValue& v) { return !(v.count > 0); }),
               values.end());
  double total = 0;
  for (const WeightedValue& v : values) total += v.count;
  if (values.empty() || total <= 0) {
    return std::nullopt;
  }
  std::sort(values.begin(), values.end(),
            [](const WeightedValue& a, const WeightedValue& b) { return a.value < b.value; });
  const double target = stat.percent / 100.0 * total;
  if (stat.kind == ExtendedStatistic::Kind::kPercentile) {
    // Tolerate rounding in the cumulative sum: a target reached within 1e-9 of W counts.
    const double slack = 1e-9 * total;
    double cumulative = 0;
    for (const WeightedValue& v : values) {
      cumulative += v.count;
      if (cumulative >= target - slack) {
        return v.value;
      }
    }
    return values.back().value;
  }
  double remaining = target;
  double weighted_sum = 0;
  for (const WeightedValue& v : values) {
    if (remaining <= 0) break;
    double take = std::min(v.count, remaining);
    weighted_sum += v.value * take;
    remaining -= take;
  }
  return weighted_sum / target;
}

std::optional<std::vector<WeightedValue>> ValuesOfStatSet(const StatSet& set) {
  if (set.sample_count <= 0) {
    return std::vector<WeightedValue>{};
  }
  const double expected_sum = set.minimum * set.sample_count;
  if (set.minimum != set.maximum ||
      std::fabs(set.sum - expected_sum) > 1e-9 * std::max(1.0, std::fabs(expected_sum))) {
    return std::nullopt;
  }
  return std::vector<WeightedValue>{{set.minimum, set.sample_count}};
}

StatSet StatSetOfValues(const std::vector<WeightedValue>& values) {
  StatSet set;
  for (const WeightedValue& v : values) {
    if (!(v.count > 0)) continue;
    set = Combine(set, StatSet{v.count, v.value * v.count, v.value, v.value});
  }
  return set;
}

}  // namespace statusbridge::sandbox
