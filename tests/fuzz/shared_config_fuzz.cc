// Fuzzes the reader of the AWS shared files (~/.aws/credentials and ~/.aws/config). The first
// byte picks one (fuzz_support.h):
//   0  ParseIni() of the rest: keys come back lower-cased, and keys, values and section names
//      trimmed
//   1  the rest as the credentials file of NewProfileProvider() for profile "default"
//   2  the rest as the config file of NewProfileProvider() for profile "prod" (no credentials
//      file)
// Only static keys are read: a profile's credential_process or role_arn is never acted on here.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "core/env.h"
#include "fuzz/fuzz_support.h"

namespace statusbridge::fuzz {
namespace {

bool Trimmed(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  return s.empty() || (!space(s.front()) && !space(s.back()));
}

void Ini(std::string_view text) {
  auto sections = aws::ParseIni(text);
  if (!sections.ok()) {
    return;
  }
  for (const auto& [name, entries] : *sections) {
    FUZZ_CHECK(Trimmed(name), "section [" + name + "]");
    for (const auto& [key, value] : entries) {
      FUZZ_CHECK(Trimmed(key), "key \"" + key + "\"");
      for (char c : key) {
        FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)), "key \"" + key + "\"");
      }
      // A value continued on indented lines is its pieces joined by '\n' (the first one empty
      // when the key line has no value); each piece is trimmed.
      std::string_view rest = value;
      while (true) {
        const size_t nl = rest.find('\n');
        FUZZ_CHECK(Trimmed(rest.substr(0, nl)), "value of \"" + key + "\"");
        if (nl == std::string_view::npos) {
          break;
        }
        rest.remove_prefix(nl + 1);
      }
    }
  }
}

void Profile(std::string_view text, bool as_config) {
  const std::string& file = ScratchFile("shared-file");
  WriteScratchFile(file, text);
  const std::string missing = file + ".absent";
  auto provider =
      aws::NewProfileProvider(MapEnv({{"AWS_SHARED_CREDENTIALS_FILE", as_config ? missing : file},
                                      {"AWS_CONFIG_FILE", as_config ? file : missing}}),
                              as_config ? "prod" : "");
  auto credentials = provider->GetCredentials();
  if (credentials.ok()) {
    FUZZ_CHECK(!credentials->access_key_id.empty() && !credentials->secret_access_key.empty(),
               credentials->source);
  }
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, rest] = fuzz::TakeMode(fuzz::AsText(data, size), 3);
  switch (mode) {
    case 0:
      fuzz::Ini(rest);
      break;
    case 1:
      fuzz::Profile(rest, /*as_config=*/false);
      break;
    default:
      fuzz::Profile(rest, /*as_config=*/true);
      break;
  }
  return 0;
}
