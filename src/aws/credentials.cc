#include "aws/credentials.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace statusbridge::aws {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n";

std::string_view TrimView(std::string_view s) {
  size_t b = s.find_first_not_of(kWhitespace);
  if (b == std::string_view::npos) {
    return {};
  }
  size_t e = s.find_last_not_of(kWhitespace);
  return s.substr(b, e - b + 1);
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// The variable's value, or nullopt when it is unset or empty (botocore treats both alike).
std::optional<std::string> NonEmpty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (!value.has_value() || value->empty()) {
    return std::nullopt;
  }
  return value;
}

// --- Environment ---

class EnvironmentProvider : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(EnvLookup env) : env_(std::move(env)) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    std::optional<std::string> id = NonEmpty(env_, "AWS_ACCESS_KEY_ID");
    std::optional<std::string> secret = NonEmpty(env_, "AWS_SECRET_ACCESS_KEY");
    if (!id.has_value() && !secret.has_value()) {
      return Status::NotFound("AWS_ACCESS_KEY_ID is not set");
    }
    if (!secret.has_value()) {
      return Status::InvalidArgument(
          "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither");
    }
    if (!id.has_value()) {
      return Status::InvalidArgument(
          "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both or neither");
    }
    Credentials c;
    c.access_key_id = std::move(*id);
    c.secret_access_key = Secret(std::move(*secret));
    std::optional<std::string> token = NonEmpty(env_, "AWS_SESSION_TOKEN");
    if (!token.has_value()) {
      token = NonEmpty(env_, "AWS_SECURITY_TOKEN");  // the older name botocore still reads
    }
    if (token.has_value()) {
      c.session_token = Secret(std::move(*token));
    }
    c.source = "environment";
    return c;
  }
  std::string Name() const override { return "environment"; }

 private:
  EnvLookup env_;
};

// --- Shared credentials and config files ---

