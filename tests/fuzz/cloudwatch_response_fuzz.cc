// Fuzzes the CloudWatch client's reading of GetMetricData responses (JSON 1.0 pages, NextToken,
// PartialData and InternalError results, error documents and headers) through the real client:
// a FakeHttpClient answers its requests with the parts of the input, in order (fuzz_support.h:
// parts separated by "~~~" lines, each optionally "<status>\n<headers>\n\n<body>"), then with a
// transport error. Retries sleep on a FakeClock, so nothing waits; the call's Deadline (10
// minutes of fake time) bounds it as a cycle's would. The first byte picks the
// queries, over the hour before kNow at 1-minute periods (wire ids q0, q1, ...):
//   0  q0 Sum and q1 p99 of two metrics
//   1  q0 Sum, and q1 the math "FILL(m1, 0) * 2" over one input (wire id q1_0)
//   2  q0 a Metrics Insights query (SELECT ...), q1 Sum
// A result that comes back has one series per query, in order, with finite values inside the
// window; no message shows the credentials unless the server's text did.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/cloudwatch_client.h"
#include "core/deadline.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fuzz/fuzz_support.h"

namespace statusbridge::fuzz {
namespace {

aws::MetricStat Stat(std::string metric, std::string stat) {
  aws::MetricStat s;
  s.namespace_name = "AWS/ApplicationELB";
  s.metric_name = std::move(metric);
  s.dimensions = {{"LoadBalancer", "app/my-alb/50dc6c495c0c9188"}};
  s.stat = std::move(stat);
  s.period = Seconds(60);
  return s;
}

std::vector<aws::MetricQuery> Queries(unsigned mode) {
  std::vector<aws::MetricQuery> queries(2);
  queries[0].id = "requests";
  queries[0].stat = Stat("RequestCount", "Sum");
  queries[1].id = "latency";
  queries[1].stat = Stat("TargetResponseTime", "p99");
  if (mode == 1) {
    queries[1].id = "doubled";
    queries[1].expression = "FILL(m1, 0) * 2";
    queries[1].period = Seconds(60);
    queries[1].inputs = {{"m1", Stat("RequestCount", "Sum")}};
  } else if (mode == 2) {
    queries[0].expression = "SELECT SUM(RequestCount) FROM \"AWS/ApplicationELB\"";
    queries[0].period = Seconds(60);
  }
  return queries;
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 3);
  testing::FakeHttpClient http;
  for (std::string_view part : fuzz::SplitParts(rest)) {
    http.AddResponse(fuzz::ParseResponse(part));
  }
  testing::FakeClock clock(FromUnixSeconds(fuzz::kNow));
  auto credentials = aws::NewStaticProvider(fuzz::FuzzCredentials());
  aws::CloudWatchOptions options;
  options.endpoint = "https://monitoring.us-east-1.amazonaws.com";
  options.region = "us-east-1";
  options.max_attempts = 2;
  options.max_pages_per_call = 8;
  auto client = aws::NewCloudWatchClient(
      http, *credentials, clock, [] { return 0.5; }, options);

  const std::vector<aws::MetricQuery> queries = fuzz::Queries(mode);
  const TimeWindow window{FromUnixSeconds(fuzz::kHourStart), FromUnixSeconds(fuzz::kNow)};
  aws::CloudWatchStats stats;
  const Deadline deadline = Deadline::In(clock, Millis(10 * 60 * 1000));
  auto result = client->GetMetricData(queries, window, &stats, deadline);
  FUZZ_CHECK(stats.calls >= 1 && static_cast<size_t>(stats.calls) == http.requests().size(),
             "stats.calls does not count the requests");
  if (!result.ok()) {
    FUZZ_CHECK(!fuzz::LeaksSecret(result.status().message(), rest), result.status().message());
    return 0;
  }
  FUZZ_CHECK(result->size() == queries.size(), "one series per query");
  for (size_t i = 0; i < queries.size(); ++i) {
    const aws::MetricSeries& series = (*result)[i];
    FUZZ_CHECK(series.id == queries[i].id, series.id);
    for (const auto& [t, v] : series.values) {
      FUZZ_CHECK(window.Contains(t), FormatIso8601(t));
      FUZZ_CHECK(std::isfinite(v), series.id);
    }
  }
  return 0;
}
