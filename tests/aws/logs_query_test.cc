// The Logs Insights query rules (aws/logs_query.h): what StartQuery takes, the bin() parser, and
// check-config's one-row-per-bucket rule.

#include "aws/logs_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "status_matchers.h"

namespace statusbridge::aws {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kStart = 1704067200;  // 2024-01-01T00:00:00Z

SystemTime T(int64_t s) { return FromUnixSeconds(s); }
TimeWindow Window(int64_t start, int64_t end) { return TimeWindow{T(start), T(end)}; }

LogsQuery Query(std::string name, std::string query_string = "stats count(*) as n") {
  LogsQuery q;
  q.name = std::move(name);
  q.log_groups = {"/aws/lambda/api"};
  q.query_string = std::move(query_string);
  q.window = Window(kStart, kStart + 300);
  return q;
}

// ---- Validation ----

TEST(ValidateLogsQueryTest, Table) {
  struct Case {
    const char* name;
    std::function<void(LogsQuery&)> edit;
    const char* error;  // nullptr: valid
  };
  const std::string long_name(513, 'a');
  const std::vector<Case> cases = {
      {"plain", [](LogsQuery&) {}, nullptr},
      {"all name characters", [](LogsQuery& q) { q.log_groups = {"a.b-c_d/e#F9"}; }, nullptr},
      {"50 groups", [](LogsQuery& q) { q.log_groups.assign(50, "g"); }, nullptr},
      {"china arn",
       [](LogsQuery& q) { q.log_groups = {"arn:aws-cn:logs:cn-north-1:123456789012:log-group:x"}; },
       nullptr},
      {"limit 10000", [](LogsQuery& q) { q.limit = 10000; }, nullptr},
      {"no groups", [](LogsQuery& q) { q.log_groups.clear(); }, "log_groups is empty"},
      {"51 groups", [](LogsQuery& q) { q.log_groups.assign(51, "g"); }, "51 entries"},
      {"empty name",
       [](LogsQuery& q) {
         q.log_groups = {"a", ""};
       },
       "log_groups[1] is empty"},
      {"space in name", [](LogsQuery& q) { q.log_groups = {"my group"}; }, "log_groups[0]"},
      {"name too long", [&](LogsQuery& q) { q.log_groups = {long_name}; }, "longer than 512"},
      {"arn with star",
       [](LogsQuery& q) {
         q.log_groups = {"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/api:*"};
       },
       "ends in '*'"},
      {"arn of another service", [](LogsQuery& q) { q.log_groups = {"arn:aws:s3:::bucket"}; },
       "not a log group ARN"},
      {"arn without name",
       [](LogsQuery& q) { q.log_groups = {"arn:aws:logs:us-east-1:123456789012:log-group:"}; },
       "not a log group ARN"},
      {"arn with space",
       [](LogsQuery& q) { q.log_groups = {"arn:aws:logs:us-east-1:1:log-group:a b"}; },
       "character"},
      {"arn too long",
       [](LogsQuery& q) {
         q.log_groups = {"arn:aws:logs:us-east-1:1:log-group:" + std::string(2048, 'a')};
       },
       "longer than 2048"},
      {"empty query", [](LogsQuery& q) { q.query_string = " \n"; }, "query string is empty"},
      {"query too long", [](LogsQuery& q) { q.query_string = std::string(10001, 'x'); },
       "10001 characters"},
      {"empty window", [](LogsQuery& q) { q.window = Window(kStart, kStart); }, "is empty"},
      {"reversed window", [](LogsQuery& q) { q.window = Window(kStart, kStart - 60); }, "is empty"},
      {"before 1970", [](LogsQuery& q) { q.window = Window(-60, 60); }, "before 1970"},
      {"negative limit", [](LogsQuery& q) { q.limit = -1; }, "limit -1"},
      {"limit too big", [](LogsQuery& q) { q.limit = 10001; }, "limit 10001"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    LogsQuery q = Query("q");
    c.edit(q);
    Status s = ValidateLogsQuery(q);
    if (c.error == nullptr) {
      EXPECT_OK(s);
    } else {
      EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)));
    }
  }
}

