// Fuzzes the Logs Insights query checks that check-config runs without a network. The first
// byte picks one (fuzz_support.h):
//   0  FindQueryBin() on a query string; a bin() it finds has a positive length that
//      ParseLogsInsightsDuration() gives for its duration text, and a non-empty column
//   1  CheckQueryBin() of the query against 5m and each of the time fields "t", "bin(5m)" and ""
//   2  ValidateLogGroups() over the lines of the input, and ValidateLogsQuery() with the first
//      line as the query string

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/logs_query.h"
#include "fuzz/fuzz_support.h"

namespace statusbridge::fuzz {
namespace {

void FindBin(std::string_view query) {
  auto bin = aws::FindQueryBin(query);
  if (!bin.ok() || !bin->has_value()) {
    return;
  }
  const aws::QueryBin& b = **bin;
  FUZZ_CHECK(b.period.count() > 0, b.duration);
  auto again = aws::ParseLogsInsightsDuration(b.duration);
  FUZZ_CHECK(again.ok() && *again == b.period, b.duration);
  FUZZ_CHECK(!b.column.empty(), std::string(query));
}

void CheckBin(std::string_view query) {
  for (std::string_view field : {"t", "bin(5m)", ""}) {
    (void)aws::CheckQueryBin(query, Seconds(300), field);
  }
}

void Validate(std::string_view text) {
  std::vector<std::string> lines;
  while (lines.size() < 64) {
    size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) {
      break;
    }
    text.remove_prefix(nl + 1);
  }
  (void)aws::ValidateLogGroups(lines);
  aws::LogsQuery q;
  q.name = "fuzz";
  q.query_string = lines.front();
  q.log_groups.assign(lines.begin() + 1, lines.end());
  q.window = TimeWindow{FromUnixSeconds(kHourStart), FromUnixSeconds(kNow)};
  (void)aws::ValidateLogsQuery(q);
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 3);
  switch (mode) {
    case 0:
      fuzz::FindBin(rest);
      break;
    case 1:
      fuzz::CheckBin(rest);
      break;
    default:
      fuzz::Validate(rest);
      break;
  }
  return 0;
}
