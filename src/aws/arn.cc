#include "aws/arn.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/text.h"

namespace statusbridge::aws {
namespace {

constexpr size_t kMaxRolePathLength = 512;
constexpr size_t kMaxRoleNameLength = 64;

std::string Quote(std::string_view value) { return "\"" + EscapeText(value) + "\""; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// IAM role names and STS session names: [\w+=,.@-].
bool IsRoleNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '=' ||
         c == ',' || c == '.' || c == '@' || c == '-';
}

// 2 to `max` characters, each a role name character or one of `extra`.
Status CheckStsText(std::string_view text, size_t max, std::string_view extra) {
  if (text.size() < 2 || text.size() > max) {
    return Status::InvalidArgument("must be 2 to " + std::to_string(max) +
                                   " characters long (got " + std::to_string(text.size()) + ")");
  }
  const bool chars_ok = std::all_of(text.begin(), text.end(), [&](char c) {
    return IsRoleNameChar(c) || extra.find(c) != std::string_view::npos;
  });
  if (!chars_ok) {
    return Status::InvalidArgument("may only contain letters, digits and _+=,.@" +
                                   std::string(extra) + "-");
  }
  return Status::Ok();
}

}  // namespace

std::optional<Arn> ParseArn(std::string_view text) {
  std::string_view parts[5];
  std::string_view rest = text;
  for (std::string_view& part : parts) {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    part = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn") {
    return std::nullopt;
  }
  return Arn{parts[1], parts[2], parts[3], parts[4], rest};
}

bool IsKnownPartition(std::string_view partition) {
  return partition == "aws" || partition == "aws-cn" || partition == "aws-us-gov";
}

Status CheckRoleArn(std::string_view text) {
  if (text.size() > kMaxRoleArnLength) {
    return Status::InvalidArgument("invalid role ARN: longer than " +
                                   std::to_string(kMaxRoleArnLength) + " characters");
  }
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid role ARN " + Quote(text) + ": " + why);
  };
  const std::optional<Arn> arn = ParseArn(text);
  if (!arn || arn->service != "iam" || !arn->resource.starts_with("role/")) {
    return invalid("expected arn:aws:iam::<12-digit account>:role/<name>");
  }
  if (!IsKnownPartition(arn->partition)) {
    return invalid("unknown partition " + Quote(arn->partition) +
                   " (expected aws, aws-cn or aws-us-gov)");
  }
  if (!arn->region.empty()) {
    return invalid("an IAM ARN has no region (arn:aws:iam::<12-digit account>:role/<name>)");
  }
  if (arn->account.size() != 12 ||
      !std::all_of(arn->account.begin(), arn->account.end(), IsDigit)) {
    return invalid("the account must be 12 digits");
  }
  const std::string_view path_and_name = arn->resource.substr(4);  // "/service-role/name"
  const size_t last_slash = path_and_name.rfind('/');
  const std::string_view path = path_and_name.substr(0, last_slash + 1);
  const std::string_view name = path_and_name.substr(last_slash + 1);
  if (name.empty() || name.size() > kMaxRoleNameLength ||
      !std::all_of(name.begin(), name.end(), IsRoleNameChar)) {
    return invalid("the role name must be 1 to 64 characters of letters, digits and _+=,.@-");
  }
  if (path.size() > kMaxRolePathLength ||
      !std::all_of(path.begin(), path.end(), [](char c) { return c >= '!' && c <= '~'; })) {
    return invalid("the role path must be at most 512 printable characters without spaces");
  }
  return Status::Ok();
}

Status CheckRoleSessionName(std::string_view name) { return CheckStsText(name, 64, ""); }

Status CheckExternalId(std::string_view id) { return CheckStsText(id, 1224, ":/"); }

}  // namespace statusbridge::aws
