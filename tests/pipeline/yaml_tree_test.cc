#include "pipeline/yaml_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/text.h"
#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::StartsWith;
using Type = YamlNode::Type;

YamlTree MustParse(std::string_view text) {
  auto tree = YamlTree::Parse(text);
  EXPECT_TRUE(tree.ok()) << text << "\n" << tree.status().ToString();
  if (!tree.ok()) {
    return std::move(*YamlTree::Parse(""));
  }
  return std::move(tree).value();
}

std::string ParseError(std::string_view text) {
  auto tree = YamlTree::Parse(text);
  EXPECT_FALSE(tree.ok()) << text;
  EXPECT_EQ(tree.status().code(), StatusCode::kInvalidArgument) << text;
  return tree.ok() ? "" : tree.status().message();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// ---------------------------------------------------------------------------------------------
// yaml-cpp's own tree, as the reference

// As YamlTree words it: yaml-cpp's message, escaped (it can quote the input).
std::string InvalidYaml(const YAML::Mark& mark, const std::string& message) {
  std::string where;
  if (!mark.is_null()) {
    where =
        " at line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
  }
  return "invalid YAML" + where + ": " + EscapeText(message, 200);
}

// Counts documents, remembering where the last one started.
class DocumentCounter final : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// YamlTree::Parse's outcome as yaml-cpp gives it: the error message, or "" and the first
// document as YAML::Load builds it. Documents are counted as YAML::LoadAll would, except that
// LoadAll never stops on a stray "," (see yaml_tree.cc).
std::string ReferenceError(const std::string& text, YAML::Node* first) {
  try {
    *first = YAML::Load(text);
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentCounter counter;
    size_t documents = 0;
    YAML::Mark previous;
    while (parser.HandleNextDocument(counter)) {
      if (documents > 0 && counter.start.pos == previous.pos) {
        return InvalidYaml(counter.start, "unexpected text");
      }
      previous = counter.start;
      ++documents;
    }
    if (documents > 1) {
      return "expected one YAML document, found " + std::to_string(documents);
    }
  } catch (const YAML::DeepRecursion& e) {
    return "invalid YAML: nested more than " + std::to_string(e.depth() - 1) + " levels deep";
  } catch (const YAML::Exception& e) {
    return InvalidYaml(e.mark, e.msg);
  }
  return "";
}

Type ReferenceType(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return Type::kScalar;
    case YAML::NodeType::Sequence:
      return Type::kSequence;
    case YAML::NodeType::Map:
      return Type::kMap;
    default:
      return Type::kNull;
  }
}

// The first difference between the two trees, or "". Aliases can make cycles: stop at `depth`.
std::string Difference(const YAML::Node& expected, const YamlNode& actual, const std::string& path,
                       int depth = 40) {
  if (ReferenceType(expected) != actual.type()) {
    return path + ": type " + std::to_string(static_cast<int>(actual.type())) + ", want " +
           std::to_string(static_cast<int>(ReferenceType(expected)));
  }
  // yaml-cpp marks a node made from an empty document nowhere; the tree marks it at 1:1.
  if (!expected.Mark().is_null() &&
      (static_cast<size_t>(expected.Mark().line + 1) != actual.line() ||
       static_cast<size_t>(expected.Mark().column + 1) != actual.column())) {
    return path + ": at " + std::to_string(actual.line()) + ":" + std::to_string(actual.column()) +
           ", want " + std::to_string(expected.Mark().line + 1) + ":" +
           std::to_string(expected.Mark().column + 1);
  }
  if (expected.IsScalar() && expected.Scalar() != actual.scalar()) {
    return path + ": scalar \"" + std::string(actual.scalar()) + "\", want \"" + expected.Scalar() +
           "\"";
  }
  if (expected.IsScalar() || expected.IsNull()) {
    return actual.size() == 0 ? "" : path + ": a leaf with children";
  }
  if (expected.size() != actual.size()) {
    return path + ": size " + std::to_string(actual.size()) + ", want " +
           std::to_string(expected.size());
  }
  if (depth == 0) {
    return "";
  }
  size_t i = 0;
  for (auto it = expected.begin(); it != expected.end(); ++it, ++i) {
    std::string at = path + "[" + std::to_string(i) + "]";
    std::string d = expected.IsSequence()
                        ? Difference(*it, actual[i], at, depth - 1)
                        : Difference(it->first, actual.key(i), at + ".key", depth - 1) +
                              Difference(it->second, actual.value(i), at + ".value", depth - 1);
    if (!d.empty()) {
      return d;
    }
  }
  return "";
}

