#include "metric_math.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

namespace statusbridge::sandbox {

struct MathExpression::Node {
  enum class Kind {
    kNumber,
    kRef,
    kNeg,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kPow,
    kFill,
    kAbs,
    kCeil,
    kFloor,
    kArray,  // [a, b, ...]: only as the argument of an aggregate
    kSum,
    kAvg,
    kMin,
    kMax
  };
  Kind kind = Kind::kNumber;
  double number = 0;
  std::string id;
  std::vector<std::unique_ptr<Node>> args;
  bool series = false;  // the value is a time series (else a scalar)
  bool array = false;   // kArray
};

namespace {

using Node = MathExpression::Node;
using Kind = Node::Kind;

struct ParseFailure {
  std::string message;
};

class Parser {
 public:
  Parser(std::string_view text, std::vector<std::string>& references)
      : text_(text), references_(references) {}

  std::unique_ptr<Node> ParseAll() {
    Skip();
    if (pos_ >= text_.size()) {
      Fail("The expression is empty");
    }
    std::unique_ptr<Node> root = ParseSum();
    NoArray(*root);
    Skip();
    if (pos_ < text_.size()) {
      Fail(std::string("Unexpected '") + text_[pos_] + "' at position " + std::to_string(pos_ + 1));
    }
    return root;
  }

