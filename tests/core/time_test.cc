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
  } cases[] = {{"30s", 30},
               {"5m", 300},
               {"2h", 7200},
               {"7d", 604800},
               {"1h30m", 5400},
               {"90", 90},
               {"0", 0},
               {"0s", 0},
               {"1d12h", 129600},
               {"1d1h1m1s", 90061},
               {"2h0m", 7200},
               {"05m", 300},
               {"36500d", 36500LL * 86400}};
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
  EXPECT_THAT(ParseDuration("1.5h"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown unit '.'")));
  EXPECT_THAT(ParseDuration("1h 30m"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a number")));
}

// docs/config.md: "Units can be combined, largest first". Each unit once, in d h m s order.
TEST(ParseDurationTest, UnitsGoLargestFirstEachOnce) {
  const std::string why =
      "units must go from the largest to the smallest, each at most once (as in 1h30m)";
  for (const char* text : {"1m1h", "1m1m", "30s1m", "1h1d", "1s1s", "1d2h1d", "1h30m1h"}) {
    EXPECT_THAT(ParseDuration(text),
                StatusIs(StatusCode::kInvalidArgument,
                         "invalid duration \"" + std::string(text) + "\": " + why))
        << text;
  }
}

TEST(ParseDurationTest, RejectsOverflowAndAbsurdLengthsCleanly) {
  for (const char* text :
       {"99999999999999999d", "99999999999999999999999999999999", "36501d", "3153600001",
        "36500d1s", "9223372036854775807s", "106751991167300d", "1d99999999999999999h"}) {
    EXPECT_THAT(ParseDuration(text),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("longer than 36500d")))
        << text;
  }
  auto max = ParseDuration("3153600000");
  ASSERT_OK(max);
  EXPECT_EQ(*max, kMaxDuration);
  // Any parsed duration converts to nanoseconds without overflow.
  EXPECT_GT(std::chrono::duration_cast<std::chrono::nanoseconds>(kMaxDuration).count(), 0);
}

TEST(ParseDurationTest, QuotesTheTextEscapedAndShort) {
  auto control = ParseDuration("5\x1b[2Jm");
  EXPECT_THAT(control, StatusIs(StatusCode::kInvalidArgument,
                                "invalid duration \"5\\x1B[2Jm\": unknown unit '\\x1B' (use s, "
                                "m, h or d)"));
  auto long_text = ParseDuration(std::string(1000, '1') + "x");
  EXPECT_THAT(long_text, StatusIs(StatusCode::kInvalidArgument, HasSubstr("longer than 36500d")));
  EXPECT_LT(long_text.status().message().size(), 120u);
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