// Parses `text` both ways and reports the first difference, or "".
std::string CompareWithYamlCpp(const std::string& text) {
  YAML::Node first;
  // yaml-cpp would stop reading at a NUL byte; the tree refuses it (so UTF-16 too).
  std::string want_error = text.find('\0') != std::string::npos
                               ? "contains a NUL byte (is it a text file?)"
                               : ReferenceError(text, &first);
  auto tree = YamlTree::Parse(text);
  if (!want_error.empty() || !tree.ok()) {
    std::string got_error = tree.ok() ? "" : tree.status().message();
    return got_error == want_error ? ""
                                   : "error \"" + got_error + "\", want \"" + want_error + "\"";
  }
  return Difference(first, tree->root(), "root");
}

// ---------------------------------------------------------------------------------------------
// Values

TEST(YamlTreeTest, NullScalarAndEmpty) {
  for (const char* text :
       {"", "# only a comment\n", "~", "null", "Null", "NULL", "---\n", "--- ~\n", "...\n"}) {
    YamlTree tree = MustParse(text);
    EXPECT_TRUE(tree.root().IsNull()) << text;
    EXPECT_EQ(tree.root().size(), 0u);
    EXPECT_EQ(tree.root().scalar(), "");
  }
  // Quoted, or spelled differently, it is a string.
  for (auto [text, value] : std::vector<std::pair<std::string, std::string>>{{"'~'", "~"},
                                                                             {"\"\"", ""},
                                                                             {"''", ""},
                                                                             {"\"null\"", "null"},
                                                                             {"nULL", "nULL"},
                                                                             {"nulls", "nulls"},
                                                                             {"0", "0"},
                                                                             {"false", "false"}}) {
    YamlTree tree = MustParse(text);
    EXPECT_TRUE(tree.root().IsScalar()) << text;
    EXPECT_EQ(tree.root().scalar(), value) << text;
  }

  YamlTree tree = MustParse("a:\nb: ~\nc: ''\nd: \"~\"\ne: null\n");
  YamlNode root = tree.root();
  ASSERT_TRUE(root.IsMap());
  ASSERT_EQ(root.size(), 5u);
  EXPECT_TRUE(root.value(0).IsNull());
  EXPECT_TRUE(root.value(1).IsNull());
  EXPECT_TRUE(root.value(2).IsScalar());
  EXPECT_EQ(root.value(2).scalar(), "");
  EXPECT_EQ(root.value(3).scalar(), "~");
  EXPECT_TRUE(root.value(4).IsNull());
}

TEST(YamlTreeTest, QuotedAndBlockScalars) {
  YamlTree tree = MustParse(
      "plain: hello world\n"
      "single: 'it''s # not a comment'\n"
      "double: \"tab\\there\\nline \\u00e9 \\x41\"\n"
      "literal: |\n  one\n  two\n"
      "folded: >\n  one\n  two\n"
      "multi: a\n  b\n"
      "tagged: !!str 12\n"
      "env: \"${STATUSPAGE_API_KEY}\"\n");
  YamlNode root = tree.root();
  ASSERT_EQ(root.size(), 8u);
  EXPECT_EQ(root.value(0).scalar(), "hello world");
  EXPECT_EQ(root.value(1).scalar(), "it's # not a comment");
  EXPECT_EQ(root.value(2).scalar(), "tab\there\nline \xc3\xa9 A");
  EXPECT_EQ(root.value(3).scalar(), "one\ntwo\n");
  EXPECT_EQ(root.value(4).scalar(), "one two\n");
  EXPECT_EQ(root.value(5).scalar(), "a b");
  EXPECT_EQ(root.value(6).scalar(), "12");
  EXPECT_EQ(root.value(7).scalar(), "${STATUSPAGE_API_KEY}");
}

TEST(YamlTreeTest, LongScalarsAndManyNodes) {
  // Scalars around and past the text chunk (8 KiB) and own-chunk (1 KiB) sizes, and enough
  // nodes and children to fill many chunks.
  std::string text = "[";
  std::vector<std::string> values;
  for (size_t i = 0; i < 5000; ++i) {
    size_t length = i % 97 == 0 ? 9000 + i : (i % 31 == 0 ? 1025 : i % 40);
    std::string value(length, static_cast<char>('a' + i % 26));
    values.push_back(value);
    text += (i == 0 ? "" : ", ") + (value.empty() ? "''" : value);
  }
  text += "]";
  YamlTree tree = MustParse(text);
  ASSERT_EQ(tree.root().size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(tree.root()[i].scalar(), values[i]) << i;
  }
  EXPECT_EQ(tree.node_count(), values.size() + 1);
}

