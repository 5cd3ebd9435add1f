#include "aws/credential_chain.h"

#include <charconv>
#include <utility>
#include <vector>

#include "aws/shared_files.h"
#include "core/file.h"

namespace statusbridge::aws {
namespace {

using internal::NonEmpty;

StsClient MakeSts(const ChainOptions& options) {
  StsOptions sts = ResolveStsOptions(options.region, options.sts_endpoint, options.env);
  sts.timeout = options.sts_timeout;
  sts.max_attempts = options.sts_max_attempts;
  return StsClient(options.http, options.clock, std::move(sts));
}

// STS takes web identity tokens of up to 20,000 characters.
constexpr size_t kMaxWebIdentityTokenBytes = 64 << 10;

// The token file's contents, trailing CR/LF dropped. `what` names the setting for messages.
Result<Secret> ReadWebIdentityToken(const std::string& path, const std::string& what) {
  Result<std::string> text = ReadRegularFile(path, kMaxWebIdentityTokenBytes);
  if (!text.ok()) {
    return Status::FailedPrecondition("cannot read " + what + " " + path + ": " +
                                      text.status().message());
  }
  std::string token = std::move(*text);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
    token.pop_back();
  }
  return Secret(std::move(token));
}

Result<Credentials> WebIdentityCredentials(const StsClient& sts, const std::string& role_arn,
                                           const std::string& session_name,
                                           const std::string& token_file,
                                           const std::string& token_setting,
                                           std::optional<Seconds> duration) {
  WebIdentityParams params;
  params.role_arn = role_arn;
  params.role_session_name = session_name;
  params.token_source = "token file " + token_file;
  params.duration = duration;
  SB_ASSIGN_OR_RETURN(params.web_identity_token, ReadWebIdentityToken(token_file, token_setting));
  return sts.AssumeRoleWithWebIdentity(params);
}

// --- Web identity from the environment ---

class WebIdentityProvider : public CredentialsProvider {
 public:
  WebIdentityProvider(EnvLookup env, StsClient sts, Clock& clock)
      : env_(std::move(env)), sts_(std::move(sts)), clock_(clock) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    std::optional<std::string> token_file = NonEmpty(env_, "AWS_WEB_IDENTITY_TOKEN_FILE");
    if (!token_file.has_value()) {
      return Status::NotFound("AWS_WEB_IDENTITY_TOKEN_FILE is not set");
    }
    std::optional<std::string> role_arn = NonEmpty(env_, "AWS_ROLE_ARN");
    if (!role_arn.has_value()) {
      return Status::InvalidArgument("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    }
    std::string session =
        NonEmpty(env_, "AWS_ROLE_SESSION_NAME").value_or(DefaultRoleSessionName(clock_.Now()));
    return WebIdentityCredentials(sts_, *role_arn, session, *token_file,
                                  "AWS_WEB_IDENTITY_TOKEN_FILE", std::nullopt);
  }
  std::string Name() const override { return "web identity"; }

 private:
  EnvLookup env_;
  StsClient sts_;
  Clock& clock_;
};

// --- Shared config profiles ---

Result<std::optional<Seconds>> ParseDurationSeconds(const std::string& profile,
                                                    const std::optional<std::string>& text) {
  if (!text.has_value()) {
    return std::optional<Seconds>();
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < 900 || value > 43200) {
    return Status::InvalidArgument("profile \"" + profile +
                                   "\": duration_seconds must be a whole number of seconds from "
                                   "900 to 43200, got \"" +
                                   http::Snippet(*text, 40) + "\"");
  }
  return std::optional<Seconds>(Seconds(value));
}

std::string JoinPath(const std::vector<std::string>& path, const std::string& last) {
  std::string out;
  for (const std::string& p : path) {
    out += p + " -> ";
  }
  return out + last;
}

class SharedConfigProvider : public CredentialsProvider {
 public:
  explicit SharedConfigProvider(const ChainOptions& options)
      : options_(options), sts_(MakeSts(options)) {}

