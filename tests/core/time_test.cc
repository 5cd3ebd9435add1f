#include "core/time.h"

#include <gtest/gtest.h>

#include "status_matchers.h"

namespace statusbridge {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseDurationTest, AcceptsEveryUnitAndCombinations) {
  struct Case {
    const char* text;
    int64_t seconds;
  } cases[] = {{"30s", 30}, {"5m", 300}, {"2h", 7200}, {"7d", 604800}, {"1h30m", 5400}, {"90", 90}};
  for (const auto& c : cases) {
    auto d = ParseDuration(c.text);
    ASSERT_OK(d);
    EXPECT_EQ(d->count(), c.seconds) << c.text;
  }
}

TEST(ParseDurationTest, RejectsBadText) {
  EXPECT_THAT(ParseDuration(""), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(ParseDuration("5x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown unit")));
  EXPECT_THAT(ParseDuration("m"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a number")));
  EXPECT_THAT(ParseDuration("-5m"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("-5m")));
  EXPECT_THAT(ParseDuration("1h30"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing unit")));
}

TEST(FormatDurationTest, UsesLargestExactUnit) {
  EXPECT_EQ(FormatDuration(Seconds(90)), "90s");
  EXPECT_EQ(FormatDuration(Seconds(300)), "5m");
  EXPECT_EQ(FormatDuration(Seconds(7200)), "2h");
  EXPECT_EQ(FormatDuration(Seconds(86400 * 28)), "28d");
  EXPECT_EQ(FormatDuration(Seconds(0)), "0s");
}

TEST(AlignDownTest, AlignsToEpochMultiples) {
  EXPECT_EQ(ToUnixSeconds(AlignDown(FromUnixSeconds(1700000123), Seconds(60))), 1700000100);
  EXPECT_EQ(ToUnixSeconds(AlignDown(FromUnixSeconds(1700000100), Seconds(60))), 1700000100);
  EXPECT_EQ(ToUnixSeconds(AlignDown(FromUnixSeconds(1700000123), Seconds(300))), 1700000100);
  EXPECT_EQ(ToUnixSeconds(AlignDown(FromUnixSeconds(1700000399), Seconds(300))), 1700000100);
  EXPECT_EQ(ToUnixSeconds(AlignDown(FromUnixSeconds(1700000400), Seconds(300))), 1700000400);
  EXPECT_EQ(ToUnixSeconds(AlignDown(FromUnixSeconds(-1), Seconds(60))), -60);
}

TEST(Iso8601Test, RoundTripsAndAcceptsVariants) {
  SystemTime t = FromUnixSeconds(1440938160);  // 2015-08-30T12:36:00Z
  EXPECT_EQ(FormatIso8601(t), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatAmzDate(t), "20150830T123600Z");
  for (const char* s :
       {"2015-08-30T12:36:00Z", "2015-08-30T12:36:00.999Z", "2015-08-30 12:36:00.000",
        "2015-08-30T14:36:00+02:00", "2015-08-30T12:36:00"}) {
    auto parsed = ParseIso8601(s);
    ASSERT_OK(parsed);
    EXPECT_EQ(*parsed, t) << s;
  }
  for (const char* s : {"", "2015-08-30", "2015-13-30T12:36:00Z", "2015-02-30T12:36:00Z",
                        "2015-08-30T12:36:00Zjunk", "2015-08-30T12:36:00.Z"}) {
    EXPECT_THAT(ParseIso8601(s), StatusIs(StatusCode::kInvalidArgument, HasSubstr("timestamp")))
        << s;
  }
}

TEST(HttpDateTest, ParsesImfFixdate) {
  auto t = ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_OK(t);
  EXPECT_EQ(ToUnixSeconds(*t), 784111777);
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT").ok());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT").ok());
}

}  // namespace
}  // namespace statusbridge