// ---------------------------------------------------------------------------------------------
// Structure

TEST(YamlTreeTest, BlockAndFlowCollections) {
  const char* block =
      "metrics:\n"
      "  - name: a\n"
      "    dims:\n"
      "      LoadBalancer: lb\n"
      "      Zone: z\n"
      "  - name: b\n"
      "    list:\n"
      "      - 1\n"
      "      -\n"
      "      - [x, {y: 2}]\n";
  const char* flow =
      "{metrics: [{name: a, dims: {LoadBalancer: lb, Zone: z}}, "
      "{name: b, list: [1, ~, [x, {y: 2}]]}]}";
  for (const char* text : {block, flow}) {
    YamlTree tree = MustParse(text);
    YamlNode root = tree.root();
    ASSERT_TRUE(root.IsMap());
    ASSERT_EQ(root.size(), 1u);
    EXPECT_EQ(root.key(0).scalar(), "metrics");
    YamlNode metrics = root.value(0);
    ASSERT_TRUE(metrics.IsSequence());
    ASSERT_EQ(metrics.size(), 2u);
    YamlNode a = metrics[0];
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a.value(0).scalar(), "a");
    YamlNode dims = a.value(1);
    ASSERT_EQ(dims.size(), 2u);
    EXPECT_EQ(dims.key(0).scalar(), "LoadBalancer");
    EXPECT_EQ(dims.value(0).scalar(), "lb");
    EXPECT_EQ(dims.key(1).scalar(), "Zone");
    EXPECT_EQ(dims.value(1).scalar(), "z");
    YamlNode list = metrics[1].value(1);
    ASSERT_TRUE(list.IsSequence());
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].scalar(), "1");
    EXPECT_TRUE(list[1].IsNull());
    ASSERT_TRUE(list[2].IsSequence());
    EXPECT_EQ(list[2][0].scalar(), "x");
    EXPECT_EQ(list[2][1].value(0).scalar(), "2");
  }
  EXPECT_EQ(CompareWithYamlCpp(flow), "");
  EXPECT_EQ(CompareWithYamlCpp(block), "");

  YamlTree empty = MustParse("a: []\nb: {}\n");
  EXPECT_TRUE(empty.root().value(0).IsSequence());
  EXPECT_EQ(empty.root().value(0).size(), 0u);
  EXPECT_TRUE(empty.root().value(1).IsMap());
  EXPECT_EQ(empty.root().value(1).size(), 0u);
}

TEST(YamlTreeTest, DuplicateAndComplexKeysAreKeptForTheReader) {
  YamlTree tree = MustParse("a: 1\nb: 2\na: 3\n[x]: 4\n? {y: 1}\n: 5\n");
  YamlNode root = tree.root();
  ASSERT_EQ(root.size(), 5u);
  EXPECT_EQ(root.key(0).scalar(), "a");
  EXPECT_EQ(root.value(0).scalar(), "1");
  EXPECT_EQ(root.key(2).scalar(), "a");
  EXPECT_EQ(root.value(2).scalar(), "3");
  EXPECT_TRUE(root.key(3).IsSequence());
  EXPECT_TRUE(root.key(4).IsMap());
  EXPECT_EQ(root.value(4).scalar(), "5");
}

