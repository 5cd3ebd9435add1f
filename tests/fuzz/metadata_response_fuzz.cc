// Fuzzes the readers of the local credential services through the real providers: the container
// credentials endpoint (ECS/EKS) and EC2 instance metadata (IMDSv2 token, role name, credentials
// JSON). A FakeHttpClient answers with the parts of the input, in order (fuzz_support.h), then
// with a transport error; retries sleep on a FakeClock. The first byte picks the provider:
//   0  container, AWS_CONTAINER_CREDENTIALS_FULL_URI on loopback with an authorization token,
//      2 attempts
//   1  IMDS, IMDSv1 fallback allowed
//   2  IMDS, IMDSv1 disabled, 2 attempts per request
// Credentials that come back carry a key, secret, session token and expiration; no message shows
// the authorization token unless the server's text did.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "aws/metadata_credentials.h"
#include "core/env.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fuzz/fuzz_support.h"

namespace statusbridge::fuzz {
namespace {

constexpr const char* kAuthToken = "fUzZ-container-AUTH1token2never3in4messages";

void CheckOutcome(const Result<aws::Credentials>& result, std::string_view input) {
  if (!result.ok()) {
    const std::string& m = result.status().message();
    FUZZ_CHECK(
        m.find(kAuthToken) == std::string::npos || input.find(kAuthToken) != std::string::npos, m);
    return;
  }
  FUZZ_CHECK(!result->access_key_id.empty() && !result->secret_access_key.empty() &&
                 !result->session_token.empty() && result->expiration.has_value(),
             result->source);
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 3);
  testing::FakeHttpClient http;
  for (std::string_view part : fuzz::SplitParts(rest, 8)) {
    http.AddResponse(fuzz::ParseResponse(part));
  }
  testing::FakeClock clock(FromUnixSeconds(fuzz::kNow));
  if (mode == 0) {
    aws::ContainerOptions options;
    options.attempts = 2;
    auto provider = aws::NewContainerProvider(
        MapEnv({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/v2/credentials/fuzz"},
                {"AWS_CONTAINER_AUTHORIZATION_TOKEN", fuzz::kAuthToken}}),
        http, clock, options);
    fuzz::CheckOutcome(provider->GetCredentials(), rest);
    return 0;
  }
  std::map<std::string, std::string> env;
  aws::ImdsOptions options;
  options.endpoint = "http://127.0.0.1:1";
  if (mode == 2) {
    options.allow_v1_fallback = false;
    env["AWS_METADATA_SERVICE_NUM_ATTEMPTS"] = "2";
  }
  auto provider = aws::NewImdsProvider(MapEnv(env), http, clock, options);
  fuzz::CheckOutcome(provider->GetCredentials(), rest);
  return 0;
}
