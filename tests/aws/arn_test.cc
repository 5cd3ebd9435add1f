#include "aws/arn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(ParseArnTest, SplitsAtTheFirstFiveColons) {
  auto arn = ParseArn("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/api");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->partition, "aws");
  EXPECT_EQ(arn->service, "logs");
  EXPECT_EQ(arn->region, "eu-west-1");
  EXPECT_EQ(arn->account, "123456789012");
  EXPECT_EQ(arn->resource, "log-group:/aws/lambda/api");

  auto role = ParseArn("arn:aws-cn:iam::123456789012:role/path/name");
  ASSERT_TRUE(role.has_value());
  EXPECT_EQ(role->region, "");
  EXPECT_EQ(role->resource, "role/path/name");

  auto empty = ParseArn("arn:::::");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->resource, "");
}

TEST(ParseArnTest, RefusesWhatIsNotAnArn) {
  EXPECT_FALSE(ParseArn("").has_value());
  EXPECT_FALSE(ParseArn("arn:aws:iam::123456789012").has_value());  // four colons
  EXPECT_FALSE(ParseArn("urn:aws:iam::123456789012:role/x").has_value());
  EXPECT_FALSE(ParseArn("/aws/lambda/api").has_value());
}

TEST(ArnPartitionTest, KnowsTheThreePartitions) {
  EXPECT_TRUE(IsKnownPartition("aws"));
  EXPECT_TRUE(IsKnownPartition("aws-cn"));
  EXPECT_TRUE(IsKnownPartition("aws-us-gov"));
  EXPECT_FALSE(IsKnownPartition("aws-iso"));
  EXPECT_FALSE(IsKnownPartition(""));
}

TEST(CheckRoleArnTest, AcceptsRoleArnsWithPaths) {
  EXPECT_OK(CheckRoleArn("arn:aws:iam::123456789012:role/statusbridge"));
  EXPECT_OK(CheckRoleArn("arn:aws-us-gov:iam::123456789012:role/service-role/sb+=,.@-_1"));
  EXPECT_OK(CheckRoleArn("arn:aws:iam::123456789012:role/" + std::string(64, 'r')));
}

TEST(CheckRoleArnTest, SaysWhatIsWrong) {
  const std::string kPrefix = "invalid role ARN \"";
  EXPECT_THAT(CheckRoleArn("arn:aws:iam::123456789012:user/bob"),
              StatusIs(StatusCode::kInvalidArgument,
                       kPrefix + "arn:aws:iam::123456789012:user/bob\": expected "
                                 "arn:aws:iam::<12-digit account>:role/<name>"));
  EXPECT_THAT(CheckRoleArn("arn:aws:sts::123456789012:role/r"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected arn:aws:iam::")));
  EXPECT_THAT(CheckRoleArn("arn:aws-iso:iam::123456789012:role/r"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("unknown partition \"aws-iso\" (expected aws, aws-cn or "
                                 "aws-us-gov)")));
  EXPECT_THAT(CheckRoleArn("arn:aws:iam:eu-west-1:123456789012:role/r"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("an IAM ARN has no region")));
  EXPECT_THAT(CheckRoleArn("arn:aws:iam::12345:role/r"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("the account must be 12 digits")));
  EXPECT_THAT(CheckRoleArn("arn:aws:iam::123456789012:role/"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("the role name must be 1 to 64")));
  EXPECT_THAT(CheckRoleArn("arn:aws:iam::123456789012:role/" + std::string(65, 'r')),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("the role name must be 1 to 64")));
  EXPECT_THAT(CheckRoleArn("arn:aws:iam::123456789012:role/a b/r"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("the role path must be")));
  EXPECT_THAT(
      CheckRoleArn("arn:aws:iam::123456789012:role/" + std::string(2100, 'r')),
      StatusIs(StatusCode::kInvalidArgument, "invalid role ARN: longer than 2048 characters"));
  // Quoted text is escaped.
  EXPECT_THAT(CheckRoleArn("arn:aws:iam::123456789012:user/\x1b[31m"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("user/\\x1B[31m")));
}

TEST(StsOptionsTest, SessionNamesAndExternalIds) {
  EXPECT_OK(CheckRoleSessionName("sb@prod"));
  EXPECT_THAT(CheckRoleSessionName("x"),
              StatusIs(StatusCode::kInvalidArgument, "must be 2 to 64 characters long (got 1)"));
  EXPECT_THAT(CheckRoleSessionName(std::string(65, 's')),
              StatusIs(StatusCode::kInvalidArgument, "must be 2 to 64 characters long (got 65)"));
  EXPECT_THAT(
      CheckRoleSessionName("a:b"),
      StatusIs(StatusCode::kInvalidArgument, "may only contain letters, digits and _+=,.@-"));
  EXPECT_OK(CheckExternalId("tenant:42/prod"));
  EXPECT_OK(CheckExternalId(std::string(1224, 'e')));
  EXPECT_THAT(CheckExternalId(std::string(1225, 'e')),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("must be 2 to 1224")));
  // An external id is a secret: the message never quotes it.
  EXPECT_THAT(CheckExternalId("secret value"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(Not(HasSubstr("secret")),
                             ::testing::Eq("may only contain letters, digits and _+=,.@:/-"))));
}

}  // namespace
}  // namespace statusbridge::aws