TEST(YamlTreeTest, AnchorsAndAliases) {
  YamlTree tree = MustParse(
      "base: &cw {namespace: NS, stat: Sum}\n"
      "name: &n api\n"
      "copy: *cw\n"
      "again: *n\n"
      "list: [*n, &n other, *n]\n"
      "empty: &e\n"
      "alias_of_empty: *e\n");
  YamlNode root = tree.root();
  ASSERT_EQ(root.size(), 7u);
  YamlNode base = root.value(0);
  YamlNode copy = root.value(2);
  EXPECT_TRUE(copy.SameNode(base));
  ASSERT_TRUE(copy.IsMap());
  EXPECT_EQ(copy.value(1).scalar(), "Sum");
  EXPECT_EQ(copy.line(), 1u);  // an alias is its anchor's node
  EXPECT_EQ(root.value(3).scalar(), "api");
  YamlNode list = root.value(4);
  EXPECT_EQ(list[0].scalar(), "api");
  EXPECT_EQ(list[1].scalar(), "other");
  EXPECT_EQ(list[2].scalar(), "other");  // a redefined anchor: the latest wins
  EXPECT_TRUE(root.value(6).IsNull());
  EXPECT_TRUE(root.value(6).SameNode(root.value(5)));
  // Aliases add no nodes.
  EXPECT_EQ(tree.node_count(), 17u);  // 1 + 7 keys + 5 in base + name + list, other + empty

  EXPECT_EQ(ParseError("a: *nowhere\n"),
            "invalid YAML at line 1, column 4: the referenced anchor is not defined");
  // Anchors do not carry over into the next document (which is an error anyway).
  EXPECT_EQ(CompareWithYamlCpp("a: &x 1\n---\nb: *x\n"), "");

  // An anchor used inside itself is a cycle; handles follow it without copying.
  YamlTree cycle = MustParse("&a [1, *a]\n");
  ASSERT_EQ(cycle.root().size(), 2u);
  EXPECT_TRUE(cycle.root()[1].SameNode(cycle.root()));
  EXPECT_EQ(cycle.root()[1][1][1][0].scalar(), "1");
}

TEST(YamlTreeTest, Marks) {
  YamlTree tree = MustParse(
      "# comment\n"
      "statuspage:\n"
      "  page_id: \"p1\"\n"
      "metrics:\n"
      "  - {name: a, x: [1,  2]}\n");
  YamlNode root = tree.root();
  EXPECT_EQ(root.line(), 2u);
  EXPECT_EQ(root.column(), 1u);
  YamlNode page_id = root.value(0).value(0);
  EXPECT_EQ(page_id.line(), 3u);
  EXPECT_EQ(page_id.column(), 12u);  // the opening quote
  YamlNode metric = root.value(1)[0];
  EXPECT_EQ(metric.line(), 5u);
  EXPECT_EQ(metric.column(), 5u);
  EXPECT_EQ(metric.key(1).column(), 15u);
  EXPECT_EQ(metric.value(1)[1].column(), 23u);
}

TEST(YamlTreeTest, HandlesSurviveMovingTheTree) {
  YamlTree tree = MustParse("a: [b]\n");
  YamlNode b = tree.root().value(0)[0];
  YamlTree moved = std::move(tree);
  EXPECT_EQ(b.scalar(), "b");
  EXPECT_TRUE(moved.root().value(0)[0].SameNode(b));
}

// ---------------------------------------------------------------------------------------------
// Errors and hostile input

TEST(YamlTreeTest, DocumentCount) {
  EXPECT_EQ(ParseError("a: 1\n---\nb: 2\n"), "expected one YAML document, found 2");
  EXPECT_EQ(ParseError("a: 1\n---\n"), "expected one YAML document, found 2");
  EXPECT_EQ(ParseError("--- 1\n--- 2\n--- 3\n"), "expected one YAML document, found 3");
  // A syntax error in a later document is still a syntax error.
  EXPECT_EQ(ParseError("a: 1\n---\nb: [\n"),
            "invalid YAML at line 4, column 1: end of sequence flow not found");
  // yaml-cpp 0.7 reads a stray "," outside any collection as an empty document without
  // consuming it, forever; YAML::LoadAll would exhaust memory.
  EXPECT_EQ(ParseError(","), "invalid YAML at line 1, column 1: unexpected text");
  EXPECT_EQ(ParseError("[a],"), "invalid YAML at line 1, column 4: unexpected text");
  EXPECT_EQ(ParseError("a: 1\n---\n[b]\n,\n"), "invalid YAML at line 4, column 1: unexpected text");
  YamlTree one = MustParse("%YAML 1.2\n---\na: 1\n...\n");
  EXPECT_EQ(one.root().value(0).scalar(), "1");
}

