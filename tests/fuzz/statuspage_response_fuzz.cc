// Fuzzes the Statuspage client's reading of responses through the real client: metric listings
// (pages of Metric objects, or a single one) and the answers to a bulk data POST (status,
// Retry-After, body). A FakeHttpClient answers with the parts of the input, in order
// (fuzz_support.h), then with a transport error. The first byte picks the call:
//   0  ListMetrics(): each part is one page
//   1  SubmitMetricData() of two metrics' points: the first part is the answer
// The API key never shows in a message, even when the server echoes it back (the seeds do); a
// listing that comes back has distinct, non-empty ids; a submission counts as accepted only on a
// 2xx whose body is a JSON object, and a Retry-After wait is between 0 and
// statuspage::kMaxRetryAfter.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fuzz/fuzz_support.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::fuzz {
namespace {

constexpr const char* kApiKey = "fuzz-statuspage-key-0123456789";

void CheckNoKey(const Status& status) {
  FUZZ_CHECK(status.message().find(kApiKey) == std::string::npos, status.message());
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 2);
  testing::FakeHttpClient http;
  for (std::string_view part : fuzz::SplitParts(rest)) {
    http.AddResponse(fuzz::ParseResponse(part));
  }
  testing::FakeClock clock(FromUnixSeconds(fuzz::kNow));
  statuspage::StatuspageOptions options;
  options.base_url = "https://api.statuspage.io/v1";
  options.page_id = "kctbh9vrtdwd";
  options.api_key = Secret(fuzz::kApiKey);
  auto client = statuspage::NewStatuspageClient(http, clock, options);

  if (mode == 0) {
    auto metrics = client->ListMetrics();
    if (!metrics.ok()) {
      fuzz::CheckNoKey(metrics.status());
      return 0;
    }
    std::set<std::string> ids;
    for (const statuspage::MetricInfo& m : *metrics) {
      FUZZ_CHECK(!m.id.empty() && ids.insert(m.id).second, "id \"" + m.id + "\"");
    }
    return 0;
  }
  const SystemTime t = FromUnixSeconds(fuzz::kHourStart);
  const std::vector<statuspage::MetricPoints> points = {
      {"f6e5d4c3b2a1", {{t, 99.5}, {t + Seconds(300), 100}}},
      {"a1b2c3d4e5f6", {{t, 12}}},
  };
  statuspage::SubmitResult result = client->SubmitMetricData(points);
  fuzz::CheckNoKey(result.status);
  if (result.outcome == statuspage::Outcome::kAccepted) {
    FUZZ_CHECK(result.http_status >= 200 && result.http_status <= 299 && result.status.ok(),
               std::to_string(result.http_status));
    // Only Statuspage's answer, a JSON object, means delivered (never a portal's HTML 200).
    const auto answer = fuzz::ParseResponse(fuzz::SplitParts(rest).front());
    const size_t first = answer.ok() ? answer->body.find_first_not_of(" \t\r\n") : 0;
    FUZZ_CHECK(answer.ok() && first != std::string::npos && answer->body[first] == '{',
               "accepted without a JSON object");
  } else {
    FUZZ_CHECK(!result.status.ok(), "a failed submission with an OK status");
  }
  if (result.retry_after.has_value()) {
    FUZZ_CHECK(
        result.retry_after->count() >= 0 && *result.retry_after <= statuspage::kMaxRetryAfter,
        std::to_string(result.retry_after->count()) + " ms");
  }
  return 0;
}
