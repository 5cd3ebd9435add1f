// Fuzzes the Logs Insights client's reading of StartQuery, GetQueryResults and StopQuery
// responses (JSON 1.1, statuses, rows, statistics, nextToken, error documents) through the real
// client, then turns the rows into points as the collector does (LogsRowsToPoints). A
// FakeHttpClient answers the requests with the parts of the input, in order (fuzz_support.h),
// then with a transport error; polls, backoff and the deadline run on a FakeClock, so nothing
// waits. The first byte picks the run:
//   0  one query "stats avg(ms) as p by bin(5m) as t" over the hour before kNow
//   1  two queries at once (max_concurrent_queries 2), which share the responses in the order the
//      client asks
// Every query gets a Result; a completed one's statistics are finite and not negative; no
// message shows the credentials unless the server's text did.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/logs_client.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fuzz/fuzz_support.h"
#include "pipeline/logs_points.h"

namespace statusbridge::fuzz {
namespace {

constexpr const char* kQuery = "stats avg(ms) as p by bin(5m) as t";

aws::LogsQuery Query(std::string name) {
  aws::LogsQuery q;
  q.name = std::move(name);
  q.log_groups = {"/aws/lambda/api"};
  q.query_string = kQuery;
  q.window = TimeWindow{FromUnixSeconds(kHourStart), FromUnixSeconds(kNow)};
  return q;
}

void CheckStatistic(double v) { FUZZ_CHECK(std::isfinite(v) && v >= 0, std::to_string(v)); }

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 2);
  testing::FakeHttpClient http;
  for (std::string_view part : fuzz::SplitParts(rest, 24)) {
    http.AddResponse(fuzz::ParseResponse(part));
  }
  testing::FakeClock clock(FromUnixSeconds(fuzz::kNow));
  auto credentials = aws::NewStaticProvider(fuzz::FuzzCredentials());
  aws::LogsInsightsOptions options;
  options.endpoint = "https://logs.us-east-1.amazonaws.com";
  options.region = "us-east-1";
  options.max_concurrent_queries = 2;
  options.max_attempts = 2;
  options.max_result_pages = 4;
  auto client = aws::NewLogsInsightsClient(
      http, *credentials, clock, [] { return 0.5; }, options);

  std::vector<aws::LogsQuery> queries = {fuzz::Query("api-latency")};
  if (mode == 1) {
    queries.push_back(fuzz::Query("api-latency-2"));
  }
  aws::LogsRunControl control;
  control.timeout = Millis(120000);
  aws::LogsRunStats stats;
  auto results = client->RunQueries(queries, control, &stats);
  FUZZ_CHECK(results.size() == queries.size(), "one result per query");
  fuzz::CheckStatistic(stats.bytes_scanned);
  for (const auto& result : results) {
    if (!result.ok()) {
      FUZZ_CHECK(!fuzz::LeaksSecret(result.status().message(), rest), result.status().message());
      continue;
    }
    fuzz::CheckStatistic(result->statistics.bytes_scanned);
    fuzz::CheckStatistic(result->statistics.records_matched);
    fuzz::CheckStatistic(result->statistics.records_scanned);
    pipeline::LogsPointsSpec spec;
    spec.value_field = "p";
    spec.time_field = "t";
    spec.period = Seconds(300);
    spec.window = queries[0].window;
    auto points = pipeline::LogsRowsToPoints(result->rows, spec);
    if (points.ok()) {
      for (const auto& [t, v] : points->values) {
        FUZZ_CHECK(spec.window.Contains(t) && std::isfinite(v), FormatIso8601(t));
      }
    }
  }
  return 0;
}
