#include "pipeline/expression.h"

#include <muParser.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

namespace statusbridge::pipeline {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string QuotedList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += "\"" + n + "\"";
  }
  return out;
}

std::string PlainList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += n;
  }
  return out;
}

// muParser says "Unexpected end of expression at position 4." We say
// "syntax error: unexpected end of expression at position 4".
std::string SyntaxError(const mu::Parser::exception_type& e) {
  std::string msg = e.GetMsg();
  while (!msg.empty() && (msg.back() == '.' || msg.back() == ' ')) {
    msg.pop_back();
  }
  if (!msg.empty()) {
    msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  }
  return "syntax error: " + msg;
}

// The identifier that ends just before position `pos` of `text` (spaces skipped), if any.
std::string IdentifierBefore(const std::string& text, int pos) {
  if (pos <= 0 || static_cast<size_t>(pos) > text.size()) {
    return "";
  }
  size_t end = static_cast<size_t>(pos);
  while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  size_t start = end;
  while (start > 0 &&
         (std::isalnum(static_cast<unsigned char>(text[start - 1])) || text[start - 1] == '_')) {
    --start;
  }
  std::string id = text.substr(start, end - start);
  return IsIdentifier(id) ? id : "";
}

}  // namespace

struct Expression::Impl {
  std::string text;
  std::vector<std::string> variables;
  std::vector<std::string> used;
  std::vector<size_t> used_index;  // into variables / storage
  // Bound to the parser by address: sized once in Build() and never resized after.
  std::vector<double> storage;
  // Names the parser met that are not variables, collected by the variable factory.
  std::vector<std::string> undefined;
  double undefined_sink = 0;
  mu::Parser parser;

  static mu::value_type* RecordUndefined(const mu::char_type* name, void* user_data) {
    auto* impl = static_cast<Impl*>(user_data);
    impl->undefined.emplace_back(name);
    return &impl->undefined_sink;
  }

  Result<double> Run() const {
    try {
      return parser.Eval();
    } catch (const mu::Parser::exception_type& e) {
      // Compile() evaluated once already, so this is not expected.
      return Status::Internal("evaluating \"" + text + "\": " + e.GetMsg());
    }
  }
};

