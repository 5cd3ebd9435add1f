#pragma once

// Where AWS calls go: the region and each service's endpoint URL, resolved from our config and
// the environment the way the AWS SDKs do (shared/docs/research/aws.md §4, "Endpoint
// overrides"; botocore configprovider.py). Pure functions of their arguments; the environment is
// injected, so they are thread-safe whenever the EnvLookup is.

#include <string>
#include <string_view>

#include "core/env.h"
#include "core/result.h"

namespace statusbridge::aws {

// True for a plausible region name ("eu-west-1", "us-gov-west-1"): lower-case letters, digits
// and '-', not empty, not starting or ending with '-', since it becomes a host-name label
// ("monitoring.<region>.amazonaws.com").
bool IsRegionName(std::string_view region);

// IsRegionName() for a configured region. Error: InvalidArgument whose message is the reason,
// "invalid region \"<region>\" (expected e.g. eu-west-1)" (the region escaped: core/text.h).
Status CheckRegion(std::string_view region);

// The region: `configured` (aws.region in the config) if non-empty, else AWS_REGION, else
// AWS_DEFAULT_REGION (empty values count as unset).
// Errors: InvalidArgument "no AWS region: set aws.region in the config, or AWS_REGION" when none
// is set, or naming the source when the value is not a plausible region name (IsRegionName()).
Result<std::string> ResolveRegion(const std::string& configured, const EnvLookup& env);

// The endpoint URL for one service, without a trailing '/':
//   1. `configured` (aws.endpoint_url in the config), if non-empty;
//   2. AWS_ENDPOINT_URL_<service_env_suffix> ("CLOUDWATCH", "CLOUDWATCH_LOGS", "STS");
//   3. AWS_ENDPOINT_URL;
//   4. "https://<endpoint_prefix>.<region>.amazonaws.com" ("monitoring", "logs", "sts"), with
//      "amazonaws.com.cn" for the China regions ("cn-north-1", "cn-northwest-1").
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (any case) skips steps 2 and 3. Empty environment
// values count as unset. The URL is not validated here; the HTTP client rejects a bad one.
std::string ResolveEndpoint(std::string_view service_env_suffix, std::string_view endpoint_prefix,
                            const std::string& configured, const std::string& region,
                            const EnvLookup& env);

}  // namespace statusbridge::aws
