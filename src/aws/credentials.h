#pragma once

// AWS credentials and the providers that find them.
//
// This part of the chain: static keys from the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN) and a named profile in the shared credentials
// file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials). Files are only ever read.
// Providers take their inputs (environment, file paths) as arguments; cli/ wires the real ones.
//
// Secrets live in Secret fields and never appear in a Status message: errors name the provider
// and file, not the values.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"

namespace statusbridge::aws {

struct Credentials {
  std::string access_key_id;   // not secret, but still only logged when asked for
  Secret secret_access_key;
  Secret session_token;        // empty for long-term keys
  std::optional<SystemTime> expiration;
  std::string source;          // e.g. "environment", "profile \"prod\" in /root/.aws/credentials"
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // Returns usable credentials, or NotFound when this provider has none (a chain moves on), or
  // another error when it has some but they are unusable (bad file, missing secret).
  virtual Result<Credentials> GetCredentials() = 0;

  // Short name for the "no credentials" message, e.g. "environment".
  virtual std::string Name() const = 0;
};

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (or AWS_SECURITY_TOKEN).
std::unique_ptr<CredentialsProvider> NewEnvironmentProvider(EnvLookup env);

// Profile `profile` from the shared credentials file. `profile` empty means AWS_PROFILE, else
// "default". The file is AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials.
std::unique_ptr<CredentialsProvider> NewProfileProvider(EnvLookup env, std::string profile);

// Tries `providers` in order; the first that yields credentials wins. When none does, the error
// lists each provider and why it was skipped.
std::unique_ptr<CredentialsProvider> NewChainProvider(
    std::vector<std::unique_ptr<CredentialsProvider>> providers);

// Always returns `credentials` (tests, and the sandbox demo).
std::unique_ptr<CredentialsProvider> NewStaticProvider(Credentials credentials);

// Parses an INI file in the AWS shared-file format into section -> (key -> value). Section names
// are kept as written ("default", "profile prod"). Comments (# and ;) and blank lines are skipped.
using IniSections = std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>;
Result<IniSections> ParseIni(std::string_view text);

}  // namespace statusbridge::aws
