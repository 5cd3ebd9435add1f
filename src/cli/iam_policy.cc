#include "cli/iam_policy.h"

#include <optional>
#include <set>

#include "aws/arn.h"

namespace statusbridge::cli {
namespace {

// "arn:aws:iam::123456789012:role/x" -> ("aws", "123456789012"); ("aws", "*") when unknown.
std::pair<std::string, std::string> PartitionAndAccount(const std::string& role_arn) {
  std::optional<aws::Arn> arn = aws::ParseArn(role_arn);
  if (!arn.has_value()) {
    return {"aws", "*"};
  }
  return {std::string(arn->partition), arn->account.empty() ? "*" : std::string(arn->account)};
}

// The resources a StartQuery on `group` needs (a name, or already an ARN).
std::vector<std::string> LogGroupResources(const std::string& group, const std::string& region,
                                           const std::string& role_arn) {
  std::string arn = group;
  if (group.rfind("arn:", 0) != 0) {
    auto [partition, account] = PartitionAndAccount(role_arn);
    arn = "arn:" + partition + ":logs:" + (region.empty() ? "*" : region) + ":" + account +
          ":log-group:" + group;
  }
  return {arn, arn + ":*"};
}

nlohmann::json Statement(const std::string& sid, const std::vector<std::string>& actions,
                         const std::set<std::string>& resources) {
  nlohmann::json s;
  s["Sid"] = sid;
  s["Effect"] = "Allow";
  s["Action"] = actions.size() == 1 ? nlohmann::json(actions[0]) : nlohmann::json(actions);
  s["Resource"] =
      resources.size() == 1
          ? nlohmann::json(*resources.begin())
          : nlohmann::json(std::vector<std::string>(resources.begin(), resources.end()));
  return s;
}

}  // namespace

std::vector<std::string> ConfiguredRoles(const pipeline::Config& config) {
  std::set<std::string> roles;
  for (const auto& m : config.metrics) {
    for (const auto& q : m.queries) {
      if (!q.target.role.role_arn.empty()) roles.insert(q.target.role.role_arn);
    }
  }
  return {roles.begin(), roles.end()};
}

nlohmann::json IamPolicy(const pipeline::Config& config, const std::string& role_arn) {
  bool metrics = false;
  std::set<std::string> log_groups;
  for (const auto& m : config.metrics) {
    for (const auto& q : m.queries) {
      if (q.target.role.role_arn != role_arn) continue;
      if (q.source == pipeline::QueryConfig::Source::kLogsInsights) {
        std::string region = q.target.region.empty() ? config.aws.region : q.target.region;
        for (const auto& g : q.logs.log_groups) {
          for (auto& r : LogGroupResources(g, region, role_arn)) log_groups.insert(r);
        }
      } else {
        metrics = true;
      }
    }
  }
  nlohmann::json statements = nlohmann::json::array();
  if (metrics) {
    statements.push_back(Statement("ReadCloudWatchMetrics", {"cloudwatch:GetMetricData"}, {"*"}));
  }
  if (!log_groups.empty()) {
    statements.push_back(Statement("StartLogsInsightsQueries", {"logs:StartQuery"}, log_groups));
    statements.push_back(
        Statement("ReadLogsInsightsResults", {"logs:GetQueryResults", "logs:StopQuery"}, {"*"}));
  }
  if (role_arn.empty()) {
    std::vector<std::string> roles = ConfiguredRoles(config);
    if (!roles.empty()) {
      statements.push_back(Statement("AssumeReadRoles", {"sts:AssumeRole"},
                                     std::set<std::string>(roles.begin(), roles.end())));
    }
  }
  return nlohmann::json{{"Version", "2012-10-17"}, {"Statement", statements}};
}

}  // namespace statusbridge::cli