TEST(YamlTreeTest, SyntaxErrorsKeepTheirPosition) {
  EXPECT_EQ(ParseError("statuspage: {page_id: p1\nmetrics: []\n"),
            "invalid YAML at line 2, column 8: end of map flow not found");
  EXPECT_EQ(ParseError("a: \"unterminated"),
            "invalid YAML at line 1, column 17: illegal EOF in scalar");
  EXPECT_EQ(ParseError("a: 'unterminated"),
            "invalid YAML at line 1, column 17: illegal EOF in scalar");
  // yaml-cpp 0.7 lets an unterminated quote run to the end of the input if a line break follows
  // it (the config then finds the keys it swallowed missing).
  YamlTree swallowed = MustParse("a: \"x\nb: 1\n");
  EXPECT_EQ(swallowed.root().size(), 1u);
  EXPECT_EQ(swallowed.root().value(0).scalar(), "x b: 1 ");
  EXPECT_THAT(ParseError("a: 1\n b: 2\n"), StartsWith("invalid YAML at line 2"));
  EXPECT_THAT(ParseError("a:\n\t- b\n"), StartsWith("invalid YAML at line 2"));
  EXPECT_THAT(ParseError("]"), StartsWith("invalid YAML at line 1, column 1: "));
}

// yaml-cpp quotes pieces of the input in some messages: they reach a terminal escaped.
TEST(YamlTreeTest, SyntaxErrorsQuoteTheInputEscaped) {
  EXPECT_EQ(ParseError("a: \"\\\x1b]0;title\x07\"\n"),
            "invalid YAML at line 1, column 7: unknown escape character: \\x1B");
  EXPECT_EQ(ParseError("a: \"\\\xc2\x9b\"\n"),
            "invalid YAML at line 1, column 7: unknown escape character: \\xC2");
  EXPECT_EQ(ParseError("%YAML 1.\x1b[2J\n---\na: 1\n"),
            "invalid YAML at line 1, column 1: bad YAML version: 1.\\x1B[2J");
  EXPECT_EQ(
      ParseError("%YAML 1." + std::string(1000, '9') + "\xff\n---\na: 1\n"),
      "invalid YAML at line 1, column 1: bad YAML version: 1." + std::string(180, '9') + "...");
}

TEST(YamlTreeTest, DeepNestingIsAnErrorNotACrash) {
  EXPECT_EQ(ParseError(std::string(600, '[') + std::string(600, ']')),
            "invalid YAML: nested more than 499 levels deep");
  for (char open : {'[', '{'}) {
    EXPECT_EQ(ParseError(std::string(100000, open)),
              "invalid YAML: nested more than 499 levels deep");
  }
  std::string block;
  for (int i = 0; i < 2000; ++i) {
    block += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  }
  EXPECT_EQ(ParseError(block), "invalid YAML: nested more than 499 levels deep");
  std::string dashes;
  for (int i = 0; i < 100000; ++i) {
    dashes += "- ";
  }
  EXPECT_EQ(ParseError(dashes), "invalid YAML: nested more than 499 levels deep");
  // Just under the limit is fine.
  YamlTree deep = MustParse(std::string(498, '[') + std::string(498, ']'));
  EXPECT_EQ(deep.node_count(), 498u);
}

TEST(YamlTreeTest, BinaryJunk) {
  EXPECT_EQ(ParseError(std::string("a: 1\0b: 2", 9)), "contains a NUL byte (is it a text file?)");
  std::mt19937 random(42);
  for (int round = 0; round < 300; ++round) {
    std::string junk(1 + random() % 400, ' ');
    for (char& c : junk) {
      c = static_cast<char>(1 + random() % 255);
    }
    auto tree = YamlTree::Parse(junk);  // either way, no crash
    if (!tree.ok()) {
      EXPECT_EQ(tree.status().code(), StatusCode::kInvalidArgument);
    }
    EXPECT_EQ(CompareWithYamlCpp(junk), "") << round;
  }
}

// ---------------------------------------------------------------------------------------------
// The same answers as yaml-cpp's own tree

TEST(YamlTreeTest, MatchesYamlCppOnTheRepositoryConfigs) {
  std::vector<std::string> texts = {
      ReadFile(SB_SOURCE_DIR "/examples/sandbox.yaml"),
      ReadFile(SB_SOURCE_DIR "/examples/production.yaml"),
      ReadFile(SB_SOURCE_DIR "/tests/pipeline/testdata/config_good.yaml"),
  };
  std::string shared = ReadFile(SB_TESTDATA_DIR "/contract/config-example.yaml");
  if (!shared.empty()) {
    texts.push_back(shared);
  }
  std::string doc = ReadFile(SB_SOURCE_DIR "/docs/config.md");
  for (size_t at = 0; (at = doc.find("```yaml\n", at)) != std::string::npos;) {
    at += 8;
    size_t end = doc.find("```", at);
    texts.push_back(doc.substr(at, end - at));
    at = end;
  }
  ASSERT_GT(texts.size(), 5u);
  for (const std::string& text : texts) {
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(CompareWithYamlCpp(text), "") << text;
  }
}

