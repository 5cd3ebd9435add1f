#pragma once

// The subset of the CloudWatch Logs Insights query language the sandbox runs: a compiler from query
// text to a program, and a run that streams log events through it. No HTTP, no clock, no store:
// logs_service.h feeds it the events of a query's window.
//
// Grammar (keywords, command and function names are case-insensitive; field names are not):
//   query    := command ('|' command)*
//   command  := 'fields' expr ['as' name] (',' expr ['as' name])*
//             | 'display' name (',' name)*
//             | 'filter' expr
//             | 'stats' agg ['as' name] (',' agg ['as' name])* ['by' group (',' group)*]
//             | 'sort' name ['asc'|'desc'] (',' name ['asc'|'desc'])*     (default asc)
//             | 'limit' N                                                 (1..10000)
//   agg      := avg(expr) | min(expr) | max(expr) | sum(expr) | count(*) | count() | count(expr)
//             | pct(expr, N)                                              (0 <= N <= 100)
//   group    := bin(duration) ['as' name] | expr ['as' name]
//   expr     := or;  or := and ('or' and)*;  and := not ('and' not)*;  not := 'not' not | cmp
//   cmp      := sum [('=' | '!=' | '<' | '<=' | '>' | '>=') sum
//                   | ['not'] 'like' (regex | string) | '=~' (regex | string)
//                   | ['not'] 'in' '[' literal (',' literal)* ']']
//   sum      := product (('+' | '-') product)*;  product := unary (('*' | '/' | '%') unary)*
//   unary    := '-' unary | primary
//   primary  := number | 'string' | "string" | /regex/ | name | func '(' [expr (',' expr)*] ')'
//             | '(' expr ')'
//   name     := [A-Za-z_@][A-Za-z0-9_@.]* | `any text`
//   func     := abs | ceil | floor | strlen | tolower | toupper | concat | ispresent | isempty
//             | isblank | bin(duration)
// A duration is what aws::ParseLogsInsightsDuration() reads (5m, 1h, 30s, 2hours, ...).
// `like "text"` is a case-sensitive substring test; `like /re/` and `=~` search with an
// ECMAScript regex, and a leading (?i) makes it case-insensitive.
//
// Fields of an event: @timestamp, @message, @logStream, @log ("<account>:<group>"),
// @ingestionTime, @ptr, and, when @message is a JSON object, its members flattened with dots
// ("a.b", arrays "a.0"); a JSON member named "@x" is read as "@@x".
//
// Semantics (the sandbox's rules where AWS does not document one):
//  - Values are null, numbers or strings. A comparison is numeric when both sides read as
//    numbers (a string such as "200" does), else it compares text. Anything compared with a
//    missing field is null; and/or/not are three-valued and `filter` keeps only true.
//    Arithmetic on a non-number is null; division by zero is null.
//  - @timestamp and bin() values are epoch milliseconds shown as "YYYY-MM-DD HH:MM:SS.mmm" (UTC).
//  - stats: one row per distinct group key (every event in one group without `by`), ordered by
//    the keys ascending; columns are the group columns then the aggregates. Column names are the
//    alias or the text as written ("count(*)", "bin(5m)", "pct(elapsed, 99)"). avg/min/max/sum/
//    pct use the values that read as numbers, and a group without any has no such column;
//    pct is the nearest-rank percentile (the value at rank ceil(N/100 * n) of the sorted values,
//    rank 1 for N = 0). Numbers are shown as integers when whole, else in the shortest form that
//    reads back exactly.
//  - sort: numbers after non-numbers ascending, non-numbers in natural order (runs of digits
//    compared as numbers), missing values last in both directions; stable.
//  - Output columns: the last `display`, else the `fields`/`stats` columns in order, else
//    @timestamp, @message, @logStream, @log; plus @ptr for a query without stats. A field with
//    no value is left out of its row. Without `sort`, rows come in the order events are scanned.
//  - recordsMatched counts the events that pass every `filter` before the first `stats` (all
//    filters when there is none); records and bytes scanned are every event handed to Add()
//    and the bytes of their messages.
//  - Without a `limit` command at most `default_limit` rows are returned.
//
// Thread-safe: a compiled program is immutable and may be shared; a LogsQueryRun is
// thread-compatible.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace statusbridge::sandbox {

// One log event as stored in a log group.
struct LogEvent {
  int64_t timestamp_ms = 0;
  int64_t ingestion_ms = 0;
  std::string log_stream;
  std::string message;
  uint64_t id = 0;  // unique within its log group; @ptr is derived from it
};

// Where and why a query does not compile (MalformedQueryException's queryCompileError).
struct LogsQueryError {
  std::string message;
  int start = 0;  // offset of the first offending character
  int end = 0;    // offset one past the last (start + 1 at the end of the text)
};

class LogsQueryProgram;

// Compiles `text`; nullptr with `error` filled when it is malformed or uses what the sandbox does
// not support (that message says "not supported by the sandbox").
std::shared_ptr<const LogsQueryProgram> CompileLogsQuery(std::string_view text,
                                                         LogsQueryError& error);

struct LogsResultField {
  std::string field;
  std::string value;

  friend bool operator==(const LogsResultField&, const LogsResultField&) = default;
};
using LogsResultRow = std::vector<LogsResultField>;

struct LogsQueryOutput {
  std::vector<LogsResultRow> rows;
  int64_t records_matched = 0;
  int64_t records_scanned = 0;
  int64_t bytes_scanned = 0;
};

// One execution of a program over events handed to it one at a time.
class LogsQueryRun {
 public:
  // `default_limit` (>= 1): the row cap when the query has no limit command.
  explicit LogsQueryRun(std::shared_ptr<const LogsQueryProgram> program, int default_limit = 10000);
  ~LogsQueryRun();
  LogsQueryRun(const LogsQueryRun&) = delete;
  LogsQueryRun& operator=(const LogsQueryRun&) = delete;

  // Scans one event of the log group `log_id` ("<account>:<group name>").
  void Add(const LogEvent& event, const std::string& log_id);

  // Events handed to Add() so far that passed the filters recordsMatched counts.
  int64_t records_matched() const;

  // Ends the scan and returns the rows. Call once.
  LogsQueryOutput Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// "2023-11-14 22:13:20.000": how Logs Insights shows @timestamp and bin() values (UTC).
std::string FormatLogsTimestamp(int64_t epoch_ms);

// "abc" -> "YWJj": standard base64 with padding (@ptr values are base64).
std::string Base64(std::string_view bytes);

}  // namespace statusbridge::sandbox