// One entry's message names no location, so check-config can put its key path in front; the
// list's message is that same text after "log_groups[i] ".
TEST(ValidateLogGroupTest, MessagesAreAboutTheEntryAlone) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "is empty"},
      {"my group",
       "\"my group\" has a character a log group name cannot have (only A-Z a-z 0-9 . "
       "- _ / #)"},
      {std::string(513, 'g'), "is longer than 512 characters"},
      {"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api:*",
       "\"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api:*\" ends in '*'; StartQuery "
       "wants the log group ARN without it (drop the trailing \":*\")"},
      {"arn:aws:logs:eu-west-1:123456789012:destination:d",
       "\"arn:aws:logs:eu-west-1:123456789012:destination:d\" is not a log group ARN "
       "(arn:aws:logs:<region>:<account-id>:log-group:<name>)"},
      {"arn:aws:logs:r:1:log-group:a b",
       "\"arn:aws:logs:r:1:log-group:a b\" has a character a "
       "log group ARN cannot have"},
      {"arn:aws:logs:r:1:log-group" + std::string(2030, 'a'), "is longer than 2048 characters"},
  };
  for (const auto& [entry, message] : bad) {
    SCOPED_TRACE(entry.substr(0, 60));
    Status one = ValidateLogGroup(entry);
    EXPECT_THAT(one, StatusIs(StatusCode::kInvalidArgument, ::testing::Eq(message)));
    EXPECT_THAT(ValidateLogGroups({"/ok", entry}),
                StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("log_groups[1] " + message)));
  }
}

// The ARN's parts: partition, "logs", region, account, then "log-group:" and a name, which may
// itself hold ':'.
TEST(ValidateLogGroupTest, LogGroupArnShape) {
  const std::vector<std::string> good = {
      "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/api",
      "arn:aws-cn:logs:cn-north-1:123456789012:log-group:x",
      "arn:aws:logs:us-east-1:1:log-group:a:b",
      "/aws/lambda/api",
      "a.b-c_d/e#F9",
  };
  for (const std::string& entry : good) {
    SCOPED_TRACE(entry);
    EXPECT_OK(ValidateLogGroup(entry));
  }
  const std::vector<std::string> not_log_groups = {
      "arn::logs:us-east-1:1:log-group:x",        // no partition
      "arn:aws:s3:us-east-1:1:log-group:x",       // another service
      "arn:aws:logs::1:log-group:x",              // no region
      "arn:aws:logs:us-east-1::log-group:x",      // no account
      "arn:aws:logs:us-east-1:1:log-group",       // no name
      "arn:aws:logs:us-east-1:1:log-group:",      // an empty name
      "arn:aws:logs:us-east-1:1:log-groups:x",    // another resource type
      "arn:aws:logs:us-east-1:1:log-stream:x:y",  // another resource type
      "arn:aws:logs",                             // too few parts
  };
  for (const std::string& entry : not_log_groups) {
    SCOPED_TRACE(entry);
    EXPECT_THAT(ValidateLogGroup(entry),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("is not a log group ARN")));
  }
  EXPECT_TRUE(IsLogGroupArn("arn:aws:logs:us-east-1:1:log-group:x"));
  EXPECT_FALSE(IsLogGroupArn("/arn:x"));
  EXPECT_FALSE(IsLogGroupArn("ar"));
}

TEST(ValidateLogGroupCountTest, OneToFifty) {
  EXPECT_THAT(
      ValidateLogGroupCount(0),
      StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("at least one log group is required")));
  EXPECT_OK(ValidateLogGroupCount(1));
  EXPECT_OK(ValidateLogGroupCount(kMaxLogGroupsPerQuery));
  EXPECT_THAT(ValidateLogGroupCount(51), StatusIs(StatusCode::kInvalidArgument,
                                                  ::testing::Eq("at most 50 log groups (got 51)")));
}

TEST(ValidateLogsQueryTextTest, NotBlankAndAtMostTenThousandCharacters) {
  EXPECT_OK(ValidateLogsQueryText("stats count(*) as n"));
  EXPECT_OK(ValidateLogsQueryText(std::string(kMaxQueryStringLength, 'x')));
  const std::vector<std::string> blanks = {"", " ", " \n ", "\t\r\n", "\v\f "};
  for (const std::string& blank : blanks) {
    SCOPED_TRACE(::testing::PrintToString(blank));
    EXPECT_THAT(ValidateLogsQueryText(blank),
                StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("must not be empty")));
  }
  EXPECT_THAT(ValidateLogsQueryText(std::string(10001, 'x')),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::Eq("must be at most 10000 characters (got 10001)")));
}

