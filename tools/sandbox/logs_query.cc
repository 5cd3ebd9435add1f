#include "logs_query.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <unordered_map>
#include <utility>
#include <variant>

#include "aws/logs_client.h"

namespace statusbridge::sandbox {
namespace {

// ---- Values ----

std::string FormatNumber(double d) {
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

// The whole of `s` as a finite decimal number ("12", "-0.5", "1e3"), else nullopt.
std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

struct Value {
  enum class Kind { kNull, kNumber, kString };
  Kind kind = Kind::kNull;
  double number = 0;
  std::string text;  // how the value is shown (numbers too)

  static Value Null() { return Value{}; }
  static Value Number(double d) { return Value{Kind::kNumber, d, FormatNumber(d)}; }
  static Value Number(double d, std::string shown) {
    return Value{Kind::kNumber, d, std::move(shown)};
  }
  static Value String(std::string s) { return Value{Kind::kString, 0, std::move(s)}; }
  static Value Bool(std::optional<bool> b) { return b ? Number(*b ? 1 : 0) : Null(); }

  bool is_null() const { return kind == Kind::kNull; }
};

std::optional<double> NumberOf(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNumber:
      return v.number;
    case Value::Kind::kString:
      return ParseNumber(v.text);
    case Value::Kind::kNull:
      break;
  }
  return std::nullopt;
}

std::optional<bool> Truth(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNumber:
      return v.number != 0;
    case Value::Kind::kString:
      return !v.text.empty();
    case Value::Kind::kNull:
      break;
  }
  return std::nullopt;
}

int Sign(double d) { return d < 0 ? -1 : (d > 0 ? 1 : 0); }

// Equality and ordering for comparisons: numeric when both read as numbers, else by text.
// REQUIRES: neither is null.
int CompareForOperator(const Value& a, const Value& b) {
  std::optional<double> x = NumberOf(a);
  std::optional<double> y = NumberOf(b);
  if (x && y) {
    return Sign(*x - *y);
  }
  return Sign(a.text.compare(b.text));
}

// Natural order of two non-numeric texts: runs of digits compare by length, then digit by digit;
// everything else by code point (UTF-8 byte order is code point order).
int NaturalCompare(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t i_end = i;
      size_t j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      std::string_view x = a.substr(i, i_end - i);
      std::string_view y = b.substr(j, j_end - j);
      if (x.size() != y.size()) {
        return x.size() < y.size() ? -1 : 1;
      }
      if (int c = x.compare(y); c != 0) {
        return Sign(c);
      }
      i = i_end;
      j = j_end;
      continue;
    }
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[j]);
    if (x != y) {
      return x < y ? -1 : 1;
    }
    ++i;
    ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

// The order of `sort` and of stats groups (ascending): nulls first here (sort moves them last),
// non-numbers before numbers, numbers by value, non-numbers in natural order.
int CompareForSort(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) {
    return a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1);
  }
  std::optional<double> x = NumberOf(a);
  std::optional<double> y = NumberOf(b);
  if (x && y) {
    return Sign(*x - *y);
  }
  if (x || y) {
    return x ? 1 : -1;
  }
  return NaturalCompare(a.text, b.text);
}

struct KeyLess {
  bool operator()(const std::vector<Value>& a, const std::vector<Value>& b) const {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (int c = CompareForSort(a[i], b[i]); c != 0) {
        return c < 0;
      }
    }
    return a.size() < b.size();
  }
};

// ---- Records ----

struct EventContext {
  LogEvent event;
  std::string log_id;
};

using FlatFields = std::unordered_map<std::string, Value>;

void Flatten(const nlohmann::json& j, const std::string& path, FlatFields& out) {
  if (j.is_object()) {
    for (const auto& [key, member] : j.items()) {
      Flatten(member, path.empty() ? key : path + "." + key, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      Flatten(j[i], path + "." + std::to_string(i), out);
    }
  } else if (j.is_string()) {
    out[path] = Value::String(j.get<std::string>());
  } else if (j.is_boolean()) {
    out[path] = Value::String(j.get<bool>() ? "true" : "false");
  } else if (j.is_number()) {
    out[path] = Value::Number(j.get<double>(), j.dump());
  }
}

std::shared_ptr<FlatFields> ParseJsonFields(const std::string& message) {
  auto fields = std::make_shared<FlatFields>();
  size_t first = message.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || message[first] != '{') {
    return fields;
  }
  nlohmann::json doc = nlohmann::json::parse(message, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    Flatten(doc, "", *fields);
  }
  return fields;
}

// A row travelling through the pipeline: an event (absent for stats rows) and the fields
// commands computed for it.
struct Record {
  std::shared_ptr<const EventContext> event;
  std::vector<std::pair<std::string, Value>> fields;
  std::shared_ptr<FlatFields> json;  // the event's JSON fields, parsed on first use

  void Set(const std::string& name, Value value) {
    for (auto& [field, old] : fields) {
      if (field == name) {
        old = std::move(value);
        return;
      }
    }
    fields.emplace_back(name, std::move(value));
  }
};

std::string Ptr(const EventContext& context) {
  return Base64(context.log_id + ":" + std::to_string(context.event.id));
}

