#pragma once

// Credentials from the local metadata services of AWS compute: the container credentials
// endpoint (ECS task roles, EKS Pod Identity) and the EC2 Instance Metadata Service (IMDSv2,
// with IMDSv1 as a configurable fallback). Wire details and defaults:
// shared/docs/research/aws.md §4, the SDK reference guide
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html,
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-imds-credentials.html) and botocore's
// ContainerProvider / InstanceMetadataFetcher.
//
// Both providers fetch on every GetCredentials() (wrap them in a RefreshingProvider to cache) and
// return temporary credentials carrying a session token and an expiration. Every HTTP exchange
// has a timeout and a bounded number of attempts, so an absent or slow service costs a bounded
// wait. Messages name the URL and what went wrong, never a token or key.
//
// Thread-safe when the HttpClient and Clock are (they must outlive the provider).

#include <memory>
#include <string>

#include "aws/credentials.h"
#include "core/clock.h"
#include "core/env.h"
#include "http/http_client.h"

namespace statusbridge::aws {

struct ContainerOptions {
  // Replaces "http://169.254.170.2" as the base for AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  // (tests point it at a loopback server). Default: empty, the real address.
  std::string relative_uri_base;
  // Per attempt. Default: 2s (botocore's TIMEOUT_SECONDS).
  Millis timeout{2000};
  // Attempts in all. Default: 3 (botocore's RETRY_ATTEMPTS).
  int attempts = 3;
  // Between attempts, slept on the Clock. Default: 1s (botocore's SLEEP_TIME).
  Millis retry_delay{1000};
};

// The container credentials endpoint:
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  -> GET http://169.254.170.2<value> (wins when both are
//                                             set, as in the SDKs)
//   AWS_CONTAINER_CREDENTIALS_FULL_URI      -> GET <value>, which must be https, or have host
//        169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost, or a literal loopback address
//        (127.0.0.0/8, ::1). Names are not resolved: "my-host" resolving to 127.0.0.1 is refused.
// The Authorization header is the contents of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on
// every fetch, trailing CR/LF dropped, and preferred) or AWS_CONTAINER_AUTHORIZATION_TOKEN; a value
// with CR or LF inside is refused. Accept: application/json.
// Response: {"AccessKeyId","SecretAccessKey","Token","Expiration"} (all four required).
// Retried: transport failures, timeouts, 5xx and 429. Not retried: other statuses.
// Errors: NotFound "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and ..._FULL_URI are not set";
// InvalidArgument for a refused URL or token; FailedPrecondition when the token file cannot be
// read; Unavailable / DeadlineExceeded when the endpoint does not answer (after the attempts);
// PermissionDenied for 401/403; Internal for a malformed answer. Name(): "container".
std::unique_ptr<CredentialsProvider> NewContainerProvider(EnvLookup env, http::HttpClient& http,
                                                          Clock& clock,
                                                          ContainerOptions options = {});

// Whether `url` may serve container credentials (the FULL_URI rule above).
bool IsAllowedContainerCredentialsUrl(const std::string& url);

struct ImdsOptions {
  // Replaces the endpoint (and AWS_EC2_METADATA_SERVICE_ENDPOINT); no trailing '/'. Default: empty.
  std::string endpoint;
  // Whether IMDSv1 (no token) may be used when the token request is refused (403/404/405) or
  // times out. AWS_EC2_METADATA_V1_DISABLED=true turns it off too. Default: true, as the SDKs.
  bool allow_v1_fallback = true;
};

// EC2 instance metadata, IMDSv2 (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/
// instance-metadata-security-credentials.html):
//   1. PUT <endpoint>/latest/api/token, header x-aws-ec2-metadata-token-ttl-seconds: 21600
//   2. GET <endpoint>/latest/meta-data/iam/security-credentials/      -> role name (first line)
//   3. GET <endpoint>/latest/meta-data/iam/security-credentials/<role> -> {"Code":"Success",
//      "AccessKeyId","SecretAccessKey","Token","Expiration"} (Code must be Success; all required)
// with header x-aws-ec2-metadata-token on 2 and 3. When the token PUT is answered 403/404/405 or
// times out, 2 and 3 go without a token (IMDSv1) if allowed; 400 is an error.
// Environment: AWS_EC2_METADATA_DISABLED=true (skip: NotFound); AWS_EC2_METADATA_SERVICE_ENDPOINT
// (default http://169.254.169.254, or http://[fd00:ec2::254] when
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6); AWS_METADATA_SERVICE_TIMEOUT (seconds, may be
// fractional; default 1) and AWS_METADATA_SERVICE_NUM_ATTEMPTS (default 1), per request;
// AWS_EC2_METADATA_V1_DISABLED=true.
// Bounded wait: a timeout is not retried (a slow service stays slow), so a service that does not
// answer costs at most 2 x timeout (the token PUT, then one IMDSv1 try when allowed); refused
// connections and 5xx answers are retried up to the attempts.
// Results: NotFound "no response from <endpoint> within 1s" when nothing answers (not on EC2: the
// chain moves on), NotFound when no role is attached (404 on step 2); FailedPrecondition when
// IMDSv1 would be needed but is disabled; Internal for a malformed answer or a Code other than
// Success. Credentials that IMDS returns already expired are used for 20 more minutes, as
// botocore's "static stability" does when IMDS is impaired. Name(): "EC2 instance metadata".
std::unique_ptr<CredentialsProvider> NewImdsProvider(EnvLookup env, http::HttpClient& http,
                                                     Clock& clock, ImdsOptions options = {});

}  // namespace statusbridge::aws
