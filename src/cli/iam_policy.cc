#include "cli/iam_policy.h"

#include <set>

namespace statusbridge::cli {
namespace {

// "arn:aws:iam::123456789012:role/x" -> ("aws", "123456789012"); ("aws", "*") when unknown.
std::pair<std::string, std::string> PartitionAndAccount(const std::string& role_arn) {
  if (role_arn.rfind("arn:", 0) != 0) return {"aws", "*"};
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = role_arn.find(':', start);
    if (colon == std::string::npos) return {"aws", "*"};
    parts.push_back(role_arn.substr(start, colon - start));
    start = colon + 1;
  }
  return {parts[1], parts[4].empty() ? "*" : parts[4]};
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