Value Lookup(Record& record, const std::string& name) {
  for (const auto& [field, value] : record.fields) {
    if (field == name) {
      return value;
    }
  }
  if (record.event == nullptr) {
    return Value::Null();
  }
  const LogEvent& event = record.event->event;
  if (!name.empty() && name[0] == '@') {
    if (name == "@timestamp") {
      return Value::Number(static_cast<double>(event.timestamp_ms),
                           FormatLogsTimestamp(event.timestamp_ms));
    }
    if (name == "@message") return Value::String(event.message);
    if (name == "@logStream") return Value::String(event.log_stream);
    if (name == "@log") return Value::String(record.event->log_id);
    if (name == "@ingestionTime") {
      return Value::Number(static_cast<double>(event.ingestion_ms),
                           FormatLogsTimestamp(event.ingestion_ms));
    }
    if (name == "@ptr") return Value::String(Ptr(*record.event));
    if (name.size() < 2 || name[1] != '@') {
      return Value::Null();
    }
  }
  if (record.json == nullptr) {
    record.json = ParseJsonFields(event.message);
  }
  // A JSON member "@x" is addressed as "@@x".
  auto it = record.json->find(name.size() > 1 && name[0] == '@' ? name.substr(1) : name);
  return it == record.json->end() ? Value::Null() : it->second;
}

// ---- Expressions ----

enum class ExprKind { kField, kLiteral, kNeg, kNot, kBinary, kMatch, kIn, kCall, kBin };
enum class BinaryOp { kAdd, kSub, kMul, kDiv, kMod, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr };

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  std::string name;  // field name, or function name (lower case)
  Value literal;
  BinaryOp op = BinaryOp::kAdd;
  bool negated = false;             // not like, not in
  std::optional<std::regex> regex;  // kMatch with a regex
  std::string needle;               // kMatch with a substring
  int64_t bin_ms = 0;               // kBin
  std::vector<std::unique_ptr<Expr>> args;
};

Value Evaluate(const Expr& expr, Record& record);

Value EvaluateBinary(const Expr& expr, Record& record) {
  if (expr.op == BinaryOp::kAnd || expr.op == BinaryOp::kOr) {
    std::optional<bool> a = Truth(Evaluate(*expr.args[0], record));
    bool is_and = expr.op == BinaryOp::kAnd;
    if (a && *a != is_and) {
      return Value::Bool(!is_and);  // false and ..., true or ...
    }
    std::optional<bool> b = Truth(Evaluate(*expr.args[1], record));
    if (b && *b != is_and) {
      return Value::Bool(!is_and);
    }
    if (a && b) {
      return Value::Bool(is_and);
    }
    return Value::Null();
  }
  Value a = Evaluate(*expr.args[0], record);
  Value b = Evaluate(*expr.args[1], record);
  if (a.is_null() || b.is_null()) {
    return Value::Null();
  }
  switch (expr.op) {
    case BinaryOp::kEq:
      return Value::Bool(CompareForOperator(a, b) == 0);
    case BinaryOp::kNe:
      return Value::Bool(CompareForOperator(a, b) != 0);
    case BinaryOp::kLt:
      return Value::Bool(CompareForOperator(a, b) < 0);
    case BinaryOp::kLe:
      return Value::Bool(CompareForOperator(a, b) <= 0);
    case BinaryOp::kGt:
      return Value::Bool(CompareForOperator(a, b) > 0);
    case BinaryOp::kGe:
      return Value::Bool(CompareForOperator(a, b) >= 0);
    default:
      break;
  }
  std::optional<double> x = NumberOf(a);
  std::optional<double> y = NumberOf(b);
  if (!x || !y) {
    return Value::Null();
  }
  double r = 0;
  switch (expr.op) {
    case BinaryOp::kAdd:
      r = *x + *y;
      break;
    case BinaryOp::kSub:
      r = *x - *y;
      break;
    case BinaryOp::kMul:
      r = *x * *y;
      break;
    case BinaryOp::kDiv:
      if (*y == 0) return Value::Null();
      r = *x / *y;
      break;
    case BinaryOp::kMod:
      if (*y == 0) return Value::Null();
      r = std::fmod(*x, *y);
      break;
    default:
      return Value::Null();
  }
  return std::isfinite(r) ? Value::Number(r) : Value::Null();
}

Value EvaluateCall(const Expr& expr, Record& record) {
  const std::string& f = expr.name;
  if (f == "concat") {
    std::string out;
    bool any = false;
    for (const auto& arg : expr.args) {
      Value v = Evaluate(*arg, record);
      any = any || !v.is_null();
      out += v.text;
    }
    return any ? Value::String(std::move(out)) : Value::Null();
  }
  Value v = Evaluate(*expr.args[0], record);
  if (f == "ispresent") return Value::Bool(!v.is_null());
  if (f == "isempty") return Value::Bool(v.is_null() || v.text.empty());
  if (f == "isblank") {
    return Value::Bool(v.is_null() || v.text.find_first_not_of(" \t\r\n") == std::string::npos);
  }
  if (v.is_null()) return Value::Null();
  if (f == "strlen") return Value::Number(static_cast<double>(v.text.size()));
  if (f == "tolower" || f == "toupper") {
    std::string s = v.text;
    for (char& c : s) {
      c = static_cast<char>(f == "tolower" ? std::tolower(static_cast<unsigned char>(c))
                                           : std::toupper(static_cast<unsigned char>(c)));
    }
    return Value::String(std::move(s));
  }
  std::optional<double> x = NumberOf(v);
  if (!x) return Value::Null();
  if (f == "abs") return Value::Number(std::fabs(*x));
  if (f == "ceil") return Value::Number(std::ceil(*x));
  if (f == "floor") return Value::Number(std::floor(*x));
  return Value::Null();
}

