// The sandbox's Logs Insights query subset on its own: compile errors with their locations, and a
// table of queries with the rows they return over a fixed set of events.

#include "logs_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace statusbridge::sandbox {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kT0 = 1700000000000;  // 2023-11-14 22:13:20.000 UTC
const std::string kLogId = "123456789012:/test/app";

std::vector<LogEvent> Events() {
  auto event = [](int64_t offset_ms, std::string stream, std::string message, uint64_t id) {
    LogEvent e;
    e.timestamp_ms = kT0 + offset_ms;
    e.ingestion_ms = kT0 + offset_ms + 500;
    e.log_stream = std::move(stream);
    e.message = std::move(message);
    e.id = id;
    return e;
  };
  return {
      event(0, "s1", R"({"path":"/api/a","status":200,"elapsed":10})", 1),
      event(1000, "s2", R"({"path":"/api/b","status":500,"elapsed":30})", 2),
      event(61000, "s1", R"({"path":"/api/a","status":200,"elapsed":20})", 3),
      event(62000, "s2",
            R"({"path":"/api/c","status":503,"elapsed":40,"user":{"id":"u1"},"tags":["x","y"]})",
            4),
      event(125000, "s1", "GET /health 200", 5),
  };
}

using Rows = std::vector<std::vector<std::pair<std::string, std::string>>>;

// Runs `query` over Events() in order; rows without @ptr.
LogsQueryOutput RunQuery(const std::string& query, int default_limit = 10000) {
  LogsQueryError error;
  auto program = CompileLogsQuery(query, error);
  EXPECT_NE(program, nullptr) << query << ": " << error.message << " at " << error.start;
  if (program == nullptr) {
    return {};
  }
  LogsQueryRun run(program, default_limit);
  for (const LogEvent& event : Events()) {
    run.Add(event, kLogId);
  }
  return run.Finish();
}

