#include "aws/get_metric_data_wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/cloudwatch_test_queries.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using json = nlohmann::json;
using cw_test::kStart;
using cw_test::Math;
using cw_test::Query;
using cw_test::Stat;
using cw_test::T;
using cw_test::Window;
using ::statusbridge::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(GetMetricDataBodyTest, CarriesTheCallsQueriesWithWireIds) {
  std::vector<MetricQuery> queries = {Query("skipped"), Query("a"),
                                      Math("rate", "q3_0 / 60", {{"m1", Stat("Errors")}})};
  queries[2].label = "errors per second";
  queries[1].stat.unit = "Count";
  queries[1].stat.dimensions = {{"LoadBalancer", "app/x"}};
  const std::vector<std::string> expressions = {"", "", "q2_0 / 60"};
  const PlannedCall call{{1, 2}, Window(kStart, kStart + 300)};
  auto body = BuildGetMetricDataBody(queries, expressions, call, std::string("token-1"));
  ASSERT_OK(body);
  const json doc = json::parse(*body);
  EXPECT_EQ(doc["StartTime"], kStart);
  EXPECT_EQ(doc["EndTime"], kStart + 300);
  EXPECT_EQ(doc["ScanBy"], "TimestampAscending");
  EXPECT_EQ(doc["NextToken"], "token-1");
  const json& q = doc["MetricDataQueries"];
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0]["Id"], "q1");
  EXPECT_EQ(q[0]["ReturnData"], true);
  EXPECT_EQ(q[0]["MetricStat"]["Unit"], "Count");
  EXPECT_EQ(q[0]["MetricStat"]["Metric"]["Dimensions"][0]["Value"], "app/x");
  EXPECT_EQ(q[1]["Id"], "q2_0");
  EXPECT_EQ(q[1]["ReturnData"], false);
  EXPECT_EQ(q[1]["MetricStat"]["Metric"]["MetricName"], "Errors");
  EXPECT_EQ(q[2]["Id"], "q2");
  EXPECT_EQ(q[2]["Expression"], "q2_0 / 60");
  EXPECT_EQ(q[2]["Period"], 60);
  EXPECT_EQ(q[2]["Label"], "errors per second");
  EXPECT_FALSE(q[2].contains("MetricStat"));

  auto first_page = BuildGetMetricDataBody(queries, expressions, call, std::nullopt);
  ASSERT_OK(first_page);
  EXPECT_FALSE(json::parse(*first_page).contains("NextToken"));
}

TEST(GetMetricDataBodyTest, TextThatIsNotUtf8CannotBeEncoded) {
  std::vector<MetricQuery> queries = {Query("a", Seconds(60), "caf\xE9")};
  EXPECT_THAT(BuildGetMetricDataBody(queries, {""}, PlannedCall{{0}, Window(kStart, kStart + 60)},
                                     std::nullopt),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("GetMetricData: cannot encode the request")));
}

TEST(GetMetricDataWireIdsTest, MapsIdsBackAndMarksInputs) {
  std::vector<MetricQuery> queries = {Query("a"),
                                      Math("x", "m1 + m2", {{"m1", Stat("A")}, {"m2", Stat("B")}})};
  EXPECT_THAT(GetMetricDataWireIds(queries, PlannedCall{{0, 1}, Window(kStart, kStart + 60)}),
              UnorderedElementsAre(Pair("q0", 0u), Pair("q1", 1u), Pair("q1_0", kNotReturned),
                                   Pair("q1_1", kNotReturned)));
}

TEST(ParseGetMetricDataPageTest, ReadsResultsAndTheNextToken) {
  const std::unordered_map<std::string, size_t> ids = {{"q0", 0}, {"q1", 1}};
  auto page = ParseGetMetricDataPage(
      R"({"MetricDataResults":[
            {"Id":"q0","StatusCode":"PartialData","Timestamps":[1704067200,1704067260.9],
             "Values":[1,2.5],"Messages":[{"Code":"MaxDatapoints","Value":"more"},7]},
            {"Id":"q1","StatusCode":"Forbidden","Label":"rate"}],
          "NextToken":"next"})",
      ids);
  ASSERT_OK(page);
  ASSERT_EQ(page->results.size(), 2u);
  EXPECT_EQ(page->results[0].query_index, 0u);
  EXPECT_EQ(page->results[0].status, MetricDataStatus::kPartialData);
  EXPECT_THAT(page->results[0].points,
              ElementsAre(Pair(T(kStart), 1.0), Pair(T(kStart + 60), 2.5)));
  EXPECT_EQ(page->results[0].messages, "MaxDatapoints: more");
  EXPECT_EQ(page->results[1].status, MetricDataStatus::kForbidden);
  EXPECT_EQ(page->results[1].label, "rate");
  EXPECT_EQ(page->next_token, "next");

  auto last = ParseGetMetricDataPage(R"({"MetricDataResults":[],"NextToken":""})", ids);
  ASSERT_OK(last);
  EXPECT_EQ(last->next_token, std::nullopt);
}

TEST(ParseGetMetricDataPageTest, AnIdTheRequestDidNotSendIsMalformed) {
  EXPECT_THAT(ParseGetMetricDataPage(
                  R"({"MetricDataResults":[{"Id":"q9","StatusCode":"Complete"}]})", {{"q0", 0}}),
              StatusIs(StatusCode::kInternal,
                       "GetMetricData: malformed response: MetricDataResults[0] has Id \"q9\", "
                       "which this request did not send"));
}

}  // namespace
}  // namespace statusbridge::aws
