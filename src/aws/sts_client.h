#pragma once

// StsClient: the two AWS Security Token Service calls the credential chain needs, over STS's
// Query protocol (shared/docs/research/aws.md §4; API reference
// https://docs.aws.amazon.com/STS/latest/APIReference/):
//
//   AssumeRole                 signed with SigV4 (service "sts") by the caller's source
//                              credentials; used for role_arn + source_profile/credential_source.
//   AssumeRoleWithWebIdentity  unsigned (the token is the proof); used for EKS IRSA and any
//                              AWS_WEB_IDENTITY_TOKEN_FILE setup.
//
// Each call is `POST <endpoint>/` with Content-Type application/x-www-form-urlencoded and a body
// `Action=<op>&Version=2011-06-15&...`. Responses and <ErrorResponse> documents are read with
// tinyxml2; the four Credentials members (AccessKeyId, SecretAccessKey, SessionToken, Expiration)
// are required.
//
// Retries: transport failures, HTTP 5xx, throttling and IDPCommunicationError (which botocore's
// _retry.json retries for STS) are retried up to `max_attempts` in all, sleeping on the Clock with
// full-jitter backoff between attempts. Everything else is returned at once.
//
// Errors map to Status by what the operator must do, and the message is
// "<Operation> <role arn>: HTTP <status> <Code>: <message> (request id ...)" plus, for a rejection,
// which credentials or token were rejected:
//   ExpiredToken(Exception), AccessDenied, InvalidClientTokenId, SignatureDoesNotMatch, ...
//                                           -> PermissionDenied, "(source credentials: <source>)"
//   InvalidIdentityToken, IDPRejectedClaim, ExpiredTokenException on AssumeRoleWithWebIdentity
//                                           -> PermissionDenied, "(web identity token: <source>)"
//   IDPCommunicationError                   -> Unavailable (after the retries)
//   RegionDisabledException                 -> FailedPrecondition (activate STS in that region)
//   MalformedPolicyDocument, PackedPolicyTooLarge, ValidationError
//                                           -> InvalidArgument
//   throttling / 5xx / anything else        -> as AwsErrorToStatus() (aws_error.h)
//   a 200 whose body lacks a required member -> Internal, naming the missing member
// Messages never contain a key, secret, session token or web identity token: a 200 body is never
// quoted (it holds the new secret), only error bodies' Code and Message are.
//
// Thread-safe: holds only references to the (thread-safe) HttpClient and Clock and a copy of its
// options. A cheap value type: copy it into each provider that needs it.

#include <optional>
#include <string>

#include "aws/credentials.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/result.h"
#include "core/secret.h"
#include "http/http_client.h"

namespace statusbridge::aws {

struct StsOptions {
  // Signing region. Default: us-east-1.
  std::string region = "us-east-1";
  // Base URL without a trailing '/', e.g. "https://sts.eu-west-1.amazonaws.com" or a loopback
  // test server. Empty means the regional endpoint https://sts.<region>.amazonaws.com.
  std::string endpoint;
  // Per HTTP exchange. Default: 10s.
  Millis timeout{10000};
  // Attempts in all, including the first. Default: 3 (botocore's legacy mode for STS).
  int max_attempts = 3;
  BackoffPolicy backoff{Millis(200), Millis(5000)};
};

// StsOptions for `region` as the SDKs resolve them: the endpoint is `endpoint_override` if
// non-empty, else AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL (both skipped when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else https://sts.<region>.amazonaws.com
// (endpoints.h ResolveEndpoint). `region` empty means AWS_REGION, else AWS_DEFAULT_REGION, else
// us-east-1 (the SDKs now default STS to regional endpoints; us-east-1 is where the global
// endpoint lives).
StsOptions ResolveStsOptions(const std::string& region, const std::string& endpoint_override,
                             const EnvLookup& env);

struct AssumeRoleParams {
  std::string role_arn;             // required
  std::string role_session_name;    // required; 2-64 chars of [\w+=,.@-]
  std::string external_id;          // optional
  std::optional<Seconds> duration;  // optional; STS accepts 900s..43200s (role's maximum)
};

struct WebIdentityParams {
  std::string role_arn;             // required
  std::string role_session_name;    // required
  Secret web_identity_token;        // required; the OIDC token (file contents)
  std::string token_source;         // where the token came from, for messages: "token file /x"
  std::optional<Seconds> duration;  // optional
};

class StsClient {
 public:
  // `http` and `clock` must outlive the client and every copy of it.
  StsClient(http::HttpClient& http, Clock& clock, StsOptions options);

  // Assumes `params.role_arn` with `source` (which must have a key and secret; a session token
  // is sent and signed when present). The result's `source` is
  // "assumed role <arn> (session <name>)", its expiration the one STS returned.
  Result<Credentials> AssumeRole(const AssumeRoleParams& params, const Credentials& source) const;

  // Exchanges `params.web_identity_token` for role credentials; the request is not signed.
  // The result's `source` is "web identity role <arn> (session <name>)".
  Result<Credentials> AssumeRoleWithWebIdentity(const WebIdentityParams& params) const;

  const StsOptions& options() const { return options_; }

 private:
  http::HttpClient* http_;
  Clock* clock_;
  StsOptions options_;
};

// A session name for when none is configured: "statusbridge-<unix seconds>" (botocore uses
// "botocore-session-<unix seconds>").
std::string DefaultRoleSessionName(SystemTime now);

}  // namespace statusbridge::aws
