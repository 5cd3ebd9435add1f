#include "pipeline/logs_points.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "core/text.h"
#include "http/http_client.h"

namespace statusbridge::pipeline {
namespace {

// Spaces and tabs around a value or a time are allowed.
std::string_view TrimSpaces(std::string_view s) { return Trim(s, " \t"); }

std::string Quoted(std::string_view s, size_t max) { return "\"" + http::Snippet(s, max) + "\""; }

// A finite decimal number, the whole of `text` but surrounding spaces.
std::optional<double> ParseNumber(std::string_view text) {
  text = TrimSpaces(text);
  if (text.empty()) {
    return std::nullopt;
  }
  // from_chars reads "inf"/"nan" too; a number starts with a digit, '-' or '.'.
  const char c = text.front();
  if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// A bucket start: Logs Insights' "YYYY-MM-DD HH:MM:SS.mmm" (or ISO 8601). A non-zero fraction
// of a second is reported, since the bucket is then not aligned.
Result<SystemTime> ParseBucketTime(std::string_view text) {
  text = TrimSpaces(text);
  if (text.size() > 64) {
    return Status::InvalidArgument("too long for a timestamp");
  }
  Result<SystemTime> t = ParseIso8601(text);
  if (!t.ok()) {
    return Status::InvalidArgument("not a timestamp");
  }
  if (text.size() > 19 && text[19] == '.') {
    for (size_t k = 20; k < text.size() && std::isdigit(static_cast<unsigned char>(text[k])); ++k) {
      if (text[k] != '0') {
        return Status::InvalidArgument("not a whole second");
      }
    }
  }
  return t;
}

std::string WindowText(const TimeWindow& w) {
  return "window " + FormatIso8601(w.start) + " .. " + FormatIso8601(w.end);
}

// The spec alone, and what a query without time_field must satisfy before any row is read.
Status CheckSpec(const std::vector<aws::LogsRow>& rows, const LogsPointsSpec& spec) {
  if (spec.value_field.empty()) {
    return Status::InvalidArgument("value_field is empty");
  }
  const int64_t period = spec.period.count();
  if (period <= 0) {
    return Status::InvalidArgument("period must be positive, got " + std::to_string(period) + "s");
  }
  if (spec.window.empty()) {
    return Status::InvalidArgument(WindowText(spec.window) + " is empty");
  }
  if (AlignDown(spec.window.start, spec.period) != spec.window.start ||
      AlignDown(spec.window.end, spec.period) != spec.window.end) {
    return Status::InvalidArgument(WindowText(spec.window) + " is not aligned to the " +
                                   FormatDuration(spec.period) + " period");
  }
  if (!spec.time_field.empty()) {
    return Status::Ok();
  }
  if (rows.size() > 1) {
    return Status::InvalidArgument(
        "the query returned " + std::to_string(rows.size()) +
        " rows, but without time_field it must return at most one (use stats ... by bin() "
        "and set time_field for one row per bucket)");
  }
  if (spec.window.end - spec.window.start != spec.period) {
    return Status::InvalidArgument("without time_field the window must be one " +
                                   FormatDuration(spec.period) + " period long, but " +
                                   FormatIso8601(spec.window.start) + " .. " +
                                   FormatIso8601(spec.window.end) + " spans several");
  }
  return Status::Ok();
}

// The bucket start of `row` (rows[where]): its time_field, or the window's start without one.
Result<SystemTime> BucketOf(const aws::LogsRow& row, const std::string& where,
                            const LogsPointsSpec& spec) {
  if (spec.time_field.empty()) {
    return spec.window.start;
  }
  auto t = row.find(spec.time_field);
  if (t == row.end()) {
    return Status::InvalidArgument(where + " has no field " + Quoted(spec.time_field, 100) +
                                   " (time_field)");
  }
  const std::string field = where + "." + http::Snippet(spec.time_field, 100);
  Result<SystemTime> bucket = ParseBucketTime(t->second);
  if (!bucket.ok()) {
    return Status::InvalidArgument(field + " " + Quoted(t->second, 40) + " is " +
                                   bucket.status().message());
  }
  if (AlignDown(*bucket, spec.period) != *bucket) {
    return Status::InvalidArgument(field + " " + FormatIso8601(*bucket) +
                                   " is not a multiple of the " + FormatDuration(spec.period) +
                                   " period: does the query's bin() match it?");
  }
  return bucket;
}

}  // namespace

Result<LogsPoints> LogsRowsToPoints(const std::vector<aws::LogsRow>& rows,
                                    const LogsPointsSpec& spec) {
  SB_RETURN_IF_ERROR(CheckSpec(rows, spec));
  LogsPoints points;
  for (size_t i = 0; i < rows.size(); ++i) {
    const aws::LogsRow& row = rows[i];
    const std::string where = "rows[" + std::to_string(i) + "]";
    SB_ASSIGN_OR_RETURN(SystemTime bucket, BucketOf(row, where, spec));
    if (!spec.window.Contains(bucket)) {
      ++points.rows_outside_window;  // its value is not even looked at
      continue;
    }
    auto v = row.find(spec.value_field);
    if (v == row.end() || TrimSpaces(v->second).empty()) {
      ++points.rows_without_value;
      continue;
    }
    std::optional<double> value = ParseNumber(v->second);
    if (!value) {
      return Status::InvalidArgument(where + "." + http::Snippet(spec.value_field, 100) + " " +
                                     Quoted(v->second, 40) + " is not a finite number");
    }
    if (!points.values.emplace(bucket, *value).second) {
      return Status::InvalidArgument(where + ": a second row for bucket " + FormatIso8601(bucket) +
                                     ": does the query group by more than bin()?");
    }
  }
  return points;
}

}  // namespace statusbridge::pipeline
