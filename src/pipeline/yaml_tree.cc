#include "pipeline/yaml_tree.h"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <istream>
#include <streambuf>
#include <string>
#include <vector>

#include "core/text.h"

namespace statusbridge::pipeline {
namespace {

// A growing array in fixed chunks: no reallocation copies, at most one chunk unused.
template <typename T, size_t kPerChunk>
class ChunkedArray {
 public:
  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunks_[i / kPerChunk][i % kPerChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / kPerChunk][i % kPerChunk]; }

  void push_back(const T& value) {
    if (size_ % kPerChunk == 0) {
      chunks_.push_back(std::make_unique_for_overwrite<T[]>(kPerChunk));
    }
    (*this)[size_++] = value;
  }

  size_t heap_bytes() const {
    return chunks_.size() * kPerChunk * sizeof(T) + chunks_.capacity() * sizeof(chunks_[0]);
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

// Raised by the builder for what yaml-cpp accepts but the tree cannot hold.
struct TreeLimit {
  std::string message;
};

// Scalar text in 8 KiB chunks; a position is chunk << kOffsetBits | offset. A long scalar gets a
// chunk of its own, so a chunk wastes at most kOwnChunkAbove bytes.
class TextArena {
 public:
  static constexpr uint32_t kOffsetBits = 13;
  static constexpr size_t kChunkSize = size_t{1} << kOffsetBits;
  static constexpr size_t kOwnChunkAbove = 1024;
  static constexpr size_t kMaxChunks = (size_t{1} << (32 - kOffsetBits)) - 1;

  uint32_t Add(std::string_view s) {
    if (s.empty()) {
      return 0;
    }
    if (s.size() > kOwnChunkAbove) {
      uint32_t chunk = NewChunk(s.size());
      std::memcpy(chunks_[chunk].get(), s.data(), s.size());
      return chunk << kOffsetBits;
    }
    if (current_ == kNone || used_ + s.size() > kChunkSize) {
      current_ = NewChunk(kChunkSize);
      used_ = 0;
    }
    std::memcpy(chunks_[current_].get() + used_, s.data(), s.size());
    uint32_t position = current_ << kOffsetBits | static_cast<uint32_t>(used_);
    used_ += s.size();
    return position;
  }

  std::string_view Get(uint32_t position, uint32_t size) const {
    if (size == 0) {
      return {};
    }
    return {chunks_[position >> kOffsetBits].get() + (position & (kChunkSize - 1)), size};
  }

  size_t heap_bytes() const { return bytes_ + chunks_.capacity() * sizeof(chunks_[0]); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t NewChunk(size_t size) {
    if (chunks_.size() >= kMaxChunks) {
      throw TreeLimit{"too much scalar text"};
    }
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    bytes_ += size;
    return static_cast<uint32_t>(chunks_.size() - 1);
  }

  std::vector<std::unique_ptr<char[]>> chunks_;
  uint32_t current_ = kNone;
  size_t used_ = 0;
  size_t bytes_ = 0;
};

// One node. A scalar's `begin` is its TextArena position and `size` its length in bytes; a
// container's `begin` is the index of its first child in Storage::children and `size` counts
// elements (a sequence) or pairs (a map, whose children alternate key, value).
struct PackedNode {
  uint32_t type_line;  // YamlNode::Type in the low 2 bits, the 0-based line above them
  uint32_t column;     // 0-based
  uint32_t begin;
  uint32_t size;
};
static_assert(sizeof(PackedNode) == 16);

constexpr uint32_t kMaxLine = (uint32_t{1} << 30) - 1;
constexpr size_t kMaxNodes = UINT32_MAX - 1;

// Serves a string_view to yaml-cpp as an istream without copying it.
class ViewStreamBuf : public std::streambuf {
 public:
  explicit ViewStreamBuf(std::string_view text) {
    // The get area is only read; std::streambuf just has no const flavour.
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// yaml-cpp's messages can quote the input ("unknown escape character: <c>", "bad YAML version:
// <text>"): escaped, so no control character or stray byte reaches a terminal or a log.
std::string InvalidYaml(const YAML::Mark& mark, const std::string& message) {
  std::string where;
  if (!mark.is_null()) {
    where =
        " at line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
  }
  return "invalid YAML" + where + ": " + EscapeText(message, 200);
}

}  // namespace

namespace yaml_internal {
struct Storage {
  ChunkedArray<PackedNode, 512> nodes;    // 8 KiB chunks
  ChunkedArray<uint32_t, 2048> children;  // 8 KiB chunks
  TextArena text;
  uint32_t root = 0;
};
}  // namespace yaml_internal

namespace {

using Type = YamlNode::Type;

// Turns the first document's events into the Storage; later documents are only parsed, for
// their errors and to be counted. Children of the containers still open wait in `pending_` and
// move to Storage::children, contiguous, when their container ends.
class TreeBuilder final : public YAML::EventHandler {
 public:
  // `input_bytes` sizes the cache of recent scalars.
  TreeBuilder(yaml_internal::Storage* storage, size_t input_bytes)
      : s_(*storage),
        recent_slots_(std::clamp<size_t>(std::bit_ceil(input_bytes / 64 + 1), 64, 4096)) {}

  bool has_root() const { return has_root_; }
  const YAML::Mark& document_start() const { return document_start_; }

  void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = mark; }
  void OnDocumentEnd() override { first_done_ = true; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (first_done_) {
      return;
    }
    Attach(NewNode(Type::kNull, mark, anchor));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (first_done_) {
      return;
    }
    // yaml-cpp's parser refuses an unknown alias itself; this is only a guard.
    if (anchor >= anchors_.size() || anchors_[anchor] == kNoNode) {
      throw YAML::ParserException(mark, YAML::ErrorMsg::UNKNOWN_ANCHOR);
    }
    Attach(anchors_[anchor]);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& value) override {
    if (first_done_) {
      return;
    }
    uint32_t index = NewNode(Type::kScalar, mark, anchor);
    if (value.size() > UINT32_MAX) {
      throw TreeLimit{"a scalar is too long"};
    }
    PackedNode& node = s_.nodes[index];
    node.begin = AddText(value);
    node.size = static_cast<uint32_t>(value.size());
    Attach(index);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    if (first_done_) {
      return;
    }
    Open(NewNode(Type::kSequence, mark, anchor));
  }
  void OnSequenceEnd() override {
    if (!first_done_) {
      Close();
    }
  }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    if (first_done_) {
      return;
    }
    Open(NewNode(Type::kMap, mark, anchor));
  }
  void OnMapEnd() override {
    if (!first_done_) {
      Close();
    }
  }

 private:
  static constexpr uint32_t kNoNode = UINT32_MAX;

  static constexpr size_t kMaxCachedText = 64;

  struct Recent {
    uint32_t position = 0;
    uint32_t size = 0;
  };

  struct OpenContainer {
    uint32_t index;
    size_t first_pending;
  };

  uint32_t NewNode(Type type, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (s_.nodes.size() >= kMaxNodes) {
      throw TreeLimit{"too many nodes"};
    }
    auto index = static_cast<uint32_t>(s_.nodes.size());
    uint32_t line = std::min<uint32_t>(static_cast<uint32_t>(std::max(mark.line, 0)), kMaxLine);
    s_.nodes.push_back(PackedNode{line << 2 | static_cast<uint32_t>(type),
                                  static_cast<uint32_t>(std::max(mark.column, 0)), 0, 0});
    // Anchors are numbered from 1 in each document, in order; a later anchor with the same name
    // gets a new number, so this never overwrites one.
    if (anchor != YAML::NullAnchor) {
      if (anchor >= anchors_.size()) {
        anchors_.resize(anchor + 1, kNoNode);
      }
      anchors_[anchor] = index;
    }
    return index;
  }

  // Most scalars repeat (keys, namespaces, statistics): short ones are stored once, as far as a
  // small direct-mapped cache of recent ones finds them.
  uint32_t AddText(std::string_view text) {
    if (text.empty() || text.size() > kMaxCachedText) {
      return s_.text.Add(text);
    }
    if (recent_.empty()) {
      recent_.resize(recent_slots_);
    }
    Recent& slot = recent_[std::hash<std::string_view>{}(text) & (recent_slots_ - 1)];
    if (slot.size == text.size() && s_.text.Get(slot.position, slot.size) == text) {
      return slot.position;
    }
    slot = {s_.text.Add(text), static_cast<uint32_t>(text.size())};
    return slot.position;
  }

  void Attach(uint32_t index) {
    if (open_.empty()) {
      s_.root = index;
      has_root_ = true;
    } else {
      pending_.push_back(index);
    }
  }

  void Open(uint32_t index) { open_.push_back({index, pending_.size()}); }

  void Close() {
    OpenContainer container = open_.back();
    open_.pop_back();
    size_t count = pending_.size() - container.first_pending;
    PackedNode& node = s_.nodes[container.index];
    bool is_map = (node.type_line & 3) == static_cast<uint32_t>(Type::kMap);
    if (is_map && count % 2 != 0) {
      throw TreeLimit{"a map key has no value"};  // the parser always sends both
    }
    if (s_.children.size() + count > kMaxNodes) {
      throw TreeLimit{"too many nodes"};
    }
    node.begin = static_cast<uint32_t>(s_.children.size());
    node.size = static_cast<uint32_t>(is_map ? count / 2 : count);
    for (size_t i = container.first_pending; i < pending_.size(); ++i) {
      s_.children.push_back(pending_[i]);
    }
    pending_.resize(container.first_pending);
    Attach(container.index);
  }

  yaml_internal::Storage& s_;
  std::vector<uint32_t> anchors_;  // node index by yaml-cpp's anchor number
  std::vector<OpenContainer> open_;
  std::vector<uint32_t> pending_;
  size_t recent_slots_;  // a power of two; at most 4096 (32 KiB while building)
  std::vector<Recent> recent_;
  bool has_root_ = false;
  bool first_done_ = false;
  YAML::Mark document_start_ = YAML::Mark::null_mark();
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// YamlNode

YamlNode::Type YamlNode::type() const {
  return static_cast<Type>(storage_->nodes[index_].type_line & 3);
}

std::string_view YamlNode::scalar() const {
  if (!IsScalar()) {
    return {};
  }
  const PackedNode& node = storage_->nodes[index_];
  return storage_->text.Get(node.begin, node.size);
}

size_t YamlNode::size() const { return IsSequence() || IsMap() ? storage_->nodes[index_].size : 0; }

YamlNode YamlNode::Child(size_t i) const {
  return YamlNode(storage_, storage_->children[storage_->nodes[index_].begin + i]);
}

YamlNode YamlNode::operator[](size_t i) const { return Child(i); }
YamlNode YamlNode::key(size_t i) const { return Child(2 * i); }
YamlNode YamlNode::value(size_t i) const { return Child(2 * i + 1); }

size_t YamlNode::line() const { return (storage_->nodes[index_].type_line >> 2) + 1; }
size_t YamlNode::column() const { return size_t{storage_->nodes[index_].column} + 1; }

// ---------------------------------------------------------------------------------------------
// YamlTree

YamlTree::YamlTree(std::unique_ptr<Storage> storage) : storage_(std::move(storage)) {}
YamlTree::YamlTree(YamlTree&&) noexcept = default;
YamlTree& YamlTree::operator=(YamlTree&&) noexcept = default;
YamlTree::~YamlTree() = default;

YamlNode YamlTree::root() const { return YamlNode(storage_.get(), storage_->root); }
size_t YamlTree::node_count() const { return storage_->nodes.size(); }

size_t YamlTree::heap_bytes() const {
  return sizeof(Storage) + storage_->nodes.heap_bytes() + storage_->children.heap_bytes() +
         storage_->text.heap_bytes();
}

Result<YamlTree> YamlTree::Parse(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("contains a NUL byte (is it a text file?)");
  }
  if (text.size() > kMaxInputBytes) {
    return Status::InvalidArgument("invalid YAML: larger than 256 MiB");
  }
  auto storage = std::make_unique<Storage>();
  size_t documents = 0;
  try {
    ViewStreamBuf buffer(text);
    std::istream stream(&buffer);
    YAML::Parser parser(stream);
    TreeBuilder builder(storage.get(), text.size());
    YAML::Mark previous_start = YAML::Mark::null_mark();
    while (parser.HandleNextDocument(builder)) {
      // yaml-cpp 0.7 answers a token that cannot start a node outside a collection (a stray
      // ",", as in "[a],") with an empty document that does not consume it, again and again:
      // YAML::LoadAll would grow until memory runs out. A document starts at its first token,
      // so two starting at the same place mean the parser is stuck there.
      const YAML::Mark& start = builder.document_start();
      if (documents > 0 && start.pos == previous_start.pos && start.line == previous_start.line &&
          start.column == previous_start.column) {
        return Status::InvalidArgument(InvalidYaml(start, "unexpected text"));
      }
      previous_start = start;
      ++documents;
    }
    if (documents == 1 && !builder.has_root()) {
      return Status::Internal("YAML document without a root node");
    }
  } catch (const YAML::DeepRecursion& e) {
    return Status::InvalidArgument("invalid YAML: nested more than " +
                                   std::to_string(e.depth() - 1) + " levels deep");
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(InvalidYaml(e.mark, e.msg));
  } catch (const TreeLimit& e) {
    return Status::InvalidArgument("invalid YAML: " + e.message);
  }
  if (documents > 1) {
    return Status::InvalidArgument("expected one YAML document, found " +
                                   std::to_string(documents));
  }
  if (documents == 0) {
    storage->nodes.push_back(PackedNode{static_cast<uint32_t>(Type::kNull), 0, 0, 0});
    storage->root = 0;
  }
  return YamlTree(std::move(storage));
}

}  // namespace statusbridge::pipeline
