// Fuzzes credential_process: what the helper prints (the JSON credentials document) and how its
// command line is split. The first byte picks one (fuzz_support.h):
//   0  the rest is the helper's stdout: it is written to a temporary file that the real
//      RunCredentialProcess() runs `cat` on (a real child process, about a millisecond each)
//   1  SplitCommandLine() on the rest; the words are never run
// Credentials that come back have a key and a secret, and an expiration, when set, after now.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credential_process.h"
#include "fuzz/fuzz_support.h"

namespace statusbridge::fuzz {
namespace {

void RunHelper(std::string_view output) {
  const std::string& path = ScratchFile("process-output");
  WriteScratchFile(path, output);
  const SystemTime now = FromUnixSeconds(kNow);
  aws::ProcessOptions options;
  options.timeout = Millis(10000);
  auto result = aws::RunCredentialProcess("cat '" + path + "'", "profile \"fuzz\"", now, options);
  if (result.ok()) {
    FUZZ_CHECK(!result->access_key_id.empty() && !result->secret_access_key.empty(), "keys");
    FUZZ_CHECK(!result->expiration.has_value() || *result->expiration > now, "expired");
  } else {
    // Only a process that could not run or did not finish would be another kind of error.
    FUZZ_CHECK(result.status().code() == StatusCode::kInvalidArgument ||
                   result.status().code() == StatusCode::kPermissionDenied,
               result.status().ToString());
  }
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 2);
  if (mode == 0) {
    fuzz::RunHelper(rest);
  } else {
    auto words = aws::SplitCommandLine(rest);
    if (words.ok()) {
      FUZZ_CHECK(words->size() <= rest.size(), "more words than bytes");
    }
  }
  return 0;
}