// The client and check-config call the same text blank: white space is what std::isspace says,
// vertical tab and form feed included.
TEST(ValidateLogsQueryTest, BlankIsTheSameRuleAsCheckConfigs) {
  LogsQuery q = Query("q", "\v\f \n");
  EXPECT_THAT(ValidateLogsQuery(q),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("query string is empty")));
  EXPECT_FALSE(ValidateLogsQueryText(q.query_string).ok());
}

// ---- bin() ----

TEST(ParseLogsInsightsDurationTest, Table) {
  const std::vector<std::pair<std::string, int64_t>> good = {
      {"30s", 30},
      {"1m", 60},
      {"5m", 300},
      {"1h", 3600},
      {"1d", 86400},
      {"1w", 604800},
      {"5min", 300},
      {"5mins", 300},
      {"5minute", 300},
      {"5minutes", 300},
      {"30sec", 30},
      {"30secs", 30},
      {"30second", 30},
      {"30seconds", 30},
      {"2hr", 7200},
      {"2hrs", 7200},
      {"2hour", 7200},
      {"2hours", 7200},
      {"1day", 86400},
      {"2days", 172800},
      {"1week", 604800},
      {"2weeks", 1209600},
      {"1000ms", 1},
      {"60000msec", 60},
      {"5000msecs", 5},
      {"1000millisecond", 1},
      {"2000milliseconds", 2},
      {"05m", 300},
      {"999999999w", 604799999395200},
  };
  for (const auto& [text, seconds] : good) {
    SCOPED_TRACE(text);
    auto d = ParseLogsInsightsDuration(text);
    ASSERT_OK(d);
    EXPECT_EQ(d->count(), seconds);
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "does not start with a number"},
      {"m", "does not start with a number"},
      {"5", "has no unit"},
      {"0m", "zero"},
      {"5x", "unknown unit \"x\""},
      {"5M", "unknown unit"},
      {"5 m", "unknown unit"},
      {"1.5h", "unknown unit"},
      {"-5m", "does not start with a number"},
      {"5ss", "unknown unit"},
      {"500ms", "not a whole number of seconds"},
      {"1mo", "no fixed length"},
      {"1mon", "no fixed length"},
      {"3months", "no fixed length"},
      {"1q", "no fixed length"},
      {"1qtr", "no fixed length"},
      {"1quarter", "no fixed length"},
      {"1y", "no fixed length"},
      {"2yrs", "no fixed length"},
      {"1year", "no fixed length"},
      {"99999999999999999999m", "too long"},
      {"1000000000w", "too long"},
  };
  for (const auto& [text, error] : bad) {
    SCOPED_TRACE(text);
    EXPECT_THAT(ParseLogsInsightsDuration(text),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(error)));
  }
}

