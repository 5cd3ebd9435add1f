#pragma once

// Internal to aws/: locating and reading the shared `credentials` and `config` files, shared by
// the static-key profile provider (credentials.cc) and the full one (credential_chain.cc).
// Files are only read. Messages name paths and line numbers, never a value.
//
// Pure functions of their arguments and the file system; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "core/env.h"
#include "core/result.h"

namespace statusbridge::aws::internal {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// The variable's value, or nullopt when it is unset or empty (botocore treats both alike).
std::optional<std::string> NonEmpty(const EnvLookup& env, std::string_view name);

// `explicit_profile` if non-empty, else AWS_PROFILE, else "default".
std::string ProfileName(const EnvLookup& env, const std::string& explicit_profile);

// `variable` if set (a leading "~/" expanded with HOME, as botocore does), else
// $HOME/.aws/<name>. NotFound when HOME is needed but unset.
Result<std::string> SharedFilePath(const EnvLookup& env, std::string_view variable,
                                   std::string_view name);

// One parsed file, or its absence.
struct SharedFile {
  std::string path;
  std::optional<IniSections> ini;  // nullopt: the file does not exist

  // "path", or "path (does not exist)".
  std::string Describe() const;
};

// A file that does not exist loads as ini == nullopt. FailedPrecondition when it exists but
// cannot be read; InvalidArgument "<path>: line N: ..." when it is malformed.
Result<SharedFile> LoadSharedFile(const std::string& path);

// Both files, from AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE or their defaults under HOME.
struct SharedFiles {
  SharedFile credentials;
  SharedFile config;
};
Result<SharedFiles> LoadSharedFiles(const EnvLookup& env);

// Keys of every section named `section`, later values winning (files may repeat a section).
KeyValues SectionKeys(const IniSections& ini, std::string_view section);
bool HasSection(const IniSections& ini, std::string_view section);

// The last non-empty value of `key`.
std::optional<std::string> Lookup(const KeyValues& keys, std::string_view key);

// A profile's keys in each file: the credentials file's [NAME], the config file's [profile NAME]
// (for "default" also [default], with [profile default] winning).
struct ProfileSections {
  bool in_credentials = false;
  bool in_config = false;
  KeyValues credentials;
  KeyValues config;

  bool exists() const { return in_credentials || in_config; }
  // A setting from either file, the credentials file winning (botocore merges them that way).
  std::optional<std::string> Get(std::string_view key) const;
};
ProfileSections FindProfile(const SharedFiles& files, const std::string& profile);

// Whether `keys` has either aws_access_key_id or aws_secret_access_key.
bool HasStaticKeys(const KeyValues& keys);

// Credentials from a section's aws_access_key_id / aws_secret_access_key / aws_session_token.
// InvalidArgument naming the profile and path when one of the pair is missing.
Result<Credentials> StaticKeysFromSection(const KeyValues& keys, const std::string& profile,
                                          const std::string& path);

// The static keys of `profile`: the credentials file's section when it has either key, else the
// config file's; keys are never mixed across files. nullopt when neither has any.
Result<std::optional<Credentials>> StaticKeys(const SharedFiles& files,
                                              const ProfileSections& sections,
                                              const std::string& profile);

}  // namespace statusbridge::aws::internal
