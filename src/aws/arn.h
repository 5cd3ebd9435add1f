#pragma once

// Amazon Resource Names: the one ARN parser of statusbridge, and the rules for the roles a config
// may assume (aws.role_arn, a metric's or query's role_arn, with external_id, session_name and
// duration): what IAM accepts as a role ARN and STS AssumeRole as its options.
//
// An ARN is arn:<partition>:<service>:<region>:<account-id>:<resource> (IAM User Guide, "IAM
// identifiers"); the resource may itself hold ':' and '/' ("log-group:/aws/lambda/api",
// "role/service-role/name").
//
// Pure functions; thread-safe.

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace statusbridge::aws {

// The longest role ARN accepted (AssumeRole RoleArn: 20..2048 characters).
inline constexpr size_t kMaxRoleArnLength = 2048;

// The parts of an ARN, as views into the parsed text.
struct Arn {
  std::string_view partition;  // "aws", "aws-cn", "aws-us-gov", ...
  std::string_view service;    // "iam", "logs", ...
  std::string_view region;     // empty for global services such as IAM
  std::string_view account;    // 12 digits, or empty
  std::string_view resource;   // everything after the fifth ':'
};

// Splits `text` at its first five ':'. nullopt unless it starts with "arn:" and has five ':'.
// Checks nothing else: each part may be empty.
std::optional<Arn> ParseArn(std::string_view text);

// True for the partitions statusbridge signs for: aws, aws-cn and aws-us-gov.
bool IsKnownPartition(std::string_view partition);

// arn:<aws|aws-cn|aws-us-gov>:iam::<12 digits>:role/<optional path/><name>, at most
// kMaxRoleArnLength characters; the name is 1 to 64 of [A-Za-z0-9_+=,.@-] and the path at most
// 512 printable characters without spaces (IAM's rules for role names and paths).
// Errors: InvalidArgument whose message is the reason, starting "invalid role ARN" (the ARN is
// quoted, escaped and cut: core/text.h EscapeText).
Status CheckRoleArn(std::string_view arn);

// AssumeRole DurationSeconds (the role's own maximum may be lower).
inline constexpr Seconds kMinRoleDuration{900};
inline constexpr Seconds kMaxRoleDuration{43200};

// AssumeRole RoleSessionName: 2 to 64 of [A-Za-z0-9_+=,.@-].
// Error: InvalidArgument whose message is the reason ("must be 2 to 64 characters long (got 1)").
Status CheckRoleSessionName(std::string_view name);

// AssumeRole ExternalId: 2 to 1224 of [A-Za-z0-9_+=,.@:/-]. The id is a shared secret: messages
// never quote it. Error: InvalidArgument whose message is the reason.
Status CheckExternalId(std::string_view id);

}  // namespace statusbridge::aws