 private:
  [[noreturn]] void Fail(std::string message) { throw ParseFailure{std::move(message)}; }

  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Accept(char c) {
    Skip();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Arrays only make sense inside SUM/AVG/MIN/MAX.
  static void NoArray(const Node& node) {
    if (node.array) {
      throw ParseFailure{"An array [...] may only be the argument of SUM, AVG, MIN or MAX"};
    }
  }

  static std::unique_ptr<Node> Binary(Kind kind, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    NoArray(*a);
    NoArray(*b);
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->series = a->series || b->series;
    node->args.push_back(std::move(a));
    node->args.push_back(std::move(b));
    return node;
  }

  std::unique_ptr<Node> ParseSum() {
    if (++depth_ > 100) {
      Fail("The expression nests too deeply");
    }
    std::unique_ptr<Node> left = ParseProduct();
    while (true) {
      if (Accept('+')) {
        left = Binary(Kind::kAdd, std::move(left), ParseProduct());
      } else if (Accept('-')) {
        left = Binary(Kind::kSub, std::move(left), ParseProduct());
      } else {
        --depth_;
        return left;
      }
    }
  }

  std::unique_ptr<Node> ParseProduct() {
    std::unique_ptr<Node> left = ParseUnary();
    while (true) {
      if (Accept('*')) {
        left = Binary(Kind::kMul, std::move(left), ParseUnary());
      } else if (Accept('/')) {
        left = Binary(Kind::kDiv, std::move(left), ParseUnary());
      } else {
        return left;
      }
    }
  }

  std::unique_ptr<Node> ParseUnary() {
    if (Accept('-')) {
      if (++depth_ > 100) {
        Fail("The expression nests too deeply");
      }
      auto node = std::make_unique<Node>();
      node->kind = Kind::kNeg;
      node->args.push_back(ParseUnary());
      NoArray(*node->args[0]);
      node->series = node->args[0]->series;
      --depth_;
      return node;
    }
    std::unique_ptr<Node> base = ParsePrimary();
    if (Accept('^')) {
      return Binary(Kind::kPow, std::move(base), ParseUnary());
    }
    return base;
  }

  std::unique_ptr<Node> ParsePrimary() {
    Skip();
    if (pos_ >= text_.size()) {
      Fail("The expression ends where a value was expected");
    }
    const char c = text_[pos_];
    const size_t start = pos_;
    if (c == '(') {
      ++pos_;
      std::unique_ptr<Node> inner = ParseSum();
      if (!Accept(')')) {
        Fail("Missing ')' at position " + std::to_string(pos_ + 1));
      }
      return inner;
    }
    if (c == '[') {
      ++pos_;
      auto node = std::make_unique<Node>();
      node->kind = Kind::kArray;
      node->array = true;
      do {
        node->args.push_back(ParseSum());
        NoArray(*node->args.back());
        if (!node->args.back()->series) {
          Fail("The elements of an array must be time series");
        }
      } while (Accept(','));
      if (!Accept(']')) {
        Fail("Missing ']' at position " + std::to_string(pos_ + 1));
      }
      return node;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      double value = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
      if (ec != std::errc() || !std::isfinite(value)) {
        Fail("Invalid number at position " + std::to_string(start + 1));
      }
      pos_ = static_cast<size_t>(end - text_.data());
      auto node = std::make_unique<Node>();
      node->number = value;
      return node;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      std::string name(text_.substr(start, pos_ - start));
      Skip();
      if (pos_ < text_.size() && text_[pos_] == '(') {
        ++pos_;
        return ParseCall(name);
      }
      if (!std::islower(static_cast<unsigned char>(name[0]))) {
        Fail("Unrecognized token " + name + " at position " + std::to_string(start + 1) +
             (name == "REPEAT" || name == "LINEAR"
                  ? " (FILL's REPEAT and LINEAR are not supported by the sandbox)"
                  : ""));
      }
      auto node = std::make_unique<Node>();
      node->kind = Kind::kRef;
      node->id = name;
      node->series = true;
      if (std::find(references_.begin(), references_.end(), name) == references_.end()) {
        references_.push_back(name);
      }
      return node;
    }
    Fail(std::string("Unexpected '") + c + "' at position " + std::to_string(start + 1));
  }

  std::unique_ptr<Node> ParseCall(const std::string& name) {
    std::string upper = name;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    auto node = std::make_unique<Node>();
    if (upper == "FILL") {
      node->kind = Kind::kFill;
    } else if (upper == "ABS") {
      node->kind = Kind::kAbs;
    } else if (upper == "CEIL") {
      node->kind = Kind::kCeil;
    } else if (upper == "FLOOR") {
      node->kind = Kind::kFloor;
    } else if (upper == "SUM") {
      node->kind = Kind::kSum;
    } else if (upper == "AVG") {
      node->kind = Kind::kAvg;
    } else if (upper == "MIN") {
      node->kind = Kind::kMin;
    } else if (upper == "MAX") {
      node->kind = Kind::kMax;
    } else {
      Fail("The function " + upper +
           " is not supported by the sandbox (it evaluates + - * / ^, FILL, ABS, CEIL, FLOOR, "
           "SUM, AVG, MIN and MAX)");
    }
    if (!Accept(')')) {
      do {
        node->args.push_back(ParseSum());
      } while (Accept(','));
      if (!Accept(')')) {
        Fail("Missing ')' after the arguments of " + upper);
      }
    }
    const bool aggregate = node->kind == Kind::kSum || node->kind == Kind::kAvg ||
                           node->kind == Kind::kMin || node->kind == Kind::kMax;
    if (aggregate) {
      if (node->args.size() != 1) {
        Fail(upper + " takes one argument: a time series or an array [...] of them");
      }
      // An array gives a series; a series (or a number) gives a number.
      node->series = node->args[0]->array;
    } else if (node->kind == Kind::kFill) {
      if (node->args.size() != 2) {
        Fail("FILL takes two arguments: a time series and a number");
      }
      if (!node->args[0]->series || node->args[0]->array) {
        Fail("FILL's first argument must be a time series");
      }
      if (node->args[1]->series) {
        Fail(
            "FILL's second argument must be a number (REPEAT and LINEAR are not supported by "
            "the sandbox)");
      }
      node->series = true;
    } else {
      if (node->args.size() != 1) {
        Fail(upper + " takes one argument");
      }
      NoArray(*node->args[0]);
      node->series = node->args[0]->series;
    }
    return node;
  }

  std::string_view text_;
  std::vector<std::string>& references_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// A value during evaluation: a scalar, or a series ascending by timestamp.
struct Value {
  bool series = false;
  double scalar = 0;
  std::vector<Datapoint> points;
};

double Apply(Kind kind, double a, double b) {
  switch (kind) {
    case Kind::kAdd:
      return a + b;
    case Kind::kSub:
      return a - b;
    case Kind::kMul:
      return a * b;
    case Kind::kDiv:
      return b == 0 ? NAN : a / b;
    case Kind::kPow:
      return std::pow(a, b);
    default:
      return NAN;
  }
}

double ApplyUnary(Kind kind, double a) {
  switch (kind) {
    case Kind::kNeg:
      return -a;
    case Kind::kAbs:
      return std::fabs(a);
    case Kind::kCeil:
      return std::ceil(a);
    case Kind::kFloor:
      return std::floor(a);
    default:
      return NAN;
  }
}

void PushFinite(std::vector<Datapoint>& out, int64_t t, double v) {
  if (std::isfinite(v)) {
    out.push_back({t, v});
  }
}

Value Eval(const Node& node,
           const std::function<const std::vector<Datapoint>&(const std::string&)>& series,
           const std::vector<int64_t>& grid);

// SUM/AVG/MIN/MAX: over an array, per timestamp across the series that have it; over one series,
// across its points (a number); over a number, that number.
Value EvalAggregate(const Node& node,
                    const std::function<const std::vector<Datapoint>&(const std::string&)>& series,
                    const std::vector<int64_t>& grid) {
  struct Acc {
    double sum = 0;
    double min = 0;
    double max = 0;
    int n = 0;
    void Add(double v) {
      min = n == 0 ? v : std::min(min, v);
      max = n == 0 ? v : std::max(max, v);
      sum += v;
      ++n;
    }
    double Result(Kind kind) const {
      switch (kind) {
        case Kind::kSum:
          return sum;
        case Kind::kAvg:
          return sum / n;
        case Kind::kMin:
          return min;
        default:
          return max;
      }
    }
  };
  const Node& arg = *node.args[0];
  if (arg.array) {
    std::map<int64_t, Acc> by_time;
    for (const auto& element : arg.args) {
      for (const Datapoint& p : Eval(*element, series, grid).points) {
        by_time[p.timestamp].Add(p.value);
      }
    }
    Value out{true, 0, {}};
    for (const auto& [t, acc] : by_time) PushFinite(out.points, t, acc.Result(node.kind));
    return out;
  }
  Value v = Eval(arg, series, grid);
  if (!v.series) {
    return Value{false, v.scalar, {}};
  }
  Acc acc;
  for (const Datapoint& p : v.points) acc.Add(p.value);
  return Value{false, acc.n == 0 ? NAN : acc.Result(node.kind), {}};
}

Value Eval(const Node& node,
           const std::function<const std::vector<Datapoint>&(const std::string&)>& series,
           const std::vector<int64_t>& grid) {
  switch (node.kind) {
    case Kind::kSum:
    case Kind::kAvg:
    case Kind::kMin:
    case Kind::kMax:
      return EvalAggregate(node, series, grid);
    case Kind::kArray:
      return Value{};  // never evaluated alone: the parser keeps arrays inside aggregates
    case Kind::kNumber:
      return Value{false, node.number, {}};
    case Kind::kRef:
      return Value{true, 0, series(node.id)};
    case Kind::kNeg:
    case Kind::kAbs:
    case Kind::kCeil:
    case Kind::kFloor: {
      Value v = Eval(*node.args[0], series, grid);
      if (!v.series) {
        return Value{false, ApplyUnary(node.kind, v.scalar), {}};
      }
      Value out{true, 0, {}};
      for (const Datapoint& p : v.points)
        PushFinite(out.points, p.timestamp, ApplyUnary(node.kind, p.value));
      return out;
    }
    case Kind::kFill: {
      Value v = Eval(*node.args[0], series, grid);
      const double fill = Eval(*node.args[1], series, grid).scalar;
      if (!std::isfinite(fill)) {
        return v;
      }
      Value out{true, 0, {}};
      size_t i = 0;
      for (int64_t t : grid) {
        while (i < v.points.size() && v.points[i].timestamp < t)
          out.points.push_back(v.points[i++]);
        if (i < v.points.size() && v.points[i].timestamp == t) {
          out.points.push_back(v.points[i++]);
        } else {
          out.points.push_back({t, fill});
        }
      }
      while (i < v.points.size()) out.points.push_back(v.points[i++]);
      return out;
    }
    default:
      break;
  }
  Value a = Eval(*node.args[0], series, grid);
  Value b = Eval(*node.args[1], series, grid);
  if (!a.series && !b.series) {
    return Value{false, Apply(node.kind, a.scalar, b.scalar), {}};
  }
  Value out{true, 0, {}};
  if (!b.series) {
    for (const Datapoint& p : a.points)
      PushFinite(out.points, p.timestamp, Apply(node.kind, p.value, b.scalar));
  } else if (!a.series) {
    for (const Datapoint& p : b.points)
      PushFinite(out.points, p.timestamp, Apply(node.kind, a.scalar, p.value));
  } else {
    size_t i = 0;
    size_t j = 0;
    while (i < a.points.size() && j < b.points.size()) {
      if (a.points[i].timestamp < b.points[j].timestamp) {
        ++i;
      } else if (b.points[j].timestamp < a.points[i].timestamp) {
        ++j;
      } else {
        PushFinite(out.points, a.points[i].timestamp,
                   Apply(node.kind, a.points[i].value, b.points[j].value));
        ++i;
        ++j;
      }
    }
  }
  return out;
}

}  // namespace

MathExpression::MathExpression() = default;
MathExpression::~MathExpression() = default;
MathExpression::MathExpression(MathExpression&&) noexcept = default;
MathExpression& MathExpression::operator=(MathExpression&&) noexcept = default;

std::optional<MathExpression> MathExpression::Parse(std::string_view text, std::string& error) {
  MathExpression expression;
  try {
    Parser parser(text, expression.references_);
    expression.root_ = parser.ParseAll();
  } catch (const ParseFailure& failure) {
    error = failure.message;
    return std::nullopt;
  }
  return expression;
}

const std::vector<std::string>& MathExpression::references() const { return references_; }

std::vector<Datapoint> MathExpression::Evaluate(
    const std::function<const std::vector<Datapoint>&(const std::string&)>& series,
    const std::vector<int64_t>& grid) const {
  Value value = Eval(*root_, series, grid);
  if (value.series) {
    return value.points;
  }
  std::vector<Datapoint> out;
  if (std::isfinite(value.scalar)) {
    for (int64_t t : grid) out.push_back({t, value.scalar});
  }
  return out;
}

}  // namespace statusbridge::sandbox
