#pragma once

// Logs Insights result rows -> one value per bucket start, for one value column: the last step
// of reading a Logs Insights source (the collector's), after aws::LogsInsightsClient ran the
// query. Pure; thread-safe.

#include <map>
#include <string>
#include <vector>

#include "aws/logs_wire.h"
#include "core/result.h"
#include "core/time.h"

namespace statusbridge::pipeline {

struct LogsPointsSpec {
  std::string value_field;  // the column holding the number, e.g. "p99"; required
  // The column holding each row's bucket start: the bin(...) column, in Logs Insights' UTC
  // "YYYY-MM-DD HH:MM:SS.mmm" form (ISO 8601 with 'T'/'Z' also read). Empty: the query has no
  // bin(), returns at most one row, and that row is the window's only bucket.
  std::string time_field;
  Seconds period{60};  // > 0
  TimeWindow window;   // non-empty, start and end multiples of period (from the Unix epoch)
};

struct LogsPoints {
  std::map<SystemTime, double> values;  // bucket start -> value, inside the window
  // Rows skipped as "no data", never as errors:
  int rows_without_value = 0;   // value_field absent, or empty / only spaces
  int rows_outside_window = 0;  // bucket start before window.start or at/after window.end
};

// Maps `rows` to one value per bucket start. What each kind of row does:
//   value_field absent or blank            skipped, counted in rows_without_value
//   bucket outside the window              skipped, counted in rows_outside_window (its value
//                                          is not looked at)
//   value not a finite decimal number      error (e.g. "abc", "NaN", "inf", "1e999", "0x1F",
//                                          "12 ms"; spaces around the number are allowed)
//   time_field absent, or not a timestamp  error
//   time not a multiple of the period      error (the query's bin() does not match the period)
//   two rows for the same bucket           error (the query groups by more than bin())
//   without time_field: more than one row  error; one row with a window longer than one
//                                          period is an error too (which bucket is it?)
// Errors: InvalidArgument naming the row (rows[3]), the field and a short snippet of the
// offending value (hostile values are cut and escaped, never echoed whole); the spec itself
// (empty value_field, period <= 0, an empty or misaligned window) is checked first.
Result<LogsPoints> LogsRowsToPoints(const std::vector<aws::LogsRow>& rows,
                                    const LogsPointsSpec& spec);

}  // namespace statusbridge::pipeline