// A file that does not exist reads as nullopt; one that exists but cannot be read is an error.
Result<std::optional<std::string>> ReadOptionalFile(const std::string& path) {
  std::error_code ec;
  std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (st.type() == std::filesystem::file_type::not_found) {
    return std::optional<std::string>();
  }
  if (ec) {
    return Status::FailedPrecondition("cannot read " + path + ": " + ec.message());
  }
  if (st.type() == std::filesystem::file_type::directory) {
    return Status::FailedPrecondition("cannot read " + path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::FailedPrecondition("cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::FailedPrecondition("cannot read " + path + ": read error");
  }
  return std::optional<std::string>(text.str());
}

// Keys of every section named `section`, later values winning (files may repeat a section).
std::vector<std::pair<std::string, std::string>> SectionKeys(const IniSections& ini,
                                                             std::string_view section) {
  std::vector<std::pair<std::string, std::string>> keys;
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

std::optional<std::string> Lookup(const std::vector<std::pair<std::string, std::string>>& keys,
                                  std::string_view key) {
  std::optional<std::string> value;
  for (const auto& [k, v] : keys) {
    if (k == key && !v.empty()) {
      value = v;
    }
  }
  return value;
}

// One parsed file, or its absence.
struct SharedFile {
  std::string path;
  std::optional<IniSections> ini;  // nullopt: the file does not exist
};

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

class ProfileProvider : public CredentialsProvider {
 public:
  ProfileProvider(EnvLookup env, std::string profile)
      : env_(std::move(env)), profile_(std::move(profile)) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    const std::string profile = ProfileName();
    SB_ASSIGN_OR_RETURN(std::string credentials_path,
                        FilePath("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
    SB_ASSIGN_OR_RETURN(std::string config_path, FilePath("AWS_CONFIG_FILE", "config"));
    SB_ASSIGN_OR_RETURN(SharedFile credentials_file, LoadSharedFile(credentials_path));
    SB_ASSIGN_OR_RETURN(SharedFile config_file, LoadSharedFile(config_path));

    // The credentials file wins: it is used whenever its section has either key, and the config
    // file only when it has neither (botocore: SharedCredentialProvider before ConfigProvider).
    // Keys are never mixed across files.
    if (credentials_file.ini.has_value()) {
      auto keys = SectionKeys(*credentials_file.ini, profile);
      if (Lookup(keys, "aws_access_key_id") || Lookup(keys, "aws_secret_access_key")) {
        return FromSection(keys, profile, credentials_path);
      }
    }
    bool config_has_profile = false;
    if (config_file.ini.has_value()) {
      // The config file names profiles "[profile NAME]", except "[default]".
      const std::string section = "profile " + profile;
      auto keys = SectionKeys(*config_file.ini, section);
      config_has_profile = HasSection(*config_file.ini, section);
      if (profile == "default" && HasSection(*config_file.ini, "default")) {
        auto plain = SectionKeys(*config_file.ini, "default");
        keys.insert(keys.begin(), plain.begin(), plain.end());
        config_has_profile = true;
      }
      if (Lookup(keys, "aws_access_key_id") || Lookup(keys, "aws_secret_access_key")) {
        return FromSection(keys, profile, config_path);
      }
    }

    const bool credentials_has_profile =
        credentials_file.ini.has_value() && HasSection(*credentials_file.ini, profile);
    if (!credentials_file.ini.has_value() && !config_file.ini.has_value()) {
      return Status::NotFound("neither " + credentials_path + " nor " + config_path + " exists");
    }
    if (!credentials_has_profile && !config_has_profile) {
      return Status::NotFound("profile \"" + profile + "\" is not in " +
                              Describe(credentials_file) + " or " + Describe(config_file));
    }
    return Status::NotFound("profile \"" + profile + "\" has no aws_access_key_id in " +
                            Describe(credentials_file) + " or " + Describe(config_file));
  }

  std::string Name() const override { return "profile \"" + ProfileName() + "\""; }

 private:
  std::string ProfileName() const {
    if (!profile_.empty()) {
      return profile_;
    }
    return NonEmpty(env_, "AWS_PROFILE").value_or("default");
  }

  // `variable` if set (a leading "~/" expanded with HOME, as botocore does), else
  // $HOME/.aws/<name>.
  Result<std::string> FilePath(std::string_view variable, std::string_view name) const {
    std::optional<std::string> path = NonEmpty(env_, variable);
    const bool needs_home = !path.has_value() || path->rfind("~/", 0) == 0;
    if (!needs_home) {
      return *path;
    }
    std::optional<std::string> home = NonEmpty(env_, "HOME");
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

  static std::string Describe(const SharedFile& file) {
    return file.ini.has_value() ? file.path : file.path + " (does not exist)";
  }

  static Result<Credentials> FromSection(
      const std::vector<std::pair<std::string, std::string>>& keys, const std::string& profile,
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

  EnvLookup env_;
  std::string profile_;
};

// --- Chain and static ---

class ChainProvider : public CredentialsProvider {
 public:
  explicit ChainProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers)
      : providers_(std::move(providers)) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    std::string skipped;
    for (const auto& provider : providers_) {
      Result<Credentials> r = provider->GetCredentials();
      if (r.ok()) {
        return r;
      }
      if (r.status().code() != StatusCode::kNotFound) {
        return r.status().WithContext(provider->Name());
      }
      skipped += "; " + provider->Name() + ": " + r.status().message();
    }
    if (skipped.empty()) {
      return Status::NotFound("no AWS credentials found: no credential providers configured");
    }
    return Status::NotFound("no AWS credentials found (tried " + skipped.substr(2) + ")");
  }
  std::string Name() const override { return "chain"; }

 private:
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

class StaticProvider : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials credentials) : credentials_(std::move(credentials)) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override { return credentials_; }
  std::string Name() const override { return "static"; }

 private:
  const Credentials credentials_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> NewEnvironmentProvider(EnvLookup env) {
  return std::make_unique<EnvironmentProvider>(std::move(env));
}

std::unique_ptr<CredentialsProvider> NewProfileProvider(EnvLookup env, std::string profile) {
  return std::make_unique<ProfileProvider>(std::move(env), std::move(profile));
}

std::unique_ptr<CredentialsProvider> NewChainProvider(
    std::vector<std::unique_ptr<CredentialsProvider>> providers) {
  return std::make_unique<ChainProvider>(std::move(providers));
}

std::unique_ptr<CredentialsProvider> NewStaticProvider(Credentials credentials) {
  if (credentials.source.empty()) {
    credentials.source = "static";
  }
  return std::make_unique<StaticProvider>(std::move(credentials));
}

Result<IniSections> ParseIni(std::string_view text) {
  // A UTF-8 byte order mark, as some Windows editors write it.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  IniSections sections;
  size_t line_number = 0;
  size_t key_indent = 0;  // indentation of the last key line, for continuation lines
  bool after_key = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_number;
    // Messages carry line numbers only: a malformed line may hold a secret.
    const std::string at = "line " + std::to_string(line_number) + ": ";

    std::string_view line = TrimView(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    const size_t indent = raw.find_first_not_of(" \t");
    if (after_key && indent > key_indent) {
      // An indented line continues the previous value: the config file's nested settings
      // ("s3 =" followed by "  max_concurrent_requests = 20").
      std::string& value = sections.back().second.back().second;
      value += "\n";
      value += line;
      continue;
    }
    if (line.front() == '[') {
      size_t close = line.find(']');
      if (close == std::string_view::npos) {
        return Status::InvalidArgument(at + "section header without ']'");
      }
      std::string_view rest = TrimView(line.substr(close + 1));
      if (!rest.empty() && rest.front() != '#' && rest.front() != ';') {
        return Status::InvalidArgument(at + "unexpected text after the section header");
      }
      std::string_view name = TrimView(line.substr(1, close - 1));
      if (name.empty()) {
        return Status::InvalidArgument(at + "empty section name");
      }
      sections.emplace_back(std::string(name), std::vector<std::pair<std::string, std::string>>());
      after_key = false;
      continue;
    }
    // Python's configparser (which botocore uses) splits at the first '=' or ':'.
    size_t delim = line.find_first_of("=:");
    if (delim == std::string_view::npos) {
      return Status::InvalidArgument(at + "expected \"key = value\" or \"[section]\"");
    }
    std::string_view key = TrimView(line.substr(0, delim));
    if (key.empty()) {
      return Status::InvalidArgument(at + "missing key before '" + line[delim] + "'");
    }
    if (sections.empty()) {
      return Status::InvalidArgument(at + "key outside any [section]");
    }
    sections.back().second.emplace_back(AsciiLower(key),
                                        std::string(TrimView(line.substr(delim + 1))));
    after_key = true;
    key_indent = indent;
  }
  return sections;
}

}  // namespace statusbridge::aws
