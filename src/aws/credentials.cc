#include "aws/credentials.h"

#include <utility>

#include "aws/shared_files.h"
#include "core/text.h"

namespace statusbridge::aws {
namespace {

// What the shared config/credentials files trim around names and values (botocore's ini reader).
constexpr std::string_view kWhitespace = " \t\r\n";

std::string_view TrimView(std::string_view s) { return Trim(s, kWhitespace); }

using internal::NonEmpty;

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
    if (std::optional<std::string> expiration = NonEmpty(env_, "AWS_CREDENTIAL_EXPIRATION")) {
      Result<SystemTime> t = ParseIso8601(*expiration);
      if (!t.ok()) {
        return Status::InvalidArgument("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time: " +
                                       t.status().message());
      }
      c.expiration = *t;
    }
    c.source = "environment";
    return c;
  }
  std::string Name() const override { return "environment"; }

 private:
  EnvLookup env_;
};

// --- Shared credentials and config files (static keys only) ---

class ProfileProvider : public CredentialsProvider {
 public:
  ProfileProvider(EnvLookup env, std::string profile)
      : env_(std::move(env)), profile_(std::move(profile)) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    const std::string profile = internal::ProfileName(env_, profile_);
    SB_ASSIGN_OR_RETURN(internal::SharedFiles files, internal::LoadSharedFiles(env_));
    internal::ProfileSections sections = internal::FindProfile(files, profile);
    SB_ASSIGN_OR_RETURN(std::optional<Credentials> keys,
                        internal::StaticKeys(files, sections, profile));
    if (keys.has_value()) {
      return std::move(*keys);
    }
    if (!files.credentials.ini.has_value() && !files.config.ini.has_value()) {
      return Status::NotFound("neither " + files.credentials.path + " nor " + files.config.path +
                              " exists");
    }
    if (!sections.exists()) {
      return Status::NotFound("profile \"" + profile + "\" is not in " +
                              files.credentials.Describe() + " or " + files.config.Describe());
    }
    return Status::NotFound("profile \"" + profile + "\" has no aws_access_key_id in " +
                            files.credentials.Describe() + " or " + files.config.Describe());
  }

  std::string Name() const override {
    return "profile \"" + internal::ProfileName(env_, profile_) + "\"";
  }

 private:
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
    return Status::NotFound("no AWS credentials found: " + skipped.substr(2));
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

// One loop over the lines, as configparser reads them: a line's meaning (comment, continuation,
// section, key) depends on the one before, so the cases stay together. Hence the length.
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