TEST(FindQueryBinTest, FindsTheCallItsLengthAndAlias) {
  struct Case {
    std::string query;
    std::optional<std::string> duration;  // nullopt: no bin
    int64_t seconds = 0;
    std::string alias = "";
    std::string column = "";
  };
  const std::vector<Case> cases = {
      {"stats avg(ms) as p by bin(5m) as t", "5m", 300, "t", "t"},
      {"stats count(*) by bin(1h)", "1h", 3600, "", "bin(1h)"},
      {"stats count(*) by BIN( 30s )", "30s", 30, "", "BIN( 30s )"},
      {"stats count(*) as n by bin (1m) AS `time bucket`", "1m", 60, "time bucket", "time bucket"},
      {"fields bin(5m) as t | stats sum(x) as s by t", "5m", 300, "t", "t"},
      {"stats pct(ms, 99) as p99 by bin(5min) as minute, host", "5min", 300, "minute", "minute"},
      {"stats count(*) as n", std::nullopt},
      {"filter @message like 'bin(5m)' | stats count(*) as n", std::nullopt},
      {"filter msg = \"by bin(1m)\" | stats count(*) as n", std::nullopt},
      {"fields `bin(1m)` | stats count(*) as n", std::nullopt},
      {"fields mybin(1m), bin_size | stats count(*) as n", std::nullopt},
      {"fields bin | stats count(*) as n by bin", std::nullopt},
      {"filter x = 'unclosed bin(5m)", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    auto bin = FindQueryBin(c.query);
    ASSERT_OK(bin);
    if (!c.duration) {
      EXPECT_FALSE(bin->has_value());
      continue;
    }
    ASSERT_TRUE(bin->has_value());
    EXPECT_EQ((*bin)->duration, *c.duration);
    EXPECT_EQ((*bin)->period.count(), c.seconds);
    EXPECT_EQ((*bin)->alias, c.alias);
    EXPECT_EQ((*bin)->column, c.column);
  }
}

TEST(FindQueryBinTest, Errors) {
  EXPECT_THAT(FindQueryBin("stats count(*) by bin(5m), bin(1h)"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("more than one bin()")));
  EXPECT_THAT(FindQueryBin("stats count(*) by bin(5m"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not closed")));
  EXPECT_THAT(FindQueryBin("stats count(*) by bin(1mo)"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(StartsWith("bin(): "), HasSubstr("no fixed length"))));
  EXPECT_THAT(FindQueryBin("stats count(*) by bin()"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("does not start with a number")));
  EXPECT_THAT(FindQueryBin("stats count(*) by bin(" + std::string(100000, 'x') + ")"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("...")));
}

TEST(CheckQueryBinTest, Table) {
  struct Case {
    std::string query;
    int64_t period;
    std::string time_field;
    const char* error;  // nullptr: OK
  };
  const std::vector<Case> cases = {
      {"stats avg(ms) as p by bin(5m) as t", 300, "t", nullptr},
      {"stats avg(ms) as p by bin(300s) as t", 300, "t", nullptr},
      {"stats count(*) as n by bin(1h)", 3600, "bin(1h)", nullptr},
      {"stats count(*) as n by bin( 1h )", 3600, "bin(1h)", nullptr},
      {"stats count(*) as n", 300, "", nullptr},
      {"stats avg(ms) as p by bin(1m) as t", 300, "t",
       "the query bins by 1m (bin(1m)) but the period is 5m"},
      {"stats avg(ms) as p by bin(5m) as t", 300, "", "set time_field to \"t\""},
      {"stats count(*) as n by bin(5m)", 300, "", "set time_field to \"bin(5m)\""},
      {"stats avg(ms) as p by bin(5m) as t", 300, "time",
       "does not name the query's bin column \"t\""},
      {"stats avg(ms) as p by bin(5m) as t", 300, "bin(5m)", "does not name"},
      {"stats count(*) as n", 300, "t", "has no bin()"},
      {"stats count(*) as n by bin(1mon) as t", 300, "t", "no fixed length"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query + " / " + c.time_field);
    Status s = CheckQueryBin(c.query, Seconds(c.period), c.time_field);
    if (c.error == nullptr) {
      EXPECT_OK(s);
    } else {
      EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)));
    }
  }
}

// ---- check-config: one row per bucket ----

