#pragma once

// AWS credentials and the providers that find them: the Credentials value, the
// CredentialsProvider interface, and the providers that need no network (environment, static
// keys in the shared files, a fixed chain, static). The rest of the SDKs' chain lives beside it:
//   aws/credential_chain.h     NewDefaultChain(): the full chain as the SDKs order it, and the
//                              full shared-config profile provider (role_arn, credential_process,
//                              web_identity_token_file) -- what the CLI uses
//   aws/sts_client.h           STS AssumeRole / AssumeRoleWithWebIdentity
//   aws/metadata_credentials.h container credentials endpoint, EC2 IMDSv2
//   aws/credential_process.h   credential_process
//   aws/refreshing_provider.h  caching and refresh before expiry
// Providers take their inputs (environment, file paths, HTTP, clock) as arguments; cli/ wires the
// real ones.
//
// Files are only ever read, and the providers here read them again on every GetCredentials().
//
// Secrets live in Secret fields and never appear in a Status message: errors name the provider,
// variable, file, profile and line number, never a key, secret or token value.
//
// The providers here keep no mutable state: they are thread-safe when their EnvLookup is (the
// chain when its providers are).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"

namespace statusbridge::aws {

struct Credentials {
  std::string access_key_id;  // not secret, but still only logged when asked for
  Secret secret_access_key;
  Secret session_token;  // empty for long-term keys
  std::optional<SystemTime> expiration;
  std::string source;  // e.g. "environment", "profile \"prod\" in /root/.aws/credentials"
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

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (or AWS_SECURITY_TOKEN), and
// AWS_CREDENTIAL_EXPIRATION (ISO 8601) as the expiration when set. Empty values count as unset.
// NotFound when neither key variable is set; InvalidArgument, naming the missing variable, when
// only one of them is, or when the expiration is unreadable. Name(): "environment".
std::unique_ptr<CredentialsProvider> NewEnvironmentProvider(EnvLookup env);

// Static keys of profile `profile` from the shared files. (NewSharedConfigProvider in
// credential_chain.h also follows role_arn, credential_process and web_identity_token_file.)
// `profile` empty means AWS_PROFILE, else "default". The credentials file is
// AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials, with section [NAME]; the config file is
// AWS_CONFIG_FILE, else $HOME/.aws/config, with section [profile NAME] (for "default" also
// [default]; [profile default] wins when both exist). Both paths expand a leading "~/". Keys:
// aws_access_key_id, aws_secret_access_key, optional aws_session_token. The credentials file wins:
// the config file is used only when the credentials file's section has neither key; keys are never
// mixed across files. A repeated section or key: the later value wins. NotFound when neither file
// exists, the profile is in neither, or has no keys (or HOME is unset and needed). InvalidArgument
// for a malformed file or a section with only one of the two keys; FailedPrecondition when a file
// exists but cannot be read. Name(): profile "NAME" (with the quotes).
std::unique_ptr<CredentialsProvider> NewProfileProvider(EnvLookup env, std::string profile);

// Tries `providers` in order; the first that yields credentials wins. NotFound moves on to the
// next; any other error stops the chain and is returned with the provider's Name() as context
// (profile "prod": ...). When none yields credentials, one NotFound lists each provider
// and why it was skipped: "no AWS credentials found: environment: ...; profile \"x\": ...".
// Name(): "chain".
std::unique_ptr<CredentialsProvider> NewChainProvider(
    std::vector<std::unique_ptr<CredentialsProvider>> providers);

// Always returns `credentials` (tests, and the sandbox demo); an empty source becomes "static".
// Name(): "static".
std::unique_ptr<CredentialsProvider> NewStaticProvider(Credentials credentials);

// Parses an INI file in the AWS shared-file format into section -> (key -> value), in file order.
// Section names are kept as written, trimmed ("default", "profile prod"). Keys are lower-cased
// (as Python's configparser does); keys and values are trimmed; a line splits at its first '='
// or ':'. Whole-line comments (# and ;) and blank lines are skipped; there are no inline comments
// in values. A line indented deeper than the key before it continues that key's value (the config
// file's nested settings) and is appended after a '\n'. A UTF-8 BOM and CRLF endings are accepted.
// Errors: InvalidArgument "line N: ..." (never quoting the line, which may hold a secret).
using IniSections =
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>;
Result<IniSections> ParseIni(std::string_view text);

}  // namespace statusbridge::aws
