// Fuzzes the readers of times that servers send. The first byte picks one (fuzz_support.h):
//   0  ParseRetryAfter() of the rest, relative to now = kNow, the Unix epoch and 9999-12-31
//   1  ParseHttpDate() (IMF-fixdate) and ParseIso8601() of the rest; an ISO 8601 time it accepts
//      in the years 1970..9999 formats (FormatIso8601) to a text it reads back as the same time
//      (earlier years are not printed with four digits, and nothing we read is that old)
//   2  the rest as the Retry-After header of a 429, then of a 503, answering the Statuspage
//      client's bulk POST (the path a hostile server's header takes)
// A Retry-After wait is never negative, and never longer than statuspage::kMaxRetryAfter.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fuzz/fuzz_support.h"
#include "statuspage/statuspage_client.h"

namespace statusbridge::fuzz {
namespace {

constexpr int64_t kLastSecondOf9999 = 253402300799;

void CheckWait(const std::optional<Millis>& wait) {
  if (wait.has_value()) {
    FUZZ_CHECK(wait->count() >= 0 && *wait <= statuspage::kMaxRetryAfter,
               std::to_string(wait->count()) + " ms");
  }
}

void RetryAfter(std::string_view text) {
  for (int64_t now : {kNow, int64_t{0}, kLastSecondOf9999}) {
    CheckWait(statuspage::ParseRetryAfter(text, FromUnixSeconds(now)));
  }
}

void Dates(std::string_view text) {
  (void)ParseHttpDate(text);
  Result<SystemTime> t = ParseIso8601(text);
  if (t.ok() && ToUnixSeconds(*t) >= 0 && ToUnixSeconds(*t) <= kLastSecondOf9999) {
    const std::string formatted = FormatIso8601(*t);
    Result<SystemTime> again = ParseIso8601(formatted);
    FUZZ_CHECK(again.ok() && *again == *t, "\"" + formatted + "\" does not read back");
  }
}

void ThroughClient(std::string_view text) {
  for (int status : {429, 503}) {
    testing::FakeHttpClient http;
    http.AddResponse(status, R"({"error":"slow down"})", {{"Retry-After", std::string(text)}});
    testing::FakeClock clock(FromUnixSeconds(kNow));
    statuspage::StatuspageOptions options;
    options.page_id = "kctbh9vrtdwd";
    options.api_key = Secret("fuzz-statuspage-key");
    auto client = statuspage::NewStatuspageClient(http, clock, options);
    const std::vector<statuspage::MetricPoints> points = {
        {"f6e5d4c3b2a1", {{FromUnixSeconds(kHourStart), 1}}}};
    statuspage::SubmitResult result = client->SubmitMetricData(points);
    FUZZ_CHECK(result.outcome == statuspage::Outcome::kRetryLater, result.status.ToString());
    CheckWait(result.retry_after);
  }
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 3);
  switch (mode) {
    case 0:
      fuzz::RetryAfter(rest);
      break;
    case 1:
      fuzz::Dates(rest);
      break;
    default:
      fuzz::ThroughClient(rest);
      break;
  }
  return 0;
}