TEST(CheckLogsBucketsTest, AcceptsOneRowPerBucketOfThePeriod) {
  struct Case {
    std::string query;
    int64_t period;
    std::string time_field;
    std::string value_field;
  };
  const std::vector<Case> cases = {
      {"stats avg(x) as v by bin(5m) as t", 300, "t", "v"},
      {"filter elapsed > 1000 | stats count(*) by bin(300s)", 300, "bin(300s)", "count(*)"},
      {"stats count(*) by bin( 5m )", 300, "bin(5m)", "count( * )"},
      {"stats pct(elapsed, 99) as p99 by bin(60m) as `bucket start`", 3600, "bucket start", "p99"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    std::optional<LogsSettingError> error =
        CheckLogsBuckets(c.query, Seconds(c.period), c.time_field, c.value_field);
    EXPECT_FALSE(error.has_value()) << (error ? error->status.ToString() : "");
  }
}

// The messages check-config shows after the setting's key path (tests/pipeline/config_test.cc
// expects these texts), in the order the rules are checked.
TEST(CheckLogsBucketsTest, NamesTheSettingAndSaysWhy) {
  struct Case {
    std::string query;
    std::optional<std::string> time_field;
    std::string value_field;
    LogsSetting setting;
    std::string message;
  };
  const std::string no_bin =
      "has no bin(): a cycle can read several buckets at once, so the query must return one row "
      "per bucket, e.g. \"stats avg(elapsed) as value by bin(5m) as t\" with time_field: t";
  const std::vector<Case> cases = {
      {"stats avg(x) as v", std::nullopt, "v", LogsSetting::kQuery, no_bin},
      {"stats avg(x) as v", "t", "v", LogsSetting::kQuery, no_bin},
      {"stats avg(elapsed) as value by bin(1m) as t", "t", "value", LogsSetting::kQuery,
       "bin(1m) does not match the metric's period 5m"},
      {"stats avg(x) as v by bin(5m) as t, bin(5m) as u", "t", "v", LogsSetting::kQuery,
       "the query has more than one bin() call; use one"},
      {"stats avg(x) as v by bin(5m", "t", "v", LogsSetting::kQuery,
       "the query's bin( at offset 21 is not closed"},
      {"stats avg(x) as v by bin(1mo) as t", "t", "v", LogsSetting::kQuery,
       "bin(): duration \"1mo\" is in months, quarters or years, which have no fixed length; use "
       "s, m, h, d or w"},
      {"stats avg(x) as v by bin(5m) as t", std::nullopt, "v", LogsSetting::kTimeField,
       "is required: set it to \"t\", the query's bin() column"},
      {"stats avg(x) as v by bin( 5m )", std::nullopt, "v", LogsSetting::kTimeField,
       "is required: set it to \"bin( 5m )\", the query's bin() column"},
      {"stats avg(x) as v by bin(5m) as t", "ts", "v", LogsSetting::kTimeField,
       "time_field \"ts\" does not name the query's bin column \"t\""},
      {"stats avg(x) as v by bin(5m) as t", "t", "t", LogsSetting::kValueField,
       "must differ from time_field"},
      {"stats avg(x) as v by bin(5m) as t", "t", "p99", LogsSetting::kValueField,
       "\"p99\" does not appear in the query (name the result column, e.g. \"value\" for "
       "\"stats avg(elapsed) as value\")"},
      {"stats avg(x) as v by bin(5m) as t", "t", "p\x01", LogsSetting::kValueField,
       "\"p\\x01\" does not appear in the query (name the result column, e.g. \"value\" for "
       "\"stats avg(elapsed) as value\")"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query + " / " + c.time_field.value_or("(none)") + " / " + c.value_field);
    std::optional<std::string_view> time_field;
    if (c.time_field) {
      time_field = *c.time_field;
    }
    std::optional<LogsSettingError> error =
        CheckLogsBuckets(c.query, Seconds(300), time_field, c.value_field);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->setting, c.setting);
    EXPECT_THAT(error->status, StatusIs(StatusCode::kInvalidArgument, ::testing::Eq(c.message)));
  }
}

// What CheckLogsBuckets accepts, CheckQueryBin (the rule behind LogsRowsToPoints' time_field)
// accepts too.
TEST(CheckLogsBucketsTest, AgreesWithCheckQueryBin) {
  const std::vector<std::string> queries = {
      "stats avg(x) as v by bin(5m) as t", "stats count(*) as v by bin(300s)",
      "stats count(*) as v by BIN( 5m ) as `a b`", "stats avg(x) as v by bin(1m) as t",
      "stats avg(x) as v"};
  const std::vector<std::string> fields = {"t", "bin(300s)", "BIN(5m)", "a b", "v", ""};
  for (const std::string& q : queries) {
    for (const std::string& f : fields) {
      SCOPED_TRACE(q + " / " + f);
      std::optional<std::string_view> time_field;
      if (!f.empty()) {
        time_field = f;
      }
      if (!CheckLogsBuckets(q, Seconds(300), time_field, "v").has_value()) {
        EXPECT_OK(CheckQueryBin(q, Seconds(300), f));
      }
    }
  }
}

}  // namespace
}  // namespace statusbridge::aws