Rows WithoutPtr(const LogsQueryOutput& output) {
  Rows rows;
  for (const LogsResultRow& row : output.rows) {
    std::vector<std::pair<std::string, std::string>> cells;
    for (const LogsResultField& field : row) {
      if (field.field != "@ptr") {
        cells.emplace_back(field.field, field.value);
      }
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

struct QueryCase {
  const char* query;
  Rows rows;
};

TEST(LogsQueryTest, QueriesReturnTheExpectedRows) {
  const std::vector<QueryCase> cases = {
      {"fields path, status | filter status >= 500",
       {{{"path", "/api/b"}, {"status", "500"}}, {{"path", "/api/c"}, {"status", "503"}}}},
      {R"(filter path like /\/api\/[ab]/ | fields path)",
       {{{"path", "/api/a"}}, {{"path", "/api/b"}}, {{"path", "/api/a"}}}},
      {R"(filter path =~ "c$" | fields path)", {{{"path", "/api/c"}}}},
      {R"(filter path =~ /(?i)API\/C/ | fields path)", {{{"path", "/api/c"}}}},
      {R"(filter path not like "/api/a" | fields path)",
       {{{"path", "/api/b"}}, {{"path", "/api/c"}}}},
      {"filter status = 200 and elapsed > 15 | fields elapsed", {{{"elapsed", "20"}}}},
      {R"(filter status = 500 or path = '/api/c' | fields path)",
       {{{"path", "/api/b"}}, {{"path", "/api/c"}}}},
      {"filter status != 200 | fields status", {{{"status", "500"}}, {{"status", "503"}}}},
      {"filter not (status < 300) | fields status", {{{"status", "500"}}, {{"status", "503"}}}},
      {R"(filter status = "500" | fields status)", {{{"status", "500"}}}},
      {"filter status in [500, 503] | fields status", {{{"status", "500"}}, {{"status", "503"}}}},
      {"filter status not in [200, 500] | fields status", {{{"status", "503"}}}},
      {R"(FILTER status = 500 AND path LIKE "/api" | FIELDS path)", {{{"path", "/api/b"}}}},
      {R"(filter @message like "health" | fields @message)", {{{"@message", "GET /health 200"}}}},
      {"fields user.id, tags.1 | filter ispresent(user.id)",
       {{{"user.id", "u1"}, {"tags.1", "y"}}}},
      {"fields `user.id` as who | filter isempty(who) = 0", {{{"who", "u1"}}}},
      {"fields elapsed * 2 as d, elapsed / 0 as z | filter d > 50 | display d, z",
       {{{"d", "60"}}, {{"d", "80"}}}},
      {"fields (elapsed + 5) / 10 as x, -elapsed % 7 as m | filter path = '/api/b'",
       {{{"x", "3.5"}, {"m", "-2"}}}},
      {"fields tolower('ABC') as l, strlen(path) as n, concat(path, '!') as c, abs(-3) as a, "
       "floor(2.5) as f, ceil(2.5) as g | limit 1",
       {{{"l", "abc"}, {"n", "6"}, {"c", "/api/a!"}, {"a", "3"}, {"f", "2"}, {"g", "3"}}}},
      {"fields @timestamp, @logStream, @log, @ingestionTime | limit 1",
       {{{"@timestamp", "2023-11-14 22:13:20.000"},
         {"@logStream", "s1"},
         {"@log", kLogId},
         {"@ingestionTime", "2023-11-14 22:13:20.500"}}}},
      {"filter status = 500",
       {{{"@timestamp", "2023-11-14 22:13:21.000"},
         {"@message", R"({"path":"/api/b","status":500,"elapsed":30})"},
         {"@logStream", "s2"},
         {"@log", kLogId}}}},
      {"stats count(*) as n, avg(elapsed) as avg, min(elapsed), max(elapsed), sum(elapsed), "
       "pct(elapsed, 50) as p50",
       {{{"n", "5"},
         {"avg", "25"},
         {"min(elapsed)", "10"},
         {"max(elapsed)", "40"},
         {"sum(elapsed)", "100"},
         {"p50", "20"}}}},
      {"stats pct(elapsed, 0) as p0, pct(elapsed, 75) as p75, pct(elapsed, 99) as p99, "
       "pct(elapsed, 100) as p100, count(elapsed) as n, avg(elapsed * 3) as triple",
       {{{"p0", "10"},
         {"p75", "30"},
         {"p99", "40"},
         {"p100", "40"},
         {"n", "4"},
         {"triple", "75"}}}},
      {"stats count(*) by bin(1m)",
       {{{"bin(1m)", "2023-11-14 22:13:00.000"}, {"count(*)", "2"}},
        {{"bin(1m)", "2023-11-14 22:14:00.000"}, {"count(*)", "2"}},
        {{"bin(1m)", "2023-11-14 22:15:00.000"}, {"count(*)", "1"}}}},
      {"filter ispresent(status) | stats sum(status >= 500) as errors, count(*) as n by "
       "bin(5minutes) as t",
       {{{"t", "2023-11-14 22:10:00.000"}, {"errors", "2"}, {"n", "4"}}}},
      {"stats count(*) as c by path | sort c desc | limit 1", {{{"path", "/api/a"}, {"c", "2"}}}},
      {"filter ispresent(path) | stats max(elapsed) as worst by path, status",
       {{{"path", "/api/a"}, {"status", "200"}, {"worst", "20"}},
        {{"path", "/api/b"}, {"status", "500"}, {"worst", "30"}},
        {{"path", "/api/c"}, {"status", "503"}, {"worst", "40"}}}},
      {"sort elapsed desc | fields elapsed | limit 2", {{{"elapsed", "40"}}, {{"elapsed", "30"}}}},
      {"sort path | fields path",
       {{{"path", "/api/a"}},
        {{"path", "/api/a"}},
        {{"path", "/api/b"}},
        {{"path", "/api/c"}},
        {}}},
      {"sort path desc, elapsed asc | fields path, elapsed | limit 3",
       {{{"path", "/api/c"}, {"elapsed", "40"}},
        {{"path", "/api/b"}, {"elapsed", "30"}},
        {{"path", "/api/a"}, {"elapsed", "10"}}}},
      {"limit 2 | sort elapsed desc | fields elapsed", {{{"elapsed", "30"}}, {{"elapsed", "10"}}}},
      {"filter status = 404 | stats count(*)", {}},
  };
  for (const QueryCase& c : cases) {
    EXPECT_EQ(WithoutPtr(RunQuery(c.query)), c.rows) << c.query;
  }
}

TEST(LogsQueryTest, StatisticsCountScannedMatchedAndBytes) {
  int64_t bytes = 0;
  for (const LogEvent& event : Events()) {
    bytes += static_cast<int64_t>(event.message.size());
  }
  LogsQueryOutput out = RunQuery("filter elapsed > 25 | stats count(*) as n");
  EXPECT_EQ(out.records_scanned, 5);
  EXPECT_EQ(out.bytes_scanned, bytes);
  EXPECT_EQ(out.records_matched, 2);

  out = RunQuery("fields path | limit 1");
  EXPECT_EQ(out.records_matched, 5);
  EXPECT_EQ(out.rows.size(), 1u);

  out = RunQuery("filter status >= 500 | sort elapsed | limit 1");
  EXPECT_EQ(out.records_matched, 2);
}

TEST(LogsQueryTest, NonStatsRowsCarryAPtrAndStatsRowsDoNot) {
  LogsQueryOutput out = RunQuery("fields path | limit 2");
  ASSERT_EQ(out.rows.size(), 2u);
  ASSERT_EQ(out.rows[0].back().field, "@ptr");
  EXPECT_NE(out.rows[0].back().value, out.rows[1].back().value);
  EXPECT_EQ(out.rows[0].back().value, Base64(kLogId + ":1"));

  out = RunQuery("stats count(*)");
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0], (LogsResultRow{{"count(*)", "5"}}));
}

TEST(LogsQueryTest, WithoutALimitCommandTheDefaultLimitCapsTheRows) {
  EXPECT_EQ(RunQuery("fields path", 3).rows.size(), 3u);
  EXPECT_EQ(RunQuery("fields path | limit 4", 3).rows.size(), 4u);
}

struct MalformedCase {
  const char* query;
  const char* message;
  int start;
};

TEST(LogsQueryTest, MalformedQueriesAreRejectedWithALocation) {
  const std::vector<MalformedCase> cases = {
      {"", "empty", 0},
      {"   ", "empty", 3},
      {"fields", "ends where a value was expected", 6},
      {"filter status = ", "ends where a value was expected", 16},
      {"stats foo(x)", "expected an aggregate function", 6},
      {"stats count(*) by bin(5q)", "bin()", 22},
      {"stats count(*) by bin(1mo)", "bin()", 22},
      {"filter x like /abc", "unterminated /regex/", 14},
      {"filter x like /(/", "invalid regular expression", 14},
      {"filter x = 'abc", "unterminated string", 11},
      {"parse @message 'a*b' as x", "not supported by the sandbox", 0},
      {"stats count_distinct(x)", "not supported by the sandbox", 6},
      {"fields x | limit 0", "limit takes a whole number", 17},
      {"fields x | limit 10001", "limit takes a whole number", 17},
      {"filter x = 1 | | fields y", "expected a command", 15},
      {"fields x |", "expected a command after '|'", 10},
      {"fields avg(x)", "can only be used in stats", 7},
      {"fields x | frobnicate", "unknown command 'frobnicate'", 11},
      {"fields x y", "expected '|' or the end of the query", 9},
      {"fields search(x)", "function search is not supported by the sandbox", 7},
      {"filter x / 2 like 3", "expected /regex/ or a string", 18},
      {"fields /x/", "may only follow like or =~", 7},
      {"stats pct(x, 101)", "from 0 to 100", 13},
      {"fields strlen(a, b)", "exactly one argument", 7},
      {"filter x in [y]", "numbers and strings only", 13},
  };
  for (const MalformedCase& c : cases) {
    LogsQueryError error;
    EXPECT_EQ(CompileLogsQuery(c.query, error), nullptr) << c.query;
    EXPECT_THAT(error.message, HasSubstr(c.message)) << c.query;
    EXPECT_EQ(error.start, c.start) << c.query << ": " << error.message;
    EXPECT_GT(error.end, error.start) << c.query;
  }
}

TEST(LogsQueryTest, FormatsTimestampsAndBase64) {
  EXPECT_EQ(FormatLogsTimestamp(kT0 + 7), "2023-11-14 22:13:20.007");
  EXPECT_EQ(FormatLogsTimestamp(0), "1970-01-01 00:00:00.000");
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace statusbridge::sandbox
