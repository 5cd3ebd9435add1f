// Fuzzes pipeline::LogsRowsToPoints(), which turns Logs Insights result rows into one value per
// bucket. The first byte picks the spec (fuzz_support.h):
//   0  value "p", time "t", 5-minute buckets over an hour
//   1  value "n", no time field, one bucket: the hour
//   2  value "v", time "bin(1m)", 1-minute buckets over ten minutes
//   3  a spec that is itself wrong (a window not aligned to the period)
// The rest is the rows: one per line, cells separated by tabs, each cell "field=value" (split at
// the first '='; a cell without one is a field with an empty value).
// A result that comes back holds only finite values at bucket starts inside the window, aligned
// to the period.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/logs_wire.h"
#include "fuzz/fuzz_support.h"
#include "pipeline/logs_points.h"

namespace statusbridge::fuzz {
namespace {

pipeline::LogsPointsSpec Spec(unsigned mode) {
  pipeline::LogsPointsSpec spec;
  const SystemTime start = FromUnixSeconds(kHourStart);
  switch (mode) {
    case 0:
      spec.value_field = "p";
      spec.time_field = "t";
      spec.period = Seconds(300);
      spec.window = TimeWindow{start, start + Seconds(3600)};
      break;
    case 1:
      spec.value_field = "n";
      spec.period = Seconds(3600);
      spec.window = TimeWindow{start, start + Seconds(3600)};
      break;
    case 2:
      spec.value_field = "v";
      spec.time_field = "bin(1m)";
      spec.period = Seconds(60);
      spec.window = TimeWindow{start, start + Seconds(600)};
      break;
    default:
      spec.value_field = "p";
      spec.time_field = "t";
      spec.period = Seconds(300);
      spec.window = TimeWindow{start + Seconds(1), start + Seconds(3600)};
      break;
  }
  return spec;
}

std::vector<aws::LogsRow> Rows(std::string_view text) {
  std::vector<aws::LogsRow> rows;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    aws::LogsRow row;
    while (!line.empty()) {
      size_t tab = line.find('\t');
      std::string_view cell = line.substr(0, tab);
      line.remove_prefix(tab == std::string_view::npos ? line.size() : tab + 1);
      size_t eq = cell.find('=');
      std::string_view value =
          eq == std::string_view::npos ? std::string_view() : cell.substr(eq + 1);
      row.emplace(std::string(cell.substr(0, eq)), std::string(value));  // first one wins
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 4);
  const pipeline::LogsPointsSpec spec = fuzz::Spec(mode);
  Result<pipeline::LogsPoints> points = pipeline::LogsRowsToPoints(fuzz::Rows(rest), spec);
  if (!points.ok()) {
    return 0;
  }
  FUZZ_CHECK(mode != 3, "a misaligned window was accepted");
  for (const auto& [t, v] : points->values) {
    FUZZ_CHECK(spec.window.Contains(t), FormatIso8601(t));
    FUZZ_CHECK(ToUnixSeconds(t) % spec.period.count() == 0, FormatIso8601(t));
    FUZZ_CHECK(std::isfinite(v), FormatIso8601(t));
  }
  return 0;
}
