// The Logs Insights JSON 1.1 wire format (aws/logs_wire.h): request bodies, the signed request,
// and reading StartQuery and GetQueryResults answers.

#include "aws/logs_wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fakes/fake_clock.h"
#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using json = nlohmann::json;
using ::statusbridge::testing::FakeClock;
using ::statusbridge::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr int64_t kStart = 1704067200;  // 2024-01-01T00:00:00Z

LogsQuery Query(std::vector<std::string> log_groups) {
  LogsQuery q;
  q.name = "q";
  q.log_groups = std::move(log_groups);
  q.query_string = "stats count(*) as n by bin(5m) as t";
  q.window = TimeWindow{FromUnixSeconds(kStart), FromUnixSeconds(kStart + 300)};
  return q;
}

TEST(LogsStartQueryBodyTest, NamesWindowAndQuery) {
  auto body = LogsStartQueryBody(Query({"/a", "/b"}));
  ASSERT_OK(body);
  EXPECT_EQ(*body,
            "{\"logGroupNames\":[\"/a\",\"/b\"],\"startTime\":1704067200,\"endTime\":1704067499,"
            "\"queryString\":\"stats count(*) as n by bin(5m) as t\"}");
}

TEST(LogsStartQueryBodyTest, AnyArnSendsAllAsIdentifiersAndLimitWhenSet) {
  LogsQuery q = Query({"/a", "arn:aws:logs:us-east-1:123456789012:log-group:/b"});
  q.limit = 25;
  auto body = LogsStartQueryBody(q);
  ASSERT_OK(body);
  json doc = json::parse(*body);
  EXPECT_FALSE(doc.contains("logGroupNames"));
  EXPECT_EQ(doc["logGroupIdentifiers"],
            json::array({"/a", "arn:aws:logs:us-east-1:123456789012:log-group:/b"}));
  EXPECT_EQ(doc["limit"], 25);
}

TEST(LogsStartQueryBodyTest, TextThatIsNotUtf8CannotBeEncoded) {
  LogsQuery q = Query({"/a"});
  q.query_string = "stats count(*) as \xff";
  EXPECT_THAT(LogsStartQueryBody(q),
              StatusIs(StatusCode::kInvalidArgument,
                       StartsWith("StartQuery: cannot encode the request: ")));
}

TEST(LogsQueryIdBodyTest, QueryIdAndNextToken) {
  EXPECT_EQ(*LogsQueryIdBody("id-1", std::nullopt, kLogsStopQuery), "{\"queryId\":\"id-1\"}");
  EXPECT_EQ(*LogsQueryIdBody("id-1", std::string("tok"), kLogsGetQueryResults),
            "{\"queryId\":\"id-1\",\"nextToken\":\"tok\"}");
}

TEST(LogsRequestTest, SignedJson11PostWithTheTargetAndTheResponseCap) {
  FakeClock clock(FromUnixSeconds(kStart));
  auto credentials = NewStaticProvider(
      Credentials{"AKIDEXAMPLE", Secret("secret"), Secret(), std::nullopt, "test"});
  auto request =
      LogsRequest(*credentials, clock, "eu-west-1", "https://logs.eu-west-1.amazonaws.com/",
                  kLogsGetQueryResults, "{\"queryId\":\"id-1\"}", Millis(5000));
  ASSERT_OK(request);
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "https://logs.eu-west-1.amazonaws.com/");
  EXPECT_EQ(request->body, "{\"queryId\":\"id-1\"}");
  EXPECT_EQ(request->timeout, Millis(5000));
  EXPECT_EQ(request->max_response_bytes, kMaxLogsResponseBytes);
  EXPECT_EQ(http::FindHeader(request->headers, "X-Amz-Target"), "Logs_20140328.GetQueryResults");
  EXPECT_EQ(http::FindHeader(request->headers, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_THAT(std::string(http::FindHeader(request->headers, "Authorization")),
              HasSubstr("/20240101/eu-west-1/logs/aws4_request"));
}

TEST(ParseLogsQueryIdTest, OneToTwoHundredFiftySixCharacters) {
  EXPECT_EQ(*ParseLogsQueryId("{\"queryId\":\"abc\"}"), "abc");
  const std::vector<std::string> bodies = {"{}",
                                           "{\"queryId\":null}",
                                           "{\"queryId\":5}",
                                           "{\"queryId\":\"\"}",
                                           "[]",
                                           "",
                                           "{\"queryId\":\"" + std::string(257, 'a') + "\"}"};
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_THAT(ParseLogsQueryId(body),
                StatusIs(StatusCode::kInternal, StartsWith("StartQuery: malformed response: ")));
  }
}

