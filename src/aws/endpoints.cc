#include "aws/endpoints.h"

#include <optional>

#include "core/text.h"

namespace statusbridge::aws {
namespace {

// The variable's value, or nullopt when it is unset or empty.
std::optional<std::string> NonEmpty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (!value.has_value() || value->empty()) {
    return std::nullopt;
  }
  return value;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) {
      return false;
    }
  }
  return true;
}

std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace

bool IsRegionName(std::string_view region) {
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return !region.empty() && region.front() != '-' && region.back() != '-';
}

Status CheckRegion(std::string_view region) {
  if (!IsRegionName(region)) {
    return Status::InvalidArgument("invalid region \"" + EscapeText(region) +
                                   "\" (expected e.g. eu-west-1)");
  }
  return Status::Ok();
}

Result<std::string> ResolveRegion(const std::string& configured, const EnvLookup& env) {
  std::string region;
  std::string source;
  if (!configured.empty()) {
    region = configured;
    source = "aws.region";
  } else if (std::optional<std::string> v = NonEmpty(env, "AWS_REGION")) {
    region = *v;
    source = "AWS_REGION";
  } else if (std::optional<std::string> d = NonEmpty(env, "AWS_DEFAULT_REGION")) {
    region = *d;
    source = "AWS_DEFAULT_REGION";
  } else {
    return Status::InvalidArgument("no AWS region: set aws.region in the config, or AWS_REGION");
  }
  if (!IsRegionName(region)) {
    return Status::InvalidArgument(source + ": \"" + region +
                                   "\" is not an AWS region name (e.g. \"us-east-1\")");
  }
  return region;
}

std::string ResolveEndpoint(std::string_view service_env_suffix, std::string_view endpoint_prefix,
                            const std::string& configured, const std::string& region,
                            const EnvLookup& env) {
  if (!configured.empty()) {
    return WithoutTrailingSlashes(configured);
  }
  std::optional<std::string> ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!ignore.has_value() || !EqualsIgnoreCase(*ignore, "true")) {
    if (std::optional<std::string> v =
            NonEmpty(env, "AWS_ENDPOINT_URL_" + std::string(service_env_suffix))) {
      return WithoutTrailingSlashes(*v);
    }
    if (std::optional<std::string> v = NonEmpty(env, "AWS_ENDPOINT_URL")) {
      return WithoutTrailingSlashes(*v);
    }
  }
  // The aws-cn partition's DNS suffix (botocore endpoints.json, partition "aws-cn").
  const bool china = region.rfind("cn-", 0) == 0;
  return "https://" + std::string(endpoint_prefix) + "." + region +
         (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

}  // namespace statusbridge::aws