TEST(YamlTreeTest, MatchesYamlCppOnTrickyInputs) {
  for (const std::string& text : std::vector<std::string>{
           "a: b: c\n",
           "- a\nb: c\n",
           "? a\n? b\n: c\n",
           "{a, b: , : c}\n",
           "[a: 1, b]\n",
           "{? [x]: y}\n",
           "a: &x\n  b: *x\n",
           "&a a: *a\n",
           "*a\n",
           "- &a\n- *a\n",
           "a: !!binary aGVsbG8=\n",
           "!custom {a: 1}\n",
           "a: |-\n  x\n\n",
           "a: |+\n  x\n\n",
           "a: >2\n   x\n  y\n",
           "a: 'multi\n  line'\n",
           "a: \"\\L\\P\\N\\_\\e\\0\"\n",
           "\xef\xbb\xbf"
           "a: bom\n",
           std::string("\xff\xfe"
                       "a\0:\0 \0b\0\n\0",
                       12),
           "a: 1 # comment\n#\n",
           "a:\n- 1\n- 2\n",
           "- - - x\n",
           "a:\n  - b:\n      - c\n",
           "%TAG ! tag:example.com,2000:\n--- !x 1\n",
           "%FOO bar\n--- 1\n",
           "a: @b\n",
           "a: `b\n",
           "- [a, b]: c\n",
           "{a: 1, a: 2}\n",
           "a: [1, 2\n",
           "'a\n",
           "a: 1\n...\n---\nb\n",
           "a: 1\n...\n",
           "\t\n",
           "a:\tb\n",
       }) {
    EXPECT_EQ(CompareWithYamlCpp(text), "") << text;
  }
}

// Random YAML in both parsers: the same tree or the same error.
TEST(YamlTreeTest, MatchesYamlCppOnRandomInputs) {
  std::mt19937 random(7);
  // Short strings of YAML's punctuation: mostly errors.
  const std::string alphabet = "[]{},:-?#&*!|>'\"\n\n   \tab1~%@.\\";
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 40, ' ');
    for (char& c : text) {
      c = alphabet[random() % alphabet.size()];
    }
    ASSERT_EQ(CompareWithYamlCpp(text), "") << round << ": \"" << text << "\"";
  }
  // Sequences of YAML's tokens: many valid documents, with anchors, aliases and nesting.
  const std::vector<std::string> tokens = {
      "a: ",  "b: ", "- ",   "[",    "]",     "{",    "}",     ", ",   "\n",      "\n  ",
      "  ",   "&x ", "&y ",  "*x",   "*y",    "'q'",  "\"d\"", "? ",   ": ",      "~",
      "null", "v",   "|\n ", ">\n ", "---\n", "#c\n", "!t ",   "\"\"", "a:\n  - "};
  int valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (size_t n = random() % 30; n > 0; --n) {
      text += tokens[random() % tokens.size()];
    }
    ASSERT_EQ(CompareWithYamlCpp(text), "") << round << ": \"" << text << "\"";
    valid += YamlTree::Parse(text).ok() ? 1 : 0;
  }
  EXPECT_GT(valid, 2000);
}

// ---------------------------------------------------------------------------------------------
// Size

TEST(YamlTreeTest, StaysCompactForALargeConfig) {
  std::string text = "metrics:\n";
  for (int i = 0; i < 1000; ++i) {
    std::string n = std::to_string(i);
    text += "  - name: requests-" + n + "\n    statuspage_metric_id: \"req" + n +
            "\"\n    cloudwatch: { namespace: AWS/ApplicationELB, metric: RequestCount, "
            "dimensions: { LoadBalancer: \"app/demo-alb-" +
            n + "/50dc6c495c0c9188\" }, stat: Sum }\n";
  }
  YamlTree tree = MustParse(text);
  ASSERT_EQ(tree.root().value(0).size(), 1000u);
  EXPECT_EQ(tree.node_count(), 3u + 1000 * 17);
  // 16 bytes a node, 4 a child reference, the scalar text, and part-used chunks.
  size_t scalar_bytes = text.size();
  EXPECT_LT(tree.heap_bytes(), tree.node_count() * 20 + scalar_bytes + 64 * 1024)
      << tree.heap_bytes() << " bytes for " << tree.node_count() << " nodes";
  EXPECT_EQ(CompareWithYamlCpp(text), "");
}

}  // namespace
}  // namespace statusbridge::pipeline