TEST(ParseLogsResultsPageTest, ARunningQuerysResultsAreNotRead) {
  auto page = ParseLogsResultsPage(
      "{\"status\":\"Running\",\"results\":5,\"nextToken\":7,"
      "\"statistics\":{\"bytesScanned\":12.5,\"recordsMatched\":-1,\"recordsScanned\":\"x\"}}");
  ASSERT_OK(page);
  EXPECT_EQ(page->status, LogsQueryStatus::kRunning);
  EXPECT_TRUE(page->rows.empty());
  EXPECT_FALSE(page->next_token);
  EXPECT_EQ(page->statistics.bytes_scanned, 12.5);
  EXPECT_EQ(page->statistics.records_matched, 0);
  EXPECT_EQ(page->statistics.records_scanned, 0);
}

TEST(ParseLogsResultsPageTest, ACompleteQuerysRowsAndToken) {
  json body = {
      {"status", "Complete"},
      {"results", json::array({json::array({{{"field", "t"}, {"value", "2024-01-01 00:00:00.000"}},
                                            {{"field", "n"}, {"value", "1"}},
                                            {{"field", "n"}, {"value", "2"}},
                                            {{"field", "empty"}}}),
                               json::array()})},
      {"nextToken", "tok"}};
  auto page = ParseLogsResultsPage(body.dump());
  ASSERT_OK(page);
  EXPECT_EQ(page->status, LogsQueryStatus::kComplete);
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_THAT(page->rows[0], ElementsAre(Pair("n", "1"), Pair("t", "2024-01-01 00:00:00.000")));
  EXPECT_TRUE(page->rows[1].empty());
  EXPECT_EQ(page->next_token, "tok");

  body["nextToken"] = "";
  page = ParseLogsResultsPage(body.dump());
  ASSERT_OK(page);
  EXPECT_FALSE(page->next_token);
}

TEST(ParseLogsResultsPageTest, ShapeProblemsAreInternalErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "no status"},
      {"{\"status\":1}", "status is a number, not a string"},
      {"{\"status\":\"Done\"}", "unknown status \"Done\""},
      {"{\"status\":\"Complete\",\"results\":{}}", "results is an object, not an array"},
      {"{\"status\":\"Complete\",\"results\":[5]}", "results[0] is a number, not an array"},
      {"{\"status\":\"Complete\",\"results\":[[5]]}", "results[0][0] is a number"},
      {"{\"status\":\"Complete\",\"results\":[[{\"field\":1,\"value\":\"x\"}]]}",
       "results[0][0].field is a number"},
      {"{\"status\":\"Complete\",\"results\":[[{\"field\":\"a\",\"value\":[]}]]}",
       "results[0][0].value is an array"},
      {"{\"status\":\"Complete\",\"nextToken\":5}", "nextToken is a number"},
      {"not json", "not JSON"},
  };
  for (const auto& [body, error] : cases) {
    SCOPED_TRACE(body);
    EXPECT_THAT(ParseLogsResultsPage(body),
                StatusIs(StatusCode::kInternal,
                         ::testing::AllOf(StartsWith("GetQueryResults: malformed response: "),
                                          HasSubstr(error))));
  }
}

TEST(LogsQueryStatusNameTest, NamesMatchTheApi) {
  EXPECT_EQ(LogsQueryStatusName(LogsQueryStatus::kScheduled), "Scheduled");
  EXPECT_EQ(LogsQueryStatusName(LogsQueryStatus::kRunning), "Running");
  EXPECT_EQ(LogsQueryStatusName(LogsQueryStatus::kComplete), "Complete");
  EXPECT_EQ(LogsQueryStatusName(LogsQueryStatus::kFailed), "Failed");
  EXPECT_EQ(LogsQueryStatusName(LogsQueryStatus::kCancelled), "Cancelled");
  EXPECT_EQ(LogsQueryStatusName(LogsQueryStatus::kTimeout), "Timeout");
  EXPECT_EQ(LogsQueryStatusName(LogsQueryStatus::kUnknown), "Unknown");
}

}  // namespace
}  // namespace statusbridge::aws
