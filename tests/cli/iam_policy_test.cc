#include "cli/iam_policy.h"

#include <gtest/gtest.h>

namespace statusbridge::cli {
namespace {

using pipeline::Config;
using pipeline::MetricConfig;
using pipeline::QueryConfig;

QueryConfig CloudWatchQuery(const std::string& role = "", const std::string& region = "") {
  QueryConfig q;
  q.name = "value";
  q.cloudwatch.namespace_name = "AWS/ApplicationELB";
  q.cloudwatch.metric_name = "RequestCount";
  q.cloudwatch.stat = "Sum";
  q.target.role.role_arn = role;
  q.target.region = region;
  return q;
}

QueryConfig LogsQuery(std::vector<std::string> groups, const std::string& role = "") {
  QueryConfig q;
  q.name = "latency";
  q.source = QueryConfig::Source::kLogsInsights;
  q.logs.log_groups = std::move(groups);
  q.logs.query = "stats avg(elapsed) as value by bin(1m) as t";
  q.logs.value_field = "value";
  q.logs.time_field = "t";
  q.target.role.role_arn = role;
  return q;
}

Config WithQueries(std::vector<QueryConfig> queries) {
  Config c;
  c.aws.region = "eu-west-1";
  MetricConfig m;
  m.name = "m";
  m.queries = std::move(queries);
  c.metrics.push_back(m);
  return c;
}

TEST(IamPolicyTest, MetricsOnlyNeedGetMetricDataAndNothingElse) {
  nlohmann::json p = IamPolicy(WithQueries({CloudWatchQuery()}));
  EXPECT_EQ(p["Version"], "2012-10-17");
  ASSERT_EQ(p["Statement"].size(), 1u);
  EXPECT_EQ(p["Statement"][0]["Action"], "cloudwatch:GetMetricData");
  EXPECT_EQ(p["Statement"][0]["Resource"], "*");
  EXPECT_EQ(p["Statement"][0]["Effect"], "Allow");
}

TEST(IamPolicyTest, LogsActionsOnlyOnTheNamedLogGroups) {
  nlohmann::json p = IamPolicy(WithQueries({LogsQuery({"/ecs/api", "/ecs/worker"})}));
  ASSERT_EQ(p["Statement"].size(), 2u);
  EXPECT_EQ(p["Statement"][0]["Action"], "logs:StartQuery");
  EXPECT_EQ(p["Statement"][0]["Resource"],
            nlohmann::json({"arn:aws:logs:eu-west-1:*:log-group:/ecs/api",
                            "arn:aws:logs:eu-west-1:*:log-group:/ecs/api:*",
                            "arn:aws:logs:eu-west-1:*:log-group:/ecs/worker",
                            "arn:aws:logs:eu-west-1:*:log-group:/ecs/worker:*"}));
  EXPECT_EQ(p["Statement"][1]["Action"],
            nlohmann::json({"logs:GetQueryResults", "logs:StopQuery"}));
}

TEST(IamPolicyTest, RolesAreAssumedByTheBaseIdentityAndReadWithTheirOwnPolicy) {
  const std::string role = "arn:aws:iam::123456789012:role/statusbridge-read";
  Config c = WithQueries({CloudWatchQuery(role), LogsQuery({"/ecs/api"}, role)});
  EXPECT_EQ(ConfiguredRoles(c), std::vector<std::string>{role});

  nlohmann::json base = IamPolicy(c);
  ASSERT_EQ(base["Statement"].size(), 1u);
  EXPECT_EQ(base["Statement"][0]["Action"], "sts:AssumeRole");
  EXPECT_EQ(base["Statement"][0]["Resource"], role);

  nlohmann::json r = IamPolicy(c, role);
  ASSERT_EQ(r["Statement"].size(), 3u);
  EXPECT_EQ(r["Statement"][0]["Action"], "cloudwatch:GetMetricData");
  // The account comes from the role's ARN.
  EXPECT_EQ(r["Statement"][1]["Resource"][0],
            "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api");
  for (const auto& s : r["Statement"]) EXPECT_NE(s["Action"], "sts:AssumeRole");
}

TEST(IamPolicyTest, LogGroupArnsAreUsedAsGiven) {
  const std::string arn = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/api";
  nlohmann::json p = IamPolicy(WithQueries({LogsQuery({arn})}));
  EXPECT_EQ(p["Statement"][0]["Resource"], nlohmann::json({arn, arn + ":*"}));
}

}  // namespace
}  // namespace statusbridge::cli
