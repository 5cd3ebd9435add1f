#pragma once

// `statusbridge iam-policy`: the least-privilege IAM policies a config needs, as JSON a user can
// paste into IAM.
//
//   the base identity  cloudwatch:GetMetricData (no resource-level permissions exist for it, so
//                      Resource "*"), when any query is read without a role;
//                      logs:StartQuery on exactly the named log groups (ARNs with the target's
//                      region, and the account when a role ARN gives it), plus
//                      logs:GetQueryResults and logs:StopQuery (which take no resource);
//                      sts:AssumeRole on exactly the configured role ARNs.
//   each role          the same read permissions for the queries read through that role.
//
// Pure: no network, no credentials.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/config.h"

namespace statusbridge::cli {

// The role ARNs the config assumes, sorted and unique.
std::vector<std::string> ConfiguredRoles(const pipeline::Config& config);

// The policy document for the identity the credential chain yields (`role_arn` empty), or for one
// of ConfiguredRoles(). An identity that needs nothing gets a document with no statements.
nlohmann::json IamPolicy(const pipeline::Config& config, const std::string& role_arn = "");

}  // namespace statusbridge::cli
