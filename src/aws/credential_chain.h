#pragma once

// The default AWS credential provider chain, as the official SDKs implement it
// (shared/docs/research/aws.md §4; https://docs.aws.amazon.com/sdkref/latest/guide/
// standardized-credentials.html; botocore credentials.py create_credential_resolver):
//
//   1. environment      AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
//                       (skipped when ChainOptions::profile names a profile explicitly)
//   2. web identity     AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME]
//   3. profile          the shared config files: role_arn (+ source_profile or
//                       credential_source), web_identity_token_file, static keys,
//                       credential_process
//   4. container        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
//   5. EC2 IMDS         instance metadata (IMDSv2, IMDSv1 fallback if allowed)
//
// A provider with nothing configured is skipped (NotFound) and the next one tried; a provider
// that is configured but fails stops the chain with its error, prefixed by its name. When all are
// skipped, one NotFound lists each and why:
//   no AWS credentials found: environment: AWS_ACCESS_KEY_ID is not set; web identity:
//   AWS_WEB_IDENTITY_TOKEN_FILE is not set; profile "default": neither /root/.aws/credentials nor
//   /root/.aws/config exists; container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and
//   AWS_CONTAINER_CREDENTIALS_FULL_URI are not set; EC2 instance metadata: no response from
//   http://169.254.169.254 within 1s
//
// The chain sits inside a RefreshingProvider (refreshing_provider.h): the first GetCredentials()
// walks it; temporary credentials are then reused and renewed 15 minutes before they expire (by
// walking the chain again), long-term keys are kept for the chain's life. Nothing touches the
// network or runs a process before the first GetCredentials().
//
// Usage (cli/ wires the real environment, HTTP client and clock):
//   http::CurlHttpClient curl;
//   SystemClock clock;
//   aws::ChainOptions options(ProcessEnv(), curl, clock);
//   options.profile = config.aws.profile;  // may be empty
//   options.region = region;               // for STS; may be empty
//   std::unique_ptr<aws::CredentialsProvider> credentials = aws::NewDefaultChain(options);
//   Result<aws::Credentials> c = credentials->GetCredentials();  // thread-safe
//
// Thread-safe. The HttpClient and Clock must outlive every provider made from the options.

#include <memory>
#include <string>
#include <utility>

#include "aws/credential_process.h"
#include "aws/credentials.h"
#include "aws/metadata_credentials.h"
#include "aws/refreshing_provider.h"
#include "aws/sts_client.h"
#include "core/clock.h"
#include "core/env.h"
#include "http/http_client.h"

namespace statusbridge::aws {

struct ChainOptions {
  ChainOptions(EnvLookup env_lookup, http::HttpClient& http_client, Clock& clock_source)
      : env(std::move(env_lookup)), http(http_client), clock(clock_source) {}

  // The environment every provider reads (ProcessEnv() in production, MapEnv() in tests).
  EnvLookup env;
  // For STS, the container endpoint and IMDS. Must outlive the providers.
  http::HttpClient& http;
  // For expiry, signing times and retry sleeps. Must outlive the providers.
  Clock& clock;

  // The profile to use. Empty: AWS_PROFILE, else "default". Non-empty also skips the environment
  // provider (as when a profile is set in code for the SDKs). Default: empty.
  std::string profile;
  // STS region. Empty: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. Default: empty.
  std::string region;
  // STS endpoint override, e.g. "http://127.0.0.1:4566". Empty: AWS_ENDPOINT_URL_STS, else
  // AWS_ENDPOINT_URL, else https://sts.<region>.amazonaws.com. Default: empty.
  std::string sts_endpoint;
  // STS per-request timeout and attempts (sts_client.h). Defaults: 10s, 3.
  Millis sts_timeout{10000};
  int sts_max_attempts = 3;

  // Container endpoint (base override for the RELATIVE_URI, timeout, attempts).
  ContainerOptions container;
  // IMDS endpoint override and whether IMDSv1 may be used.
  ImdsOptions imds;
  // credential_process time limit.
  ProcessOptions process;
  // When to renew temporary credentials.
  RefreshWindows refresh;
};

// The whole chain above, cached and refreshed. Name(): "chain".
std::unique_ptr<CredentialsProvider> NewDefaultChain(const ChainOptions& options);

// The same chain without the RefreshingProvider around it: every GetCredentials() walks it.
std::unique_ptr<CredentialsProvider> NewUncachedDefaultChain(const ChainOptions& options);

// AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME (default
// "statusbridge-<unix seconds>") -> STS AssumeRoleWithWebIdentity, reading the token file again on
// every call. NotFound when AWS_WEB_IDENTITY_TOKEN_FILE is unset; InvalidArgument when AWS_ROLE_ARN
// is not; FailedPrecondition when the token file cannot be read; else what STS says (the message
// names the token file). Name(): "web identity".
std::unique_ptr<CredentialsProvider> NewWebIdentityProvider(EnvLookup env, StsClient sts,
                                                            Clock& clock);

// The profile (options.profile, else AWS_PROFILE, else "default") from the shared files
// (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials, section [NAME]; AWS_CONFIG_FILE,
// default ~/.aws/config, section [profile NAME] or [default]). Settings may be in either file;
// the credentials file wins key by key, and the static key pair is taken whole from one file.
// What a profile yields, in botocore's order:
//   1. role_arn with source_profile or credential_source -> STS AssumeRole, signed with the
//      source's credentials, with role_session_name (default "statusbridge-<unix seconds>"),
//      external_id and duration_seconds (900..43200) when set.
//      source_profile: that profile's static keys if it has them (a profile may name itself),
//        else its own role_arn (chains of any depth), web_identity_token_file or
//        credential_process. A profile met twice is a loop: InvalidArgument "a -> b -> a".
//      credential_source: Environment | Ec2InstanceMetadata | EcsContainer (those providers).
//      Both, or neither (and no web_identity_token_file), is InvalidArgument; so is mfa_serial
//      (it needs an interactive prompt).
//   2. web_identity_token_file with role_arn -> STS AssumeRoleWithWebIdentity (file re-read on
//      each call).
//   3. aws_access_key_id / aws_secret_access_key [/ aws_session_token] in the credentials file.
//   4. credential_process (credential_process.h).
//   5. the same static keys in the config file.
// NotFound (the chain moves on) when neither file exists, or the profile is the implicit
// "default" and absent, or it has none of the settings above. A profile named explicitly
// (options.profile or AWS_PROFILE) that does not exist is InvalidArgument, as in the SDKs. Other
// errors stop the chain, naming the profile and file. Files are only read, on every call.
// Name(): profile "NAME".
std::unique_ptr<CredentialsProvider> NewSharedConfigProvider(const ChainOptions& options);

}  // namespace statusbridge::aws
