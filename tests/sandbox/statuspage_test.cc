// The emulated Statuspage API over HTTP, and its storage rules.

#include "sandbox_fixture.h"
#include "statuspage_store.h"
#include "statuspage_wire.h"

namespace statusbridge::sandbox {
namespace {

using ::testing::HasSubstr;

json Point(int64_t ts, double value) { return {{"timestamp", ts}, {"value", value}}; }

TEST(CastToSlotTest, RoundsToTheNearestThirtySecondSlot) {
  EXPECT_EQ(CastToSlot(1700000000), 1700000010);  // 1700000010 is a slot (a multiple of 30)
  EXPECT_EQ(CastToSlot(1700000010), 1700000010);
  EXPECT_EQ(CastToSlot(1700000024), 1700000010);
  EXPECT_EQ(CastToSlot(1700000025), 1700000040);
  EXPECT_EQ(CastToSlot(1699999994), 1699999980);
  EXPECT_EQ(CastToSlot(1699999995), 1700000010);  // halfway rounds up
  EXPECT_EQ(CastToSlot(0), 0);
  EXPECT_EQ(CastToSlot(-16), -30);
}

TEST(StatuspageWireTest, RailsStyleFormsBuildArraysOfPoints) {
  ParsedBody parsed = ParseBulkBody(
      "data%5Bm1%5D%5B%5D%5Btimestamp%5D=100&data[m1][][value]=1.5&data[m2][][timestamp]=200&"
      "data[m1][][timestamp]=130&data[m2][][value]=-2&data[m1][][value]=3",
      /*form=*/true);
  ASSERT_FALSE(parsed.error.has_value()) << parsed.error->message;
  ASSERT_EQ(parsed.points.size(), 3u);
  EXPECT_EQ(parsed.points[0].metric_id, "m1");
  EXPECT_EQ(parsed.points[0].timestamp, 100);
  EXPECT_EQ(parsed.points[0].value, 1.5);
  EXPECT_EQ(parsed.points[1].metric_id, "m1");
  EXPECT_EQ(parsed.points[1].timestamp, 130);
  EXPECT_EQ(parsed.points[1].value, 3);
  EXPECT_EQ(parsed.points[2].metric_id, "m2");
  EXPECT_EQ(parsed.points[2].value, -2);

  parsed = ParseBulkBody(
      "data[m1][0][value]=1&data[m1][1][value]=2&data[m1][1][timestamp]=60&"
      "data[m1][0][timestamp]=30",
      true);
  ASSERT_FALSE(parsed.error.has_value());
  ASSERT_EQ(parsed.points.size(), 2u);
  EXPECT_EQ(parsed.points[0].timestamp, 30);
  EXPECT_EQ(parsed.points[1].timestamp, 60);

  EXPECT_EQ(ParseBulkBody("data[m1][][timestamp]=1.5&data[m1][][value]=1", true).error->status,
            422);
  EXPECT_EQ(ParseBulkBody("data[m1][][timestamp]=1&data[m1][][value]=abc", true).error->status,
            422);
  EXPECT_EQ(ParseBulkBody("data[m1][][timestamp]=1", true).error->status, 422);
  EXPECT_EQ(ParseBulkBody("foo=bar", true).error->status, 422);
}

class StatuspageTest : public SandboxTest {
 protected:
  json Points(const std::string& id) { return GetJson("/_sandbox/points?metric_id=" + id)[id]; }
};

TEST_F(StatuspageTest, BulkPostStoresCastPointsAndAnswersTheStoredMap) {
  json body = {{"data",
                {{"m1", json::array({Point(kNow - 100, 1.5), Point(kNow - 50, 2)})},
                 {"m2", json::array({Point(kNow - 20, 3)})}}}};
  httplib::Result r = PostJson(DataPath(), body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  json out = json::parse(r->body);
  EXPECT_EQ(out,
            json::parse(R"({"m1":[{"timestamp":)" + std::to_string(CastToSlot(kNow - 100)) +
                        R"(,"value":1.5},{"timestamp":)" + std::to_string(CastToSlot(kNow - 50)) +
                        R"(,"value":2}],"m2":[{"timestamp":)" +
                        std::to_string(CastToSlot(kNow - 20)) + R"(,"value":3}]})"));
  EXPECT_EQ(Points("m1"),
            json::array({Point(CastToSlot(kNow - 100), 1.5), Point(CastToSlot(kNow - 50), 2)}));
  json stats = Stats();
  EXPECT_EQ(stats["statuspage_requests"], 1);
  EXPECT_EQ(stats["statuspage_data_requests"], 1);
  EXPECT_EQ(stats["points_received"], 3);
  EXPECT_EQ(stats["points_stored"], 3);
}

TEST_F(StatuspageTest, TheLastWriteToASlotWins) {
  const int64_t slot = CastToSlot(kNow - 300);
  ASSERT_EQ(PostJson(DataPath(),
                     {{"data", {{"m", json::array({Point(slot - 15, 1), Point(slot + 14, 2)})}}}})
                ->status,
            202);
  EXPECT_EQ(Points("m"), json::array({Point(slot, 2)}));
  ASSERT_EQ(PostJson(DataPath(), {{"data", {{"m", json::array({Point(slot + 3, 7)})}}}})->status,
            202);
  ASSERT_EQ(PostJson(DataPath(), {{"data", {{"m", json::array({Point(slot + 15, 9)})}}}})->status,
            202);
  EXPECT_EQ(Points("m"), json::array({Point(slot, 7), Point(slot + 30, 9)}));
}

TEST_F(StatuspageTest, SinglePointEndpointAnswersTheCastTimestamp) {
  const int64_t ts = kNow - 44;
  httplib::Result r = PostJson("/v1/pages/sandboxpage/metrics/abc/data",
                               {{"data", {{"timestamp", ts}, {"value", 99.95}}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(json::parse(r->body),
            (json{{"data", {{"timestamp", CastToSlot(ts)}, {"value", 99.95}}}}));
  EXPECT_EQ(Points("abc"), json::array({Point(CastToSlot(ts), 99.95)}));
}

TEST_F(StatuspageTest, FormBodiesAndTheJsonSuffixAreAccepted) {
  std::string form = "data[m1][][timestamp]=" + std::to_string(kNow - 60) +
                     "&data[m1][][value]=4&data[m1][][timestamp]=" + std::to_string(kNow - 30) +
                     "&data[m1][][value]=5";
  httplib::Result r = client().Post((DataPath() + ".json").c_str(), Auth(), form,
                                    "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(Points("m1").size(), 2u);

  form = "data[timestamp]=" + std::to_string(kNow) + "&data[value]=6.5";
  r = client().Post("/v1/pages/sandboxpage/metrics/m2/data.json", Auth(), form,
                    "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(Points("m2"), json::array({Point(CastToSlot(kNow), 6.5)}));

  r = client().Get("/v1/pages/sandboxpage/metrics/m2.json", Auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(StatuspageTest, MalformedPointsAre422AndStoreNothing) {
  const std::vector<json> bad_points = {
      {{"timestamp", 1700000000.5}, {"value", 1}},
      {{"timestamp", std::to_string(kNow)}, {"value", 1}},
      {{"timestamp", 3000000000LL}, {"value", 1}},
      {{"timestamp", kNow}, {"value", "abc"}},
      {{"timestamp", kNow}, {"value", true}},
      {{"timestamp", kNow}},
      {{"value", 1}},
  };
  for (const json& bad : bad_points) {
    SCOPED_TRACE(bad.dump());
    json body = {{"data", {{"m", json::array({Point(kNow - 60, 1), bad})}}}};
    httplib::Result r = PostJson(DataPath(), body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422);
    EXPECT_THAT(json::parse(r->body)["message"].get<std::string>(), HasSubstr("data[m][1]"));
    r = PostJson("/v1/pages/sandboxpage/metrics/m/data", {{"data", bad}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422);
  }
  EXPECT_EQ(Points("m"), json::array());
  EXPECT_EQ(PostJson(DataPath(), {{"points", json::object()}})->status, 422);
  EXPECT_EQ(PostJson(DataPath(), {{"data", json::array()}})->status, 422);
  EXPECT_EQ(PostJson(DataPath(), {{"data", {{"m", 5}}}})->status, 422);
  httplib::Result r = client().Post(DataPath().c_str(), Auth(), "{not json", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(json::parse(r->body).contains("message"));
  EXPECT_EQ(Stats()["points_received"], 0);
}

TEST_F(StatuspageTest, PointsOutsideTheWindowAreDroppedAndCounted) {
  json body = {{"data",
                {{"m", json::array({Point(kNow - 28 * 86400 - 1, 1), Point(kNow - 28 * 86400, 2),
                                    Point(kNow + 300, 3), Point(kNow + 301, 4)})}}}};
  httplib::Result r = PostJson(DataPath(), body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(json::parse(r->body)["m"].size(), 2u);
  EXPECT_EQ(Points("m"), json::array({Point(CastToSlot(kNow - 28 * 86400), 2),
                                      Point(CastToSlot(kNow + 300), 3)}));
  json stats = Stats();
  EXPECT_EQ(stats["points_received"], 4);
  EXPECT_EQ(stats["points_stored"], 2);
  EXPECT_EQ(stats["dropped_too_old"], 1);
  EXPECT_EQ(stats["dropped_future"], 1);

  r = PostJson("/v1/pages/sandboxpage/metrics/m/data",
               {{"data", {{"timestamp", kNow - 29 * 86400}, {"value", 1}}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_THAT(r->body, HasSubstr("28 days"));
  r = PostJson("/v1/pages/sandboxpage/metrics/m/data",
               {{"data", {{"timestamp", kNow + 600}, {"value", 1}}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_THAT(r->body, HasSubstr("future"));
  stats = Stats();
  EXPECT_EQ(stats["dropped_too_old"], 2);
  EXPECT_EQ(stats["dropped_future"], 2);
}

TEST_F(StatuspageTest, RequestsWithoutTheKeyAre401) {
  const std::string list = "/v1/pages/sandboxpage/metrics";
  for (const httplib::Headers& headers :
       {httplib::Headers{}, httplib::Headers{{"Authorization", "OAuth wrong"}},
        httplib::Headers{{"Authorization", "Bearer sandbox-key"}},
        httplib::Headers{{"Authorization", "sandbox-key"}}}) {
    httplib::Result r = client().Get(list.c_str(), headers);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_TRUE(json::parse(r->body).contains("message"));
  }
  EXPECT_EQ(client().Get((list + "?api_key=wrong").c_str())->status, 401);
  EXPECT_EQ(client().Get((list + "?api_key=sandbox-key").c_str())->status, 200);
  EXPECT_EQ(client().Get(list.c_str(), Auth())->status, 200);
  EXPECT_EQ(Stats()["auth_failures"], 5);
}

TEST_F(StatuspageTest, UnknownPagesPathsAndMethods) {
  httplib::Result r = client().Get("/v1/pages/otherpage/metrics", Auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(client().Get("/v1/pages/sandboxpage/components", Auth())->status, 404);
  EXPECT_EQ(client().Get("/v1/pages/sandboxpage/metrics/nope", Auth())->status, 404);
  EXPECT_EQ(client().Delete("/v1/pages/sandboxpage/metrics/data", Auth())->status, 405);
  EXPECT_EQ(client().Get("/v1/pages/sandboxpage/metrics/m/data", Auth())->status, 405);
}

TEST_F(StatuspageTest, StrictMetricsRejectUnregisteredIds) {
  SandboxOptions options = QuietOptions();
  options.strict_metrics = true;
  StartSandbox(options);
  json body = {
      {"data",
       {{"known", json::array({Point(kNow, 1)})}, {"unknown", json::array({Point(kNow, 2)})}}}};
  ASSERT_EQ(client()
                .Post("/_sandbox/statuspage/metrics", R"({"ids":["known"]})", "application/json")
                ->status,
            200);
  httplib::Result r = PostJson(DataPath(), body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json::parse(r->body), (json{{"message", "metric not found"}}));
  EXPECT_EQ(Points("known"), json::array());  // nothing stored from the rejected request
  r = PostJson("/v1/pages/sandboxpage/metrics/unknown/data",
               {{"data", {{"timestamp", kNow}, {"value", 1}}}});
  EXPECT_EQ(r->status, 404);

  body["data"].erase("unknown");
  EXPECT_EQ(PostJson(DataPath(), body)->status, 202);
  EXPECT_EQ(Points("known").size(), 1u);
}

TEST_F(StatuspageTest, MetricsListingIsPaginatedAtMostAHundred) {
  json ids = json::array();
  for (int i = 0; i < 250; ++i) {
    ids.push_back("metric" + std::to_string(1000 + i));
  }
  ASSERT_EQ(client()
                .Post("/_sandbox/statuspage/metrics", json{{"ids", ids}}.dump(), "application/json")
                ->status,
            200);
  ASSERT_EQ(
      PostJson(DataPath(), {{"data", {{"metric1000", json::array({Point(kNow - 7, 1)})}}}})->status,
      202);
  auto page = [&](const std::string& query) {
    httplib::Result r = client().Get(("/v1/pages/sandboxpage/metrics" + query).c_str(), Auth());
    EXPECT_EQ(r->status, 200);
    return json::parse(r->body);
  };
  json first = page("");
  ASSERT_EQ(first.size(), 100u);
  EXPECT_EQ(first[0]["id"], "metric1000");
  EXPECT_EQ(first[0]["most_recent_data_at"], FormatIso8601(FromUnixSeconds(CastToSlot(kNow - 7))));
  EXPECT_EQ(first[0]["created_at"], FormatIso8601(FromUnixSeconds(kNow)));
  EXPECT_TRUE(first[1]["most_recent_data_at"].is_null());
  for (const char* field : {"id", "name", "metric_identifier", "metrics_provider_id", "display",
                            "created_at", "updated_at", "most_recent_data_at"}) {
    EXPECT_TRUE(first[1].contains(field)) << field;
  }
  EXPECT_EQ(page("?page=3")[0]["id"], "metric1200");
  EXPECT_EQ(page("?page=3").size(), 50u);
  EXPECT_EQ(page("?page=4").size(), 0u);
  EXPECT_EQ(page("?per_page=500").size(), 100u);
  json small = page("?page=2&per_page=10");
  ASSERT_EQ(small.size(), 10u);
  EXPECT_EQ(small[0]["id"], "metric1010");

  httplib::Result one = client().Get("/v1/pages/sandboxpage/metrics/metric1000", Auth());
  ASSERT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["id"], "metric1000");
}

TEST_F(StatuspageTest, TheRateLimitAnswers420WithRetryAfterOnARollingWindow) {
  SandboxOptions options = QuietOptions();
  options.rate_limit = 3;
  options.rate_window = Seconds(60);
  StartSandbox(options);
  const std::string list = "/v1/pages/sandboxpage/metrics";
  EXPECT_EQ(client().Get(list.c_str(), Auth())->status, 200);
  clock().Advance(Seconds(20));
  EXPECT_EQ(client().Get(list.c_str(), Auth())->status, 200);
  EXPECT_EQ(client().Get(list.c_str(), Auth())->status, 200);

  httplib::Result r = client().Get(list.c_str(), Auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 420);
  EXPECT_EQ(r->get_header_value("Retry-After"), "40");
  EXPECT_EQ(json::parse(r->body), (json{{"message", "Rate limit exceeded"}}));

  clock().Advance(Seconds(39));
  r = client().Get(list.c_str(), Auth());
  EXPECT_EQ(r->status, 420);
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  clock().Advance(Millis(500));
  EXPECT_EQ(client().Get(list.c_str(), Auth())->get_header_value("Retry-After"), "1");
  clock().Advance(Millis(500));
  EXPECT_EQ(client().Get(list.c_str(), Auth())->status, 200);  // the first request left
  EXPECT_EQ(client().Get(list.c_str(), Auth())->status, 420);  // the next two are still inside

  // Rejected requests do not use up the window; bad keys are not counted against it.
  EXPECT_EQ(client().Get(list.c_str())->status, 401);
  json stats = Stats();
  EXPECT_EQ(stats["rate_limited"], 4);
  json log = GetJson("/_sandbox/requests?api=statuspage");
  int logged_420 = 0;
  for (const json& entry : log) {
    logged_420 += entry["status"] == 420;
  }
  EXPECT_EQ(logged_420, 4);
}

TEST_F(StatuspageTest, TheRateLimitStatusIsConfigurable) {
  SandboxOptions options = QuietOptions();
  options.rate_limit = 1;
  options.rate_limit_status = 429;
  StartSandbox(options);
  EXPECT_EQ(client().Get("/v1/pages/sandboxpage/metrics", Auth())->status, 200);
  httplib::Result r = client().Get("/v1/pages/sandboxpage/metrics", Auth());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "60");
}

TEST_F(StatuspageTest, ABulkOfThousandsOfPointsForAThousandMetrics) {
  json data = json::object();
  for (int m = 0; m < 1000; ++m) {
    json points = json::array();
    for (int i = 0; i < 5; ++i) {
      points.push_back(Point(kNow - 60 * i, m + i));
    }
    data["metric" + std::to_string(m)] = points;
  }
  httplib::Result r = PostJson(DataPath(), {{"data", data}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(Stats()["points_stored"], 5000);
  EXPECT_EQ(Points("metric999").size(), 5u);
}

}  // namespace
}  // namespace statusbridge::sandbox