Expression::Expression(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Expression::~Expression() = default;
Expression::Expression(Expression&& other) noexcept = default;
Expression& Expression::operator=(Expression&& other) noexcept = default;

Expression::Expression(const Expression& other) {
  if (other.impl_ == nullptr) {
    return;
  }
  auto built = Build(other.impl_->text, other.impl_->variables);
  if (!built.ok()) {
    // It compiled once with the same inputs; muParser is deterministic.
    std::fprintf(stderr, "Expression copy failed: %s\n", built.status().ToString().c_str());
    std::abort();
  }
  impl_ = std::move(built).value();
}

Expression& Expression::operator=(const Expression& other) {
  if (this != &other) {
    Expression copy(other);
    impl_ = std::move(copy.impl_);
  }
  return *this;
}

Result<std::unique_ptr<Expression::Impl>> Expression::Build(
    const std::string& text, const std::vector<std::string>& variables) {
  std::set<std::string> seen;
  for (const auto& v : variables) {
    if (!IsIdentifier(v)) {
      return Status::InvalidArgument("invalid variable name \"" + v +
                                     "\" (use letters, digits and _, not starting with a digit)");
    }
    if (!seen.insert(v).second) {
      return Status::InvalidArgument("variable \"" + v + "\" is listed twice");
    }
  }
  if (IsBlank(text)) {
    return Status::InvalidArgument("syntax error: the expression is empty");
  }

  auto impl = std::make_unique<Expression::Impl>();
  impl->text = text;
  impl->variables = variables;
  // Compile() evaluates once to finish parsing; 1 keeps that evaluation free of surprises.
  impl->storage.assign(variables.size(), 1.0);

  for (size_t i = 0; i < variables.size(); ++i) {
    try {
      impl->parser.DefineVar(variables[i], &impl->storage[i]);
    } catch (const mu::Parser::exception_type& e) {
      if (e.GetCode() == mu::ecNAME_CONFLICT) {
        return Status::InvalidArgument("variable name \"" + variables[i] +
                                       "\" conflicts with a built-in constant");
      }
      return Status::InvalidArgument("variable \"" + variables[i] + "\": " + e.GetMsg());
    }
  }

  try {
    impl->parser.SetVarFactory(&Expression::Impl::RecordUndefined, impl.get());
    impl->parser.SetExpr(text);
    const mu::varmap_type& used = impl->parser.GetUsedVar();
    if (!impl->undefined.empty()) {
      std::string known = variables.empty() ? "the expression may not use variables"
                                            : "known: " + PlainList(variables);
      if (impl->undefined.size() == 1) {
        return Status::InvalidArgument("unknown variable \"" + impl->undefined[0] + "\" (" + known +
                                       ")");
      }
      return Status::InvalidArgument("unknown variables " + QuotedList(impl->undefined) + " (" +
                                     known + ")");
    }
    for (size_t i = 0; i < variables.size(); ++i) {
      if (used.count(variables[i]) != 0) {
        impl->used.push_back(variables[i]);
        impl->used_index.push_back(i);
      }
    }
    // The first Eval() turns the parsed text into bytecode; later ones only run the bytecode.
    impl->parser.Eval();
  } catch (const mu::Parser::exception_type& e) {
    if (e.GetCode() == mu::ecUNEXPECTED_PARENS) {
      // With the factory in place, "foo(1)" reads foo as a variable and then trips on "(".
      std::string name = IdentifierBefore(text, e.GetPos());
      if (!name.empty() && seen.count(name) == 0) {
        return Status::InvalidArgument("unknown function \"" + name + "\"");
      }
    }
    return Status::InvalidArgument(SyntaxError(e));
  }

  if (impl->parser.GetNumResults() != 1) {
    return Status::InvalidArgument("the expression must produce one value, not " +
                                   std::to_string(impl->parser.GetNumResults()) +
                                   " comma-separated ones");
  }
  const mu::ParserByteCode& code = impl->parser.GetByteCode();
  for (size_t i = 0; i < code.GetSize(); ++i) {
    if (code.GetBase()[i].Cmd == mu::cmASSIGN) {
      return Status::InvalidArgument("assignment \"=\" is not allowed (use \"==\" to compare)");
    }
  }
  return impl;
}

Result<Expression> Expression::Compile(const std::string& text,
                                       const std::vector<std::string>& variables) {
  SB_ASSIGN_OR_RETURN(auto impl, Build(text, variables));
  return Expression(std::move(impl));
}

const std::string& Expression::text() const {
  static const std::string kEmpty;
  return impl_ == nullptr ? kEmpty : impl_->text;
}

const std::vector<std::string>& Expression::variables() const {
  static const std::vector<std::string> kNone;
  return impl_ == nullptr ? kNone : impl_->variables;
}

const std::vector<std::string>& Expression::used_variables() const {
  static const std::vector<std::string> kNone;
  return impl_ == nullptr ? kNone : impl_->used;
}

Result<double> Expression::Evaluate(const std::map<std::string, double>& values) const {
  if (impl_ == nullptr) {
    return Status::FailedPrecondition("Evaluate() on a moved-from Expression");
  }
  for (size_t k = 0; k < impl_->used.size(); ++k) {
    auto it = values.find(impl_->used[k]);
    if (it == values.end()) {
      return Status::InvalidArgument("no value for variable \"" + impl_->used[k] + "\" in \"" +
                                     impl_->text + "\"");
    }
    impl_->storage[impl_->used_index[k]] = it->second;
  }
  return impl_->Run();
}

Result<double> Expression::EvaluateOrdered(std::span<const double> values) const {
  if (impl_ == nullptr) {
    return Status::FailedPrecondition("EvaluateOrdered() on a moved-from Expression");
  }
  if (values.size() != impl_->storage.size()) {
    return Status::InvalidArgument("expected " + std::to_string(impl_->storage.size()) +
                                   " values for \"" + impl_->text + "\", got " +
                                   std::to_string(values.size()));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    impl_->storage[i] = values[i];
  }
  return impl_->Run();
}

}  // namespace statusbridge::pipeline
