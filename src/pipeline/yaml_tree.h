#pragma once

// YamlTree is one parsed YAML document held compactly, for reading a config without
// yaml-cpp's node graph (about 200 bytes and several allocations per node; 9 MB for a
// 1000-metric config). yaml-cpp's parser still does all of YAML, through its event API: block and
// flow maps and sequences, plain, quoted and block scalars with their escapes and folding, tags
// (parsed and ignored, as the config ignores them), anchors and aliases, and its nesting limit.
//
// Storage: every node is 16 bytes (type, line, column, and either where its text is or where its
// children are) in one chunked array; a sequence's elements, and a map's keys and values
// alternating, are 4-byte node indices in a second; scalar text sits in a third, where short
// scalars that repeat (keys, namespaces) are mostly stored once. The arrays grow in small fixed
// chunks, so building never holds two copies of one. A 1000-metric config (330 KB, 27k nodes)
// takes about 600 KB. An alias is its anchor's
// node (the same index, not a copy), so an anchor whose own content uses its alias makes a cycle:
// a reader that walks the tree generically must bound its depth.
//
// What the nodes say, as yaml-cpp's YAML::Node would:
//   - null: an empty value, and the plain scalars ~, null, Null and NULL; a quoted "~" or "" is a
//     scalar. An empty input, or one of only comments, is a single null document.
//   - a map keeps its pairs in document order, duplicate keys included: finding duplicates (and
//     deciding what a non-scalar key means) is the reader's business.
//
// YamlNode is a handle (a pointer and an index), cheap to copy, valid while its YamlTree lives;
// moving the tree keeps handles valid. A YamlTree is read-only after Parse(), so any number of
// threads may read one at once. yaml-cpp's exceptions stop in Parse().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/result.h"

namespace statusbridge::pipeline {

namespace yaml_internal {
struct Storage;  // defined in yaml_tree.cc
}  // namespace yaml_internal

class YamlNode {
 public:
  enum class Type : uint8_t { kNull, kScalar, kSequence, kMap };

  Type type() const;
  bool IsNull() const { return type() == Type::kNull; }
  bool IsScalar() const { return type() == Type::kScalar; }
  bool IsSequence() const { return type() == Type::kSequence; }
  bool IsMap() const { return type() == Type::kMap; }

  // A scalar's text, unquoted and unescaped; empty for any other node. Valid while the tree lives.
  std::string_view scalar() const;

  // A sequence's elements or a map's pairs; 0 for a null or a scalar.
  size_t size() const;

  // REQUIRES: IsSequence() and i < size().
  YamlNode operator[](size_t i) const;
  // The i-th pair of a map, in document order. REQUIRES: IsMap() and i < size().
  YamlNode key(size_t i) const;
  YamlNode value(size_t i) const;

  // Where the node starts, 1-based, as yaml-cpp marks it (an alias reads as its anchor's node,
  // so it has the anchor's position).
  size_t line() const;
  size_t column() const;

  // Both handles name the same node: true for an alias and its anchor.
  bool SameNode(const YamlNode& other) const {
    return storage_ == other.storage_ && index_ == other.index_;
  }

 private:
  friend class YamlTree;
  using Storage = yaml_internal::Storage;
  YamlNode(const Storage* storage, uint32_t index) : storage_(storage), index_(index) {}
  YamlNode Child(size_t i) const;

  const Storage* storage_;
  uint32_t index_;
};

class YamlTree {
 public:
  // Inputs larger than this are refused before parsing (node positions are 32-bit).
  static constexpr size_t kMaxInputBytes = size_t{256} << 20;

  // Parses `text`, which must hold at most one document. Every error is InvalidArgument, with
  // messages a caller can prefix with its own context:
  //   - "contains a NUL byte (is it a text file?)" (yaml-cpp would stop reading at it);
  //   - "invalid YAML at line L, column C: <yaml-cpp's message>", for any syntax error, in any
  //     document (an unknown alias, a tab in indentation, a quote the input ends inside, ...);
  //     the message is escaped as core/text.h EscapeText does (it can quote the input);
  //   - "invalid YAML at line L, column C: unexpected text", where yaml-cpp 0.7 would read empty
  //     documents forever (a stray "," outside any collection, as in "[a],");
  //   - "invalid YAML: nested more than N levels deep" (yaml-cpp's recursion limit);
  //   - "expected one YAML document, found N";
  //   - "invalid YAML: larger than 256 MiB".
  // The text is copied as needed; it need not outlive the tree.
  static Result<YamlTree> Parse(std::string_view text);

  YamlTree(YamlTree&&) noexcept;
  YamlTree& operator=(YamlTree&&) noexcept;
  ~YamlTree();

  // The document's root: a null node for an empty document.
  YamlNode root() const;

  // Nodes stored (an alias adds none) and the heap bytes the tree holds, for tests and sizing.
  size_t node_count() const;
  size_t heap_bytes() const;

 private:
  using Storage = yaml_internal::Storage;
  explicit YamlTree(std::unique_ptr<Storage> storage);

  std::unique_ptr<Storage> storage_;
};

}  // namespace statusbridge::pipeline