Value Evaluate(const Expr& expr, Record& record) {
  switch (expr.kind) {
    case ExprKind::kField:
      return Lookup(record, expr.name);
    case ExprKind::kLiteral:
      return expr.literal;
    case ExprKind::kNeg: {
      std::optional<double> x = NumberOf(Evaluate(*expr.args[0], record));
      return x ? Value::Number(-*x) : Value::Null();
    }
    case ExprKind::kNot: {
      std::optional<bool> b = Truth(Evaluate(*expr.args[0], record));
      return b ? Value::Bool(!*b) : Value::Null();
    }
    case ExprKind::kBinary:
      return EvaluateBinary(expr, record);
    case ExprKind::kMatch: {
      Value v = Evaluate(*expr.args[0], record);
      if (v.is_null()) return Value::Null();
      bool hit = expr.regex ? std::regex_search(v.text, *expr.regex)
                            : v.text.find(expr.needle) != std::string::npos;
      return Value::Bool(hit != expr.negated);
    }
    case ExprKind::kIn: {
      Value v = Evaluate(*expr.args[0], record);
      if (v.is_null()) return Value::Null();
      bool hit = false;
      for (size_t i = 1; i < expr.args.size() && !hit; ++i) {
        hit = CompareForOperator(v, expr.args[i]->literal) == 0;
      }
      return Value::Bool(hit != expr.negated);
    }
    case ExprKind::kCall:
      return EvaluateCall(expr, record);
    case ExprKind::kBin: {
      std::optional<double> ms = NumberOf(Lookup(record, "@timestamp"));
      if (!ms) return Value::Null();
      double bucket =
          std::floor(*ms / static_cast<double>(expr.bin_ms)) * static_cast<double>(expr.bin_ms);
      return Value::Number(bucket, FormatLogsTimestamp(static_cast<int64_t>(bucket)));
    }
  }
  return Value::Null();
}

// ---- Commands ----

enum class AggFunc { kAvg, kMin, kMax, kSum, kCount, kPct };

struct Aggregate {
  AggFunc func = AggFunc::kCount;
  std::unique_ptr<Expr> arg;  // nullptr: count(*)
  double percentile = 0;
  std::string name;
};

struct Named {
  std::string name;
  std::unique_ptr<Expr> expr;
};

struct FieldsCommand {
  std::vector<Named> items;
};
struct DisplayCommand {
  std::vector<std::string> names;
};
struct FilterCommand {
  std::unique_ptr<Expr> condition;
};
struct StatsCommand {
  std::vector<Aggregate> aggregates;
  std::vector<Named> groups;
};
struct SortCommand {
  std::vector<std::pair<std::string, bool>> keys;  // name, descending
};
struct LimitCommand {
  int64_t count = 0;
};

using Command = std::variant<FieldsCommand, DisplayCommand, FilterCommand, StatsCommand,
                             SortCommand, LimitCommand>;

}  // namespace

class LogsQueryProgram {
 public:
  std::vector<Command> commands;
  std::vector<std::string> output_fields;
  bool has_stats = false;
  bool has_limit = false;
  size_t match_point = 0;  // recordsMatched counts records reaching this command index
};

namespace {

// ---- The parser ----

struct CompileFailure {
  LogsQueryError error;
};

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '@';
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@' || c == '.';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

constexpr const char* kScalarFunctions[] = {"abs",     "ceil",   "floor",     "strlen",  "tolower",
                                            "toupper", "concat", "ispresent", "isempty", "isblank"};
constexpr const char* kAggregates[] = {"avg", "min", "max", "sum", "count", "pct"};
constexpr const char* kUnsupportedAggregates[] = {
    "count_distinct", "stddev", "earliest", "latest", "sortsfirst", "sortslast", "percentile"};
constexpr const char* kUnsupportedCommands[] = {
    "parse",  "dedup",  "unmask",      "pattern",       "diff", "anomaly", "source",
    "unnest", "lookup", "filterindex", "fieldssummary", "eval", "head",    "top"};

template <size_t N>
bool OneOf(const std::string& s, const char* const (&list)[N]) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  void ParseProgram(LogsQueryProgram& program) {
    while (true) {
      Skip();
      if (AtEnd()) {
        Fail(program.commands.empty() ? "the query is empty" : "expected a command after '|'", pos_,
             pos_ + 1);
      }
      ParseCommand(program);
      Skip();
      if (AtEnd()) {
        break;
      }
      if (!Accept("|")) {
        Fail("expected '|' or the end of the query", pos_, pos_ + 1);
      }
    }
  }