  // CredentialsProvider
  Result<Credentials> GetCredentials() override {
    const std::string profile = internal::ProfileName(options_.env, options_.profile);
    SB_ASSIGN_OR_RETURN(internal::SharedFiles files, internal::LoadSharedFiles(options_.env));
    const bool named = !options_.profile.empty() || NonEmpty(options_.env, "AWS_PROFILE");
    if (!files.credentials.ini.has_value() && !files.config.ini.has_value()) {
      if (named && profile != "default") {
        return Status::InvalidArgument("profile \"" + profile + "\" was asked for, but neither " +
                                       files.credentials.path + " nor " + files.config.path +
                                       " exists");
      }
      return Status::NotFound("neither " + files.credentials.path + " nor " + files.config.path +
                              " exists");
    }
    internal::ProfileSections sections = internal::FindProfile(files, profile);
    if (!sections.exists()) {
      std::string message = "profile \"" + profile + "\" is not in " +
                            files.credentials.Describe() + " or " + files.config.Describe();
      if (named && profile != "default") {
        return Status::InvalidArgument(message);
      }
      return Status::NotFound(message);
    }
    Resolution r{files, {}};
    return Resolve(r, profile, sections);
  }

  std::string Name() const override {
    return "profile \"" + internal::ProfileName(options_.env, options_.profile) + "\"";
  }

 private:
  // One GetCredentials() walk: the files as read once, and the profiles entered so far.
  struct Resolution {
    const internal::SharedFiles& files;
    std::vector<std::string> path;
  };

  static std::string files_description(const internal::SharedFiles& files) {
    return files.credentials.Describe() + " or " + files.config.Describe();
  }

  // The credentials `profile` yields (botocore's order, see the header). At the top (r.path
  // empty) NotFound means "nothing configured here"; below it every failure is an error.
  Result<Credentials> Resolve(Resolution& r, const std::string& profile,
                              const internal::ProfileSections& p) {
    r.path.push_back(profile);
    const std::string label = "profile \"" + profile + "\"";
    std::optional<std::string> role_arn = p.Get("role_arn");
    std::optional<std::string> token_file = p.Get("web_identity_token_file");
    std::optional<std::string> source_profile = p.Get("source_profile");
    std::optional<std::string> credential_source = p.Get("credential_source");

    if (role_arn.has_value() && !token_file.has_value()) {
      return AssumeRoleFor(r, profile, p, *role_arn, source_profile, credential_source);
    }
    if (token_file.has_value()) {
      if (!role_arn.has_value()) {
        return Status::InvalidArgument(label + " has web_identity_token_file but no role_arn");
      }
      SB_ASSIGN_OR_RETURN(std::optional<Seconds> duration,
                          ParseDurationSeconds(profile, p.Get("duration_seconds")));
      std::string session =
          p.Get("role_session_name").value_or(DefaultRoleSessionName(options_.clock.Now()));
      Result<Credentials> c = WebIdentityCredentials(sts_, *role_arn, session, *token_file,
                                                     label + " web_identity_token_file", duration);
      if (!c.ok()) {
        return c.status().WithContext(label);
      }
      c->source += " via " + label;
      return c;
    }
    if (internal::HasStaticKeys(p.credentials)) {
      return internal::StaticKeysFromSection(p.credentials, profile, r.files.credentials.path);
    }
    if (std::optional<std::string> process = p.Get("credential_process")) {
      return RunCredentialProcess(*process, label, options_.clock.Now(), options_.process);
    }
    if (internal::HasStaticKeys(p.config)) {
      return internal::StaticKeysFromSection(p.config, profile, r.files.config.path);
    }
    std::string message = label +
                          " has no aws_access_key_id, role_arn, web_identity_token_file "
                          "or credential_process in " +
                          files_description(r.files);
    if (r.path.size() == 1) {
      return Status::NotFound(message);
    }
    return Status::InvalidArgument(message);
  }

  Result<Credentials> AssumeRoleFor(Resolution& r, const std::string& profile,
                                    const internal::ProfileSections& p, const std::string& role_arn,
                                    const std::optional<std::string>& source_profile,
                                    const std::optional<std::string>& credential_source) {
    const std::string label = "profile \"" + profile + "\"";
    if (source_profile.has_value() && credential_source.has_value()) {
      return Status::InvalidArgument(label +
                                     " has both source_profile and credential_source; use one");
    }
    if (!source_profile.has_value() && !credential_source.has_value()) {
      return Status::InvalidArgument(label +
                                     " has role_arn but no source_profile, credential_source or "
                                     "web_identity_token_file");
    }
    if (p.Get("mfa_serial").has_value()) {
      return Status::InvalidArgument(label +
                                     " has mfa_serial: MFA needs an interactive prompt, which "
                                     "statusbridge cannot show; use a role without MFA");
    }
    AssumeRoleParams params;
    params.role_arn = role_arn;
    params.role_session_name =
        p.Get("role_session_name").value_or(DefaultRoleSessionName(options_.clock.Now()));
    params.external_id = p.Get("external_id").value_or("");
    SB_ASSIGN_OR_RETURN(params.duration, ParseDurationSeconds(profile, p.Get("duration_seconds")));

    Credentials source;
    if (source_profile.has_value()) {
      SB_ASSIGN_OR_RETURN(source, SourceProfileCredentials(r, profile, p, *source_profile));
    } else {
      SB_ASSIGN_OR_RETURN(source, CredentialSourceCredentials(profile, *credential_source));
    }
    Result<Credentials> c = sts_.AssumeRole(params, source);
    if (!c.ok()) {
      return c.status().WithContext(label);
    }
    c->source += " via " + label;
    return c;
  }

