#include "aws/endpoints.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::HasSubstr;

TEST(EndpointRegionTest, PrefersConfigThenAwsRegionThenAwsDefaultRegion) {
  struct Case {
    const char* name;
    std::string configured;
    std::map<std::string, std::string> env;
    std::string want;
  } cases[] = {
      {"config wins",
       "eu-west-1",
       {{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", "ap-south-1"}},
       "eu-west-1"},
      {"AWS_REGION next",
       "",
       {{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "ap-south-1"}},
       "us-east-2"},
      {"AWS_DEFAULT_REGION last", "", {{"AWS_DEFAULT_REGION", "ap-south-1"}}, "ap-south-1"},
      {"empty AWS_REGION is unset",
       "",
       {{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "sa-east-1"}},
       "sa-east-1"},
  };
  for (const Case& c : cases) {
    Result<std::string> region = ResolveRegion(c.configured, MapEnv(c.env));
    ASSERT_OK(region);
    EXPECT_EQ(*region, c.want) << c.name;
  }
}

TEST(EndpointRegionTest, MissingRegionSaysWhereToSetIt) {
  EXPECT_THAT(ResolveRegion("", MapEnv({{"AWS_REGION", ""}})),
              StatusIs(StatusCode::kInvalidArgument,
                       "no AWS region: set aws.region in the config, or AWS_REGION"));
}

TEST(EndpointRegionTest, RejectsValuesThatCannotBeAHostLabelNamingTheSource) {
  EXPECT_THAT(ResolveRegion("us east 1", MapEnv({})),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("aws.region")));
  EXPECT_THAT(ResolveRegion("", MapEnv({{"AWS_REGION", "evil.com/x"}})),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("AWS_REGION")));
  EXPECT_THAT(ResolveRegion("", MapEnv({{"AWS_DEFAULT_REGION", "US-EAST-1"}})),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("AWS_DEFAULT_REGION")));
}

TEST(EndpointResolveTest, FollowsTheOverrideOrder) {
  struct Case {
    const char* name;
    std::string suffix;
    std::string prefix;
    std::string configured;
    std::string region;
    std::map<std::string, std::string> env;
    std::string want;
  } cases[] = {
      {"default",
       "CLOUDWATCH",
       "monitoring",
       "",
       "us-east-1",
       {},
       "https://monitoring.us-east-1.amazonaws.com"},
      {"logs default",
       "CLOUDWATCH_LOGS",
       "logs",
       "",
       "eu-central-1",
       {},
       "https://logs.eu-central-1.amazonaws.com"},
      {"china partition",
       "STS",
       "sts",
       "",
       "cn-north-1",
       {},
       "https://sts.cn-north-1.amazonaws.com.cn"},
      {"configured wins",
       "CLOUDWATCH",
       "monitoring",
       "http://127.0.0.1:4566",
       "us-east-1",
       {{"AWS_ENDPOINT_URL_CLOUDWATCH", "http://svc"}, {"AWS_ENDPOINT_URL", "http://all"}},
       "http://127.0.0.1:4566"},
      {"service variable before generic",
       "CLOUDWATCH",
       "monitoring",
       "",
       "us-east-1",
       {{"AWS_ENDPOINT_URL_CLOUDWATCH", "http://svc"}, {"AWS_ENDPOINT_URL", "http://all"}},
       "http://svc"},
      {"other service's variable ignored",
       "CLOUDWATCH_LOGS",
       "logs",
       "",
       "us-east-1",
       {{"AWS_ENDPOINT_URL_CLOUDWATCH", "http://svc"}, {"AWS_ENDPOINT_URL", "http://all"}},
       "http://all"},
      {"empty service variable is unset",
       "STS",
       "sts",
       "",
       "us-east-1",
       {{"AWS_ENDPOINT_URL_STS", ""}, {"AWS_ENDPOINT_URL", "http://all"}},
       "http://all"},
      {"trailing slashes stripped (configured)",
       "STS",
       "sts",
       "http://127.0.0.1:9000/",
       "us-east-1",
       {},
       "http://127.0.0.1:9000"},
      {"trailing slash stripped (env)",
       "STS",
       "sts",
       "",
       "us-east-1",
       {{"AWS_ENDPOINT_URL_STS", "https://sts.example//"}},
       "https://sts.example"},
      {"ignore disables env overrides",
       "CLOUDWATCH",
       "monitoring",
       "",
       "us-west-2",
       {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"},
        {"AWS_ENDPOINT_URL_CLOUDWATCH", "http://svc"},
        {"AWS_ENDPOINT_URL", "http://all"}},
       "https://monitoring.us-west-2.amazonaws.com"},
      {"ignore is case-insensitive",
       "CLOUDWATCH",
       "monitoring",
       "",
       "us-west-2",
       {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}, {"AWS_ENDPOINT_URL", "http://all"}},
       "https://monitoring.us-west-2.amazonaws.com"},
      {"ignore=false keeps env overrides",
       "CLOUDWATCH",
       "monitoring",
       "",
       "us-west-2",
       {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"}, {"AWS_ENDPOINT_URL", "http://all"}},
       "http://all"},
      {"ignore keeps the configured value",
       "CLOUDWATCH",
       "monitoring",
       "http://cfg",
       "us-west-2",
       {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}},
       "http://cfg"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ResolveEndpoint(c.suffix, c.prefix, c.configured, c.region, MapEnv(c.env)), c.want)
        << c.name;
  }
}

// One rule for a region name, for the config (CheckRegion) and the environment (ResolveRegion).
TEST(EndpointRegionTest, RegionNamesAreHostLabels) {
  for (const char* region : {"eu-west-1", "us-gov-west-1", "cn-north-1", "x"}) {
    EXPECT_TRUE(IsRegionName(region)) << region;
    {
      SCOPED_TRACE(region);
      EXPECT_OK(CheckRegion(region));
    }
  }
  for (const char* region : {"", "eu west 1", "EU-WEST-1", "-eu-west-1", "eu-west-1-", "a.b"}) {
    EXPECT_FALSE(IsRegionName(region)) << region;
  }
  EXPECT_THAT(CheckRegion("eu west"),
              StatusIs(StatusCode::kInvalidArgument,
                       "invalid region \"eu west\" (expected e.g. eu-west-1)"));
  EXPECT_THAT(CheckRegion("\x1b[31m"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("\\x1B[31m")));
  EXPECT_THAT(ResolveRegion("", MapEnv({{"AWS_REGION", "eu-west-1-"}})),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("AWS_REGION")));
}

}  // namespace
}  // namespace statusbridge::aws