 private:
  [[noreturn]] void Fail(std::string message, size_t start, size_t end) {
    LogsQueryError error;
    error.message = std::move(message);
    error.start = static_cast<int>(std::min(start, text_.size()));
    error.end = static_cast<int>(std::max(std::min(end, text_.size()), start + 1));
    throw CompileFailure{std::move(error)};
  }

  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() {
    Skip();
    return AtEnd() ? '\0' : text_[pos_];
  }
  bool Accept(std::string_view token) {
    Skip();
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }
  void Expect(std::string_view token, const std::string& what) {
    if (!Accept(token)) {
      Fail("expected " + what, pos_, pos_ + 1);
    }
  }
  // The identifier at the cursor (not consumed), or empty.
  std::string_view WordAt(size_t at) const {
    if (at >= text_.size() || !IsIdentStart(text_[at])) {
      return {};
    }
    size_t end = at + 1;
    while (end < text_.size() && IsIdentChar(text_[end])) ++end;
    return text_.substr(at, end - at);
  }
  bool PeekKeyword(std::string_view keyword) {
    Skip();
    return Lower(WordAt(pos_)) == keyword;
  }
  bool AcceptKeyword(std::string_view keyword) {
    if (!PeekKeyword(keyword)) {
      return false;
    }
    pos_ += keyword.size();
    return true;
  }

  // A field name: an identifier, or `any text` between backquotes.
  std::string ParseName(const char* what) {
    Skip();
    if (Peek() == '`') {
      size_t start = pos_;
      size_t close = text_.find('`', pos_ + 1);
      if (close == std::string_view::npos) {
        Fail("unterminated `name`", start, text_.size());
      }
      pos_ = close + 1;
      return std::string(text_.substr(start + 1, close - start - 1));
    }
    std::string_view word = WordAt(pos_);
    if (word.empty()) {
      Fail(std::string("expected ") + what, pos_, pos_ + 1);
    }
    pos_ += word.size();
    return std::string(word);
  }

  std::string SourceText(size_t start) const { return Trim(text_.substr(start, pos_ - start)); }

  // `as name`, or the default: a plain field's name, else the text as written.
  std::string ParseAlias(const Expr& expr, size_t start) {
    std::string source = SourceText(start);
    if (AcceptKeyword("as")) {
      return ParseName("a name after 'as'");
    }
    return expr.kind == ExprKind::kField ? expr.name : source;
  }

