#include "aws/shared_files.h"

#include "core/file.h"

namespace statusbridge::aws::internal {
namespace {

// Far above any real file (a profile is a few lines), far below what would hurt.
constexpr size_t kMaxSharedFileBytes = 4 << 20;

// A file that does not exist reads as nullopt; one that exists but cannot be read (or is not a
// regular file: a FIFO would block forever) is an error.
Result<std::optional<std::string>> ReadOptionalFile(const std::string& path) {
  Result<std::string> text = ReadRegularFile(path, kMaxSharedFileBytes);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) {
    return std::optional<std::string>();
  }
  if (!text.ok()) {
    return Status::FailedPrecondition("cannot read " + path + ": " + text.status().message());
  }
  return std::optional<std::string>(std::move(*text));
}

}  // namespace

std::optional<std::string> NonEmpty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (!value.has_value() || value->empty()) {
    return std::nullopt;
  }
  return value;
}

std::string ProfileName(const EnvLookup& env, const std::string& explicit_profile) {
  if (!explicit_profile.empty()) {
    return explicit_profile;
  }
  return NonEmpty(env, "AWS_PROFILE").value_or("default");
}

Result<std::string> SharedFilePath(const EnvLookup& env, std::string_view variable,
                                   std::string_view name) {
  std::optional<std::string> path = NonEmpty(env, variable);
  const bool needs_home = !path.has_value() || path->rfind("~/", 0) == 0;
  if (!needs_home) {
    return *path;
  }
  std::optional<std::string> home = NonEmpty(env, "HOME");
  if (!home.has_value()) {
    return Status::NotFound("HOME is not set, so " + std::string(variable) +
                            (path.has_value() ? " (\"" + *path + "\")"
                                              : " (default ~/.aws/" + std::string(name) + ")") +
                            " cannot be located");
  }
  if (path.has_value()) {
    return *home + path->substr(1);
  }
  return *home + "/.aws/" + std::string(name);
}

std::string SharedFile::Describe() const {
  return ini.has_value() ? path : path + " (does not exist)";
}

Result<SharedFile> LoadSharedFile(const std::string& path) {
  SharedFile file{path, std::nullopt};
  SB_ASSIGN_OR_RETURN(std::optional<std::string> text, ReadOptionalFile(path));
  if (!text.has_value()) {
    return file;
  }
  Result<IniSections> ini = ParseIni(*text);
  if (!ini.ok()) {
    return Status::InvalidArgument(path + ": " + ini.status().message());
  }
  file.ini = std::move(*ini);
  return file;
}

Result<SharedFiles> LoadSharedFiles(const EnvLookup& env) {
  SB_ASSIGN_OR_RETURN(std::string credentials_path,
                      SharedFilePath(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"));
  SB_ASSIGN_OR_RETURN(std::string config_path, SharedFilePath(env, "AWS_CONFIG_FILE", "config"));
  SB_ASSIGN_OR_RETURN(SharedFile credentials, LoadSharedFile(credentials_path));
  SB_ASSIGN_OR_RETURN(SharedFile config, LoadSharedFile(config_path));
  return SharedFiles{std::move(credentials), std::move(config)};
}

KeyValues SectionKeys(const IniSections& ini, std::string_view section) {
  KeyValues keys;
  for (const auto& [name, entries] : ini) {
    if (name == section) {
      keys.insert(keys.end(), entries.begin(), entries.end());
    }
  }
  return keys;
}

bool HasSection(const IniSections& ini, std::string_view section) {
  for (const auto& entry : ini) {
    if (entry.first == section) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> Lookup(const KeyValues& keys, std::string_view key) {
  std::optional<std::string> value;
  for (const auto& [k, v] : keys) {
    if (k == key && !v.empty()) {
      value = v;
    }
  }
  return value;
}

std::optional<std::string> ProfileSections::Get(std::string_view key) const {
  if (std::optional<std::string> v = Lookup(credentials, key)) {
    return v;
  }
  return Lookup(config, key);
}

ProfileSections FindProfile(const SharedFiles& files, const std::string& profile) {
  ProfileSections s;
  if (files.credentials.ini.has_value()) {
    s.credentials = SectionKeys(*files.credentials.ini, profile);
    s.in_credentials = HasSection(*files.credentials.ini, profile);
  }
  if (files.config.ini.has_value()) {
    // The config file names profiles "[profile NAME]", except "[default]".
    const std::string section = "profile " + profile;
    s.config = SectionKeys(*files.config.ini, section);
    s.in_config = HasSection(*files.config.ini, section);
    if (profile == "default" && HasSection(*files.config.ini, "default")) {
      KeyValues plain = SectionKeys(*files.config.ini, "default");
      s.config.insert(s.config.begin(), plain.begin(), plain.end());
      s.in_config = true;
    }
  }
  return s;
}

bool HasStaticKeys(const KeyValues& keys) {
  return Lookup(keys, "aws_access_key_id").has_value() ||
         Lookup(keys, "aws_secret_access_key").has_value();
}

Result<Credentials> StaticKeysFromSection(const KeyValues& keys, const std::string& profile,
                                          const std::string& path) {
  std::optional<std::string> id = Lookup(keys, "aws_access_key_id");
  std::optional<std::string> secret = Lookup(keys, "aws_secret_access_key");
  const std::string where = "profile \"" + profile + "\" in " + path;
  if (!id.has_value()) {
    return Status::InvalidArgument(where + " has aws_secret_access_key but no aws_access_key_id");
  }
  if (!secret.has_value()) {
    return Status::InvalidArgument(where + " has aws_access_key_id but no aws_secret_access_key");
  }
  Credentials c;
  c.access_key_id = std::move(*id);
  c.secret_access_key = Secret(std::move(*secret));
  if (std::optional<std::string> token = Lookup(keys, "aws_session_token")) {
    c.session_token = Secret(std::move(*token));
  }
  c.source = where;
  return c;
}

Result<std::optional<Credentials>> StaticKeys(const SharedFiles& files,
                                              const ProfileSections& sections,
                                              const std::string& profile) {
  // The credentials file wins: it is used whenever its section has either key, and the config
  // file only when it has neither (botocore: SharedCredentialProvider before ConfigProvider).
  if (HasStaticKeys(sections.credentials)) {
    SB_ASSIGN_OR_RETURN(Credentials c, StaticKeysFromSection(sections.credentials, profile,
                                                             files.credentials.path));
    return std::optional<Credentials>(std::move(c));
  }
  if (HasStaticKeys(sections.config)) {
    SB_ASSIGN_OR_RETURN(Credentials c,
                        StaticKeysFromSection(sections.config, profile, files.config.path));
    return std::optional<Credentials>(std::move(c));
  }
  return std::optional<Credentials>();
}

}  // namespace statusbridge::aws::internal