  Result<Credentials> SourceProfileCredentials(Resolution& r, const std::string& profile,
                                               const internal::ProfileSections& p,
                                               const std::string& source) {
    const std::string label = "profile \"" + profile + "\"";
    // A profile may name itself to mean "my own static keys" (botocore allows it).
    if (source == profile && internal::HasStaticKeys(p.credentials)) {
      return internal::StaticKeysFromSection(p.credentials, profile, r.files.credentials.path);
    }
    if (source == profile && internal::HasStaticKeys(p.config)) {
      return internal::StaticKeysFromSection(p.config, profile, r.files.config.path);
    }
    for (const std::string& seen : r.path) {
      if (seen == source) {
        return Status::InvalidArgument("source_profile loop: " + JoinPath(r.path, source));
      }
    }
    internal::ProfileSections sp = internal::FindProfile(r.files, source);
    if (!sp.exists()) {
      return Status::InvalidArgument(label + " has source_profile \"" + source +
                                     "\", which is not in " + files_description(r.files));
    }
    // A source profile's static keys come first, even when it has a role_arn too (botocore's
    // _resolve_credentials_from_profile).
    SB_ASSIGN_OR_RETURN(std::optional<Credentials> keys, internal::StaticKeys(r.files, sp, source));
    if (keys.has_value()) {
      return std::move(*keys);
    }
    Result<Credentials> c = Resolve(r, source, sp);
    if (!c.ok() && c.status().code() == StatusCode::kNotFound) {
      return Status::InvalidArgument(c.status().message());
    }
    return c;
  }

  Result<Credentials> CredentialSourceCredentials(const std::string& profile,
                                                  const std::string& source) {
    const std::string label = "profile \"" + profile + "\" credential_source " + source;
    std::unique_ptr<CredentialsProvider> provider;
    if (source == "Environment") {
      provider = NewEnvironmentProvider(options_.env);
    } else if (source == "Ec2InstanceMetadata") {
      provider = NewImdsProvider(options_.env, options_.http, options_.clock, options_.imds);
    } else if (source == "EcsContainer") {
      provider =
          NewContainerProvider(options_.env, options_.http, options_.clock, options_.container);
    } else {
      return Status::InvalidArgument("profile \"" + profile + "\" has credential_source \"" +
                                     http::Snippet(source, 40) +
                                     "\"; expected Environment, Ec2InstanceMetadata or "
                                     "EcsContainer");
    }
    Result<Credentials> c = provider->GetCredentials();
    if (!c.ok()) {
      // Configured, so "nothing there" is an error here, not a reason to move on.
      StatusCode code = c.status().code() == StatusCode::kNotFound ? StatusCode::kFailedPrecondition
                                                                   : c.status().code();
      return Status(code, label + ": " + c.status().message());
    }
    return c;
  }

  const ChainOptions options_;
  const StsClient sts_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> NewWebIdentityProvider(EnvLookup env, StsClient sts,
                                                            Clock& clock) {
  return std::make_unique<WebIdentityProvider>(std::move(env), std::move(sts), clock);
}

std::unique_ptr<CredentialsProvider> NewSharedConfigProvider(const ChainOptions& options) {
  return std::make_unique<SharedConfigProvider>(options);
}

std::unique_ptr<CredentialsProvider> NewUncachedDefaultChain(const ChainOptions& options) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  if (options.profile.empty()) {
    providers.push_back(NewEnvironmentProvider(options.env));
  }
  providers.push_back(NewWebIdentityProvider(options.env, MakeSts(options), options.clock));
  providers.push_back(NewSharedConfigProvider(options));
  providers.push_back(
      NewContainerProvider(options.env, options.http, options.clock, options.container));
  providers.push_back(NewImdsProvider(options.env, options.http, options.clock, options.imds));
  return NewChainProvider(std::move(providers));
}

std::unique_ptr<CredentialsProvider> NewDefaultChain(const ChainOptions& options) {
  return NewRefreshingProvider(NewUncachedDefaultChain(options), options.clock, options.refresh);
}

}  // namespace statusbridge::aws