  void ParseCommand(LogsQueryProgram& program) {
    Skip();
    size_t start = pos_;
    std::string_view word = WordAt(pos_);
    if (word.empty()) {
      Fail("expected a command (fields, display, filter, stats, sort, limit)", pos_, pos_ + 1);
    }
    pos_ += word.size();
    std::string name = Lower(word);
    if (name == "fields") {
      FieldsCommand command;
      do {
        size_t item_start = (Skip(), pos_);
        std::unique_ptr<Expr> expr = ParseExpr();
        std::string alias = ParseAlias(*expr, item_start);
        command.items.push_back(Named{std::move(alias), std::move(expr)});
      } while (Accept(","));
      program.commands.emplace_back(std::move(command));
    } else if (name == "display") {
      DisplayCommand command;
      do {
        command.names.push_back(ParseName("a field name"));
      } while (Accept(","));
      program.commands.emplace_back(std::move(command));
    } else if (name == "filter") {
      program.commands.emplace_back(FilterCommand{ParseExpr()});
    } else if (name == "stats") {
      program.commands.emplace_back(ParseStats());
    } else if (name == "sort") {
      SortCommand command;
      do {
        std::string key = ParseName("a field name to sort by");
        bool descending = false;
        if (AcceptKeyword("desc")) {
          descending = true;
        } else {
          AcceptKeyword("asc");
        }
        command.keys.emplace_back(std::move(key), descending);
      } while (Accept(","));
      program.commands.emplace_back(std::move(command));
    } else if (name == "limit") {
      Skip();
      size_t number_start = pos_;
      int64_t count = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])) &&
             count <= 1000000) {
        count = count * 10 + (text_[pos_++] - '0');
      }
      if (pos_ == number_start || count < 1 || count > aws::kMaxQueryLimit ||
          IsIdentChar(pos_ < text_.size() ? text_[pos_] : ' ')) {
        Fail("limit takes a whole number from 1 to 10000", number_start,
             std::max(pos_, number_start + 1));
      }
      program.commands.emplace_back(LimitCommand{count});
    } else if (OneOf(name, kUnsupportedCommands)) {
      Fail("the " + name + " command is not supported by the sandbox", start, pos_);
    } else {
      Fail("unknown command '" + std::string(word) + "'", start, pos_);
    }
  }

  StatsCommand ParseStats() {
    StatsCommand command;
    do {
      Skip();
      size_t start = pos_;
      std::string_view word = WordAt(pos_);
      std::string func = Lower(word);
      if (OneOf(func, kUnsupportedAggregates)) {
        Fail("the aggregate function " + func + " is not supported by the sandbox", start,
             start + word.size());
      }
      if (!OneOf(func, kAggregates)) {
        Fail("expected an aggregate function (avg, count, max, min, pct, sum)", start,
             start + std::max<size_t>(word.size(), 1));
      }
      pos_ += word.size();
      Expect("(", "'(' after " + func);
      Aggregate aggregate;
      aggregate.func = func == "avg"   ? AggFunc::kAvg
                       : func == "min" ? AggFunc::kMin
                       : func == "max" ? AggFunc::kMax
                       : func == "sum" ? AggFunc::kSum
                       : func == "pct" ? AggFunc::kPct
                                       : AggFunc::kCount;
      if (aggregate.func == AggFunc::kCount && (Accept("*") || Peek() == ')')) {
        aggregate.arg = nullptr;
      } else {
        aggregate.arg = ParseExpr();
      }
      if (aggregate.func == AggFunc::kPct) {
        Expect(",", "',' and a percentile after pct's field");
        Skip();
        size_t number_start = pos_;
        std::unique_ptr<Expr> pct = ParsePrimary();
        if (pct->kind != ExprKind::kLiteral || pct->literal.kind != Value::Kind::kNumber ||
            pct->literal.number < 0 || pct->literal.number > 100) {
          Fail("pct's percentile must be a number from 0 to 100", number_start, pos_);
        }
        aggregate.percentile = pct->literal.number;
      }
      Expect(")", "')'");
      std::string source = SourceText(start);
      aggregate.name = AcceptKeyword("as") ? ParseName("a name after 'as'") : source;
      command.aggregates.push_back(std::move(aggregate));
    } while (Accept(","));
    if (AcceptKeyword("by")) {
      do {
        size_t start = (Skip(), pos_);
        std::unique_ptr<Expr> expr = ParseExpr();
        std::string alias = ParseAlias(*expr, start);
        command.groups.push_back(Named{std::move(alias), std::move(expr)});
      } while (Accept(","));
    }
    return command;
  }

  // ---- expressions ----

  static std::unique_ptr<Expr> Make(ExprKind kind) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    return e;
  }
  static std::unique_ptr<Expr> Binary(BinaryOp op, std::unique_ptr<Expr> a,
                                      std::unique_ptr<Expr> b) {
    auto e = Make(ExprKind::kBinary);
    e->op = op;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  std::unique_ptr<Expr> ParseExpr() {
    if (++depth_ > 200) {
      Fail("the expression nests too deeply", pos_, pos_ + 1);
    }
    std::unique_ptr<Expr> e = ParseOr();
    --depth_;
    return e;
  }

  std::unique_ptr<Expr> ParseOr() {
    std::unique_ptr<Expr> left = ParseAnd();
    while (AcceptKeyword("or")) {
      left = Binary(BinaryOp::kOr, std::move(left), ParseAnd());
    }
    return left;
  }

  std::unique_ptr<Expr> ParseAnd() {
    std::unique_ptr<Expr> left = ParseNot();
    while (AcceptKeyword("and")) {
      left = Binary(BinaryOp::kAnd, std::move(left), ParseNot());
    }
    return left;
  }

  std::unique_ptr<Expr> ParseNot() {
    if (AcceptKeyword("not")) {
      auto e = Make(ExprKind::kNot);
      e->args.push_back(ParseNot());
      return e;
    }
    return ParseComparison();
  }

  std::unique_ptr<Expr> ParseComparison() {
    std::unique_ptr<Expr> left = ParseSum();
    if (Accept("=~")) {
      return ParseMatch(std::move(left), /*negated=*/false, /*regex_only=*/true);
    }
    static constexpr std::pair<std::string_view, BinaryOp> kOps[] = {
        {"!=", BinaryOp::kNe}, {"<=", BinaryOp::kLe}, {">=", BinaryOp::kGe},
        {"<", BinaryOp::kLt},  {">", BinaryOp::kGt},  {"=", BinaryOp::kEq}};
    for (const auto& [token, op] : kOps) {
      if (Accept(token)) {
        return Binary(op, std::move(left), ParseSum());
      }
    }
    size_t saved = pos_;
    bool negated = AcceptKeyword("not");
    if (AcceptKeyword("like")) {
      return ParseMatch(std::move(left), negated, /*regex_only=*/false);
    }
    if (AcceptKeyword("in")) {
      return ParseIn(std::move(left), negated);
    }
    pos_ = saved;
    return left;
  }

  std::unique_ptr<Expr> ParseMatch(std::unique_ptr<Expr> subject, bool negated, bool regex_only) {
    auto e = Make(ExprKind::kMatch);
    e->negated = negated;
    e->args.push_back(std::move(subject));
    char c = Peek();
    size_t start = pos_;
    if (c == '/') {
      e->regex = CompileRegex(ParseRegexLiteral(), start);
    } else if (c == '"' || c == '\'') {
      std::string text = ParseString();
      if (regex_only) {
        e->regex = CompileRegex(text, start);
      } else {
        e->needle = std::move(text);
      }
    } else {
      Fail("expected /regex/ or a string", pos_, pos_ + 1);
    }
    return e;
  }

  std::unique_ptr<Expr> ParseIn(std::unique_ptr<Expr> subject, bool negated) {
    auto e = Make(ExprKind::kIn);
    e->negated = negated;
    e->args.push_back(std::move(subject));
    Expect("[", "'[' and a list of values after 'in'");
    do {
      Skip();
      size_t start = pos_;
      std::unique_ptr<Expr> item = ParseUnary();
      if (item->kind == ExprKind::kNeg && item->args[0]->kind == ExprKind::kLiteral &&
          item->args[0]->literal.kind == Value::Kind::kNumber) {
        item = MakeLiteral(Value::Number(-item->args[0]->literal.number));
      }
      if (item->kind != ExprKind::kLiteral) {
        Fail("'in' lists take numbers and strings only", start, pos_);
      }
      e->args.push_back(std::move(item));
    } while (Accept(","));
    Expect("]", "']'");
    return e;
  }

  std::unique_ptr<Expr> ParseSum() {
    std::unique_ptr<Expr> left = ParseProduct();
    while (true) {
      if (Accept("+")) {
        left = Binary(BinaryOp::kAdd, std::move(left), ParseProduct());
      } else if (Peek() == '-') {
        ++pos_;
        left = Binary(BinaryOp::kSub, std::move(left), ParseProduct());
      } else {
        return left;
      }
    }
  }

  std::unique_ptr<Expr> ParseProduct() {
    std::unique_ptr<Expr> left = ParseUnary();
    while (true) {
      if (Accept("*")) {
        left = Binary(BinaryOp::kMul, std::move(left), ParseUnary());
      } else if (Accept("/")) {
        left = Binary(BinaryOp::kDiv, std::move(left), ParseUnary());
      } else if (Accept("%")) {
        left = Binary(BinaryOp::kMod, std::move(left), ParseUnary());
      } else {
        return left;
      }
    }
  }

  std::unique_ptr<Expr> ParseUnary() {
    if (Accept("-")) {
      if (++depth_ > 200) {
        Fail("the expression nests too deeply", pos_, pos_ + 1);
      }
      auto e = Make(ExprKind::kNeg);
      e->args.push_back(ParseUnary());
      --depth_;
      return e;
    }
    return ParsePrimary();
  }

  static std::unique_ptr<Expr> MakeLiteral(Value v) {
    auto e = Make(ExprKind::kLiteral);
    e->literal = std::move(v);
    return e;
  }

  std::unique_ptr<Expr> ParsePrimary() {
    char c = Peek();
    size_t start = pos_;
    if (c == '(') {
      ++pos_;
      std::unique_ptr<Expr> e = ParseExpr();
      Expect(")", "')'");
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ + 1 < text_.size() &&
         std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
      double d = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), d);
      if (ec != std::errc() || !std::isfinite(d)) {
        Fail("invalid number", start, start + 1);
      }
      pos_ = static_cast<size_t>(end - text_.data());
      if (pos_ < text_.size() && IsIdentStart(text_[pos_])) {
        Fail("invalid number", start, pos_ + 1);
      }
      return MakeLiteral(Value::Number(d));
    }
    if (c == '"' || c == '\'') {
      return MakeLiteral(Value::String(ParseString()));
    }
    if (c == '/') {
      Fail("a /regex/ may only follow like or =~", start, start + 1);
    }
    if (c == '`' || IsIdentStart(c)) {
      bool quoted = c == '`';
      std::string name = ParseName("a field name");
      if (!quoted && Peek() == '(') {
        return ParseCall(name, start);
      }
      auto e = Make(ExprKind::kField);
      e->name = std::move(name);
      return e;
    }
    if (AtEnd()) {
      Fail("the query ends where a value was expected", pos_, pos_ + 1);
    }
    Fail(std::string("unexpected '") + c + "'", start, start + 1);
  }

  std::unique_ptr<Expr> ParseCall(const std::string& name, size_t start) {
    std::string func = Lower(name);
    size_t name_end = start + name.size();
    Expect("(", "'('");
    if (func == "bin") {
      size_t close = text_.find(')', pos_);
      if (close == std::string_view::npos) {
        Fail("bin( is not closed", start, text_.size());
      }
      std::string duration = Trim(text_.substr(pos_, close - pos_));
      Result<Seconds> period = aws::ParseLogsInsightsDuration(duration);
      if (!period.ok()) {
        Fail("bin(): " + period.status().message(), pos_, close);
      }
      pos_ = close + 1;
      auto e = Make(ExprKind::kBin);
      e->bin_ms = period->count() * 1000;
      return e;
    }
    if (OneOf(func, kAggregates) || OneOf(func, kUnsupportedAggregates)) {
      Fail("the aggregate function " + func + " can only be used in stats", start, name_end);
    }
    if (!OneOf(func, kScalarFunctions)) {
      Fail("the function " + name + " is not supported by the sandbox", start, name_end);
    }
    auto e = Make(ExprKind::kCall);
    e->name = func;
    if (Peek() != ')') {
      do {
        e->args.push_back(ParseExpr());
      } while (Accept(","));
    }
    Expect(")", "')'");
    bool variadic = func == "concat";
    if (variadic ? e->args.empty() : e->args.size() != 1) {
      Fail(func + (variadic ? " takes at least one argument" : " takes exactly one argument"),
           start, pos_);
    }
    return e;
  }

  std::string ParseString() {
    Skip();
    size_t start = pos_;
    char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {
        char next = text_[pos_++];
        switch (next) {
          case 'n':
            out.push_back('\n');
            break;
          case 't':
            out.push_back('\t');
            break;
          case '\\':
          case '\'':
          case '"':
            out.push_back(next);
            break;
          default:
            out.push_back('\\');
            out.push_back(next);
        }
      } else {
        out.push_back(c);
      }
    }
    if (pos_ >= text_.size()) {
      Fail("unterminated string", start, text_.size());
    }
    ++pos_;
    return out;
  }

  std::string ParseRegexLiteral() {
    size_t start = pos_++;
    std::string pattern;
    while (pos_ < text_.size() && text_[pos_] != '/') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        if (text_[pos_ + 1] == '/') {
          pattern.push_back('/');
        } else {
          pattern.append(text_.substr(pos_, 2));
        }
        pos_ += 2;
      } else {
        pattern.push_back(text_[pos_++]);
      }
    }
    if (pos_ >= text_.size()) {
      Fail("unterminated /regex/", start, text_.size());
    }
    ++pos_;
    return pattern;
  }

  std::regex CompileRegex(std::string pattern, size_t start) {
    auto flags = std::regex::ECMAScript;
    if (pattern.rfind("(?i)", 0) == 0) {
      pattern.erase(0, 4);
      flags |= std::regex::icase;
    }
    try {
      return std::regex(pattern, flags);
    } catch (const std::regex_error& e) {
      Fail(std::string("invalid regular expression: ") + e.what(), start, pos_);
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// The columns a program returns (see the header).
void ComputeOutput(LogsQueryProgram& program) {
  std::vector<std::string> columns;
  bool chosen = false;
  auto add = [&columns](const std::string& name) {
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
      columns.push_back(name);
    }
  };
  std::optional<size_t> first_stats;
  size_t last_filter_before_stats = 0;
  bool any_filter = false;
  for (size_t i = 0; i < program.commands.size(); ++i) {
    const Command& command = program.commands[i];
    if (const auto* fields = std::get_if<FieldsCommand>(&command)) {
      for (const Named& item : fields->items) add(item.name);
      chosen = true;
    } else if (const auto* display = std::get_if<DisplayCommand>(&command)) {
      columns = display->names;
      chosen = true;
    } else if (const auto* stats = std::get_if<StatsCommand>(&command)) {
      columns.clear();
      for (const Named& group : stats->groups) add(group.name);
      for (const Aggregate& aggregate : stats->aggregates) add(aggregate.name);
      chosen = true;
      program.has_stats = true;
      if (!first_stats) first_stats = i;
    } else if (std::holds_alternative<FilterCommand>(command) && !first_stats) {
      last_filter_before_stats = i;
      any_filter = true;
    } else if (std::holds_alternative<LimitCommand>(command)) {
      program.has_limit = true;
    }
  }
  program.output_fields =
      chosen ? columns : std::vector<std::string>{"@timestamp", "@message", "@logStream", "@log"};
  program.match_point = any_filter ? last_filter_before_stats + 1 : 0;
}

// ---- Running ----

struct Accumulator {
  int64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  std::vector<double> values;  // pct only
};

double NearestRank(std::vector<double>& values, double percentile) {
  std::sort(values.begin(), values.end());
  double rank = std::ceil(percentile / 100.0 * static_cast<double>(values.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

Value AggregateValue(const Aggregate& aggregate, Accumulator& acc) {
  if (aggregate.func == AggFunc::kCount) {
    return Value::Number(static_cast<double>(acc.count));
  }
  if (acc.count == 0) {
    return Value::Null();
  }
  switch (aggregate.func) {
    case AggFunc::kAvg:
      return Value::Number(acc.sum / static_cast<double>(acc.count));
    case AggFunc::kMin:
      return Value::Number(acc.min);
    case AggFunc::kMax:
      return Value::Number(acc.max);
    case AggFunc::kSum:
      return Value::Number(acc.sum);
    case AggFunc::kPct:
      return Value::Number(NearestRank(acc.values, aggregate.percentile));
    case AggFunc::kCount:
      break;
  }
  return Value::Null();
}

}  // namespace

class LogsQueryRun::Impl {
 public:
  Impl(std::shared_ptr<const LogsQueryProgram> program, int default_limit)
      : program_(std::move(program)),
        default_limit_(static_cast<size_t>(std::max(1, default_limit))),
        states_(program_->commands.size()) {}

  void Add(const LogEvent& event, const std::string& log_id) {
    ++output_.records_scanned;
    output_.bytes_scanned += static_cast<int64_t>(event.message.size());
    Record record;
    record.event = std::make_shared<const EventContext>(EventContext{event, log_id});
    Push(std::move(record), 0);
  }

  int64_t records_matched() const { return output_.records_matched; }

  LogsQueryOutput Finish() {
    const auto& commands = program_->commands;
    for (size_t i = 0; i < commands.size(); ++i) {
      State& state = states_[i];
      if (const auto* stats = std::get_if<StatsCommand>(&commands[i])) {
        auto groups = std::move(state.groups);
        for (auto& [key, accumulators] : groups) {
          Record row;
          for (size_t g = 0; g < stats->groups.size(); ++g) {
            row.Set(stats->groups[g].name, key[g]);
          }
          for (size_t a = 0; a < stats->aggregates.size(); ++a) {
            row.Set(stats->aggregates[a].name,
                    AggregateValue(stats->aggregates[a], accumulators[a]));
          }
          Push(std::move(row), i + 1);
        }
      } else if (const auto* sort = std::get_if<SortCommand>(&commands[i])) {
        std::vector<Record> buffer = std::move(state.buffer);
        SortRecords(buffer, *sort);
        for (Record& record : buffer) {
          Push(std::move(record), i + 1);
        }
      }
    }
    for (Record& record : out_) {
      LogsResultRow row;
      for (const std::string& field : program_->output_fields) {
        Value value = Lookup(record, field);
        if (!value.is_null()) {
          row.push_back({field, value.text});
        }
      }
      if (!program_->has_stats && record.event != nullptr) {
        row.push_back({"@ptr", Ptr(*record.event)});
      }
      output_.rows.push_back(std::move(row));
    }
    return std::move(output_);
  }

 private:
  struct State {
    std::map<std::vector<Value>, std::vector<Accumulator>, KeyLess> groups;  // stats
    std::vector<Record> buffer;                                              // sort
    int64_t passed = 0;                                                      // limit
  };

  void Push(Record record, size_t from) {
    const auto& commands = program_->commands;
    for (size_t i = from;; ++i) {
      if (i == program_->match_point) {
        ++output_.records_matched;
      }
      if (i == commands.size()) {
        break;
      }
      const Command& command = commands[i];
      State& state = states_[i];
      if (const auto* fields = std::get_if<FieldsCommand>(&command)) {
        for (const Named& item : fields->items) {
          record.Set(item.name, Evaluate(*item.expr, record));
        }
      } else if (const auto* filter = std::get_if<FilterCommand>(&command)) {
        std::optional<bool> keep = Truth(Evaluate(*filter->condition, record));
        if (!keep || !*keep) {
          return;
        }
      } else if (const auto* stats = std::get_if<StatsCommand>(&command)) {
        Accumulate(*stats, state, record);
        return;
      } else if (std::holds_alternative<SortCommand>(command)) {
        state.buffer.push_back(std::move(record));
        return;
      } else if (const auto* limit = std::get_if<LimitCommand>(&command)) {
        if (state.passed >= limit->count) {
          return;
        }
        ++state.passed;
      }
    }
    if (program_->has_limit || out_.size() < default_limit_) {
      out_.push_back(std::move(record));
    }
  }

  static void Accumulate(const StatsCommand& stats, State& state, Record& record) {
    std::vector<Value> key;
    key.reserve(stats.groups.size());
    for (const Named& group : stats.groups) {
      key.push_back(Evaluate(*group.expr, record));
    }
    auto [it, inserted] = state.groups.try_emplace(std::move(key));
    if (inserted) {
      it->second.resize(stats.aggregates.size());
    }
    for (size_t a = 0; a < stats.aggregates.size(); ++a) {
      const Aggregate& aggregate = stats.aggregates[a];
      Accumulator& acc = it->second[a];
      if (aggregate.arg == nullptr) {
        ++acc.count;
        continue;
      }
      Value value = Evaluate(*aggregate.arg, record);
      if (aggregate.func == AggFunc::kCount) {
        acc.count += value.is_null() ? 0 : 1;
        continue;
      }
      std::optional<double> x = NumberOf(value);
      if (!x) {
        continue;
      }
      acc.min = acc.count == 0 ? *x : std::min(acc.min, *x);
      acc.max = acc.count == 0 ? *x : std::max(acc.max, *x);
      acc.sum += *x;
      ++acc.count;
      if (aggregate.func == AggFunc::kPct) {
        acc.values.push_back(*x);
      }
    }
  }

  static void SortRecords(std::vector<Record>& records, const SortCommand& sort) {
    // Evaluate the keys once per record.
    std::vector<std::pair<std::vector<Value>, size_t>> keyed;
    keyed.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      std::vector<Value> key;
      for (const auto& [name, descending] : sort.keys) {
        key.push_back(Lookup(records[i], name));
      }
      keyed.emplace_back(std::move(key), i);
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&sort](const auto& a, const auto& b) {
      for (size_t k = 0; k < sort.keys.size(); ++k) {
        const Value& x = a.first[k];
        const Value& y = b.first[k];
        if (x.is_null() || y.is_null()) {
          if (x.is_null() != y.is_null()) {
            return y.is_null();  // missing values last in both directions
          }
          continue;
        }
        int c = CompareForSort(x, y);
        if (c != 0) {
          return sort.keys[k].second ? c > 0 : c < 0;
        }
      }
      return false;
    });
    std::vector<Record> sorted;
    sorted.reserve(records.size());
    for (auto& [key, index] : keyed) {
      sorted.push_back(std::move(records[index]));
    }
    records = std::move(sorted);
  }

  std::shared_ptr<const LogsQueryProgram> program_;
  const size_t default_limit_;
  std::vector<State> states_;
  std::vector<Record> out_;
  LogsQueryOutput output_;
};

std::shared_ptr<const LogsQueryProgram> CompileLogsQuery(std::string_view text,
                                                         LogsQueryError& error) {
  auto program = std::make_shared<LogsQueryProgram>();
  try {
    Parser parser(text);
    parser.ParseProgram(*program);
  } catch (const CompileFailure& failure) {
    error = failure.error;
    return nullptr;
  }
  ComputeOutput(*program);
  return program;
}

LogsQueryRun::LogsQueryRun(std::shared_ptr<const LogsQueryProgram> program, int default_limit)
    : impl_(std::make_unique<Impl>(std::move(program), default_limit)) {}

LogsQueryRun::~LogsQueryRun() = default;

void LogsQueryRun::Add(const LogEvent& event, const std::string& log_id) {
  impl_->Add(event, log_id);
}

int64_t LogsQueryRun::records_matched() const { return impl_->records_matched(); }

LogsQueryOutput LogsQueryRun::Finish() { return impl_->Finish(); }

std::string FormatLogsTimestamp(int64_t epoch_ms) {
  int64_t seconds = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
  int millis = static_cast<int>(epoch_ms - seconds * 1000);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace statusbridge::sandbox
