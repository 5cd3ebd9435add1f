// Fuzzes the STS client's reading of AssumeRole and AssumeRoleWithWebIdentity responses (XML read
// with tinyxml2, <ErrorResponse> documents, retryable errors) through the real StsClient: a
// FakeHttpClient answers with the parts of the input, in order (fuzz_support.h), then with a
// transport error; retries sleep on a FakeClock. The first byte picks the call:
//   0  AssumeRole with source credentials that carry a session token
//   1  AssumeRoleWithWebIdentity
// Credentials that come back have all four members; no message shows the source credentials or
// the web identity token unless the server's text did.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/sts_client.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fuzz/fuzz_support.h"

namespace statusbridge::fuzz {
namespace {

constexpr std::string_view kWebToken = "eyJ.fUzZ-web-IDENTITY-token8Never9In0Messages.qz";

void CheckOutcome(const Result<aws::Credentials>& result, std::string_view input) {
  if (!result.ok()) {
    const std::string& m = result.status().message();
    FUZZ_CHECK(!LeaksSecret(m, input), m);
    FUZZ_CHECK(m.find(kWebToken) == std::string::npos || input.find(kWebToken) != std::string::npos,
               m);
    return;
  }
  FUZZ_CHECK(!result->access_key_id.empty(), "no AccessKeyId");
  FUZZ_CHECK(!result->secret_access_key.empty(), "no SecretAccessKey");
  FUZZ_CHECK(!result->session_token.empty(), "no SessionToken");
  FUZZ_CHECK(result->expiration.has_value(), "no Expiration");
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 2);
  testing::FakeHttpClient http;
  for (std::string_view part : fuzz::SplitParts(rest, 4)) {
    http.AddResponse(fuzz::ParseResponse(part));
  }
  testing::FakeClock clock(FromUnixSeconds(fuzz::kNow));
  aws::StsOptions options;
  options.region = "us-east-1";
  options.endpoint = "https://sts.us-east-1.amazonaws.com";
  options.max_attempts = 2;
  const aws::StsClient sts(http, clock, options);
  const std::string role = "arn:aws:iam::123456789012:role/reader";
  if (mode == 0) {
    aws::AssumeRoleParams params;
    params.role_arn = role;
    params.role_session_name = "fuzz-session";
    params.external_id = "fuzz-external-id";
    params.duration = Seconds(900);
    fuzz::CheckOutcome(sts.AssumeRole(params, fuzz::FuzzCredentials()), rest);
  } else {
    aws::WebIdentityParams params;
    params.role_arn = role;
    params.role_session_name = "fuzz-web-session";
    params.web_identity_token = Secret(std::string(fuzz::kWebToken));
    params.token_source = "token file /var/run/secrets/token";
    fuzz::CheckOutcome(sts.AssumeRoleWithWebIdentity(params), rest);
  }
  return 0;
}
