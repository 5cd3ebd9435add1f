#pragma once

// Internal to pipeline/config*.cc: reading values out of the config's YAML tree
// (pipeline/yaml_tree.h). Key paths and the messages that name them, maps checked for plain,
// unique, known keys, ${NAME} expansion, and scalars read as text, numbers, durations and URLs,
// every one checked for size, UTF-8 and control characters. The section readers
// (pipeline/config_reader.h) are built on these; pipeline/config.h is the public contract.
//
// Every error is InvalidArgument "<key path>: <reason>" (Error()). A value is quoted in a message
// only escaped and cut (Quote()), and never when it may be a secret.
//
// ValueReader is thread-compatible (it counts the bytes it has expanded); the rest is pure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/result.h"
#include "core/time.h"
#include "pipeline/yaml_tree.h"

namespace statusbridge::pipeline::config_internal {

inline constexpr size_t kMaxConfigBytes = 16 << 20;
// Value sizes, after ${NAME} expansion (docs/config.md, "Limits"). Any value; all the values of
// one config together (a few big variables, or aliases, cannot make a huge config out of a small
// file); names, ids and keys; a metric's expression; URLs; file paths.
inline constexpr size_t kMaxValueBytes = 64 << 10;
inline constexpr size_t kMaxExpandedBytes = kMaxConfigBytes;
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMaxPathBytes = 4096;

// ---- Messages and paths ----

// InvalidArgument "<path>: <message>"; an empty path reads "config".
Status Error(const std::string& path, const std::string& message);

// "<path>.<key>", or "<key>" at the top.
std::string Child(const std::string& path, std::string_view key);

// A value people wrote, quoted for a message: control characters and bytes that are not UTF-8
// escaped as \xNN, cut after 100 bytes. Never for a secret.
std::string Quote(std::string_view value);

// "a map", "a list", "a single value" or "nothing", for "expected ..., got ..." messages.
std::string Describe(const YamlNode& node);

// "a", "a or b", "a, b or c".
std::string OrList(const std::vector<std::string_view>& items);

// [A-Za-z_][A-Za-z0-9_]*: a query name, an environment variable's name.
bool IsIdentifier(std::string_view s);

// For an API key, which is never quoted: whitespace, a control character (C0, DEL, C1) or a byte
// that is not UTF-8 anywhere in it.
bool HasSpaceOrControl(std::string_view s);

// ---- Scalars ----

// ${NAME} -> the variable's value; $${ -> a literal ${. Stops as soon as the result would be
// longer than `max_bytes`, before it is built: "${BIG}${BIG}..." never allocates more. Errors
// (InvalidArgument, a reason without a path): an unterminated "${", an invalid name, an unset
// variable, a result over `max_bytes`. Messages never quote `text`: it may be a secret.
Result<std::string> ExpandEnv(std::string_view text, const EnvLookup& env, size_t max_bytes);

// A finite decimal number, the whole of `s` but surrounding whitespace and a leading '+'.
std::optional<double> ParseNumber(std::string_view s);

// The shortest text that reads back as `v`.
std::string FormatNumber(double v);

// ---- Maps ----

// A value and the key path that names it.
struct Field {
  std::string path;
  YamlNode node;
};

// A YAML map checked for plain, unique keys (and, for a section, only known ones) of at most
// kMaxNameBytes, valid UTF-8 without control characters. Null reads as an empty map, so a section
// whose keys are all commented out is fine.
class MapView {
 public:
  // Any keys (dimensions, queries).
  static Result<MapView> Open(const Field& field) { return OpenImpl(field, nullptr); }

  // Only `known` keys; others are "unknown key" errors with a did-you-mean.
  static Result<MapView> Open(const Field& field, const std::vector<std::string_view>& known) {
    return OpenImpl(field, &known);
  }

  const std::string& path() const { return path_; }
  const std::vector<std::pair<std::string, YamlNode>>& entries() const { return entries_; }

  std::optional<Field> Get(std::string_view key) const;
  bool Has(std::string_view key) const { return Get(key).has_value(); }

 private:
  static Result<MapView> OpenImpl(const Field& field, const std::vector<std::string_view>* known);

  std::string path_;
  std::vector<std::pair<std::string, YamlNode>> entries_;
};

// The keys of `candidates` that `map` has, in the order of `candidates`.
std::vector<std::string_view> PresentKeys(const MapView& map,
                                          const std::vector<std::string_view>& candidates);

// ---- Reading scalars ----

// How a value's text is checked after ${NAME} expansion.
struct TextRule {
  size_t max_bytes;
  bool multi_line;  // tab, LF and CR allowed (queries, expressions); other control characters never
  bool secret;      // never quoted in a message; its own rules check the characters
};
inline constexpr TextRule kAnyText{kMaxValueBytes, false, false};
inline constexpr TextRule kNameText{kMaxNameBytes, false, false};
inline constexpr TextRule kUrlText{kMaxUrlBytes, false, false};
inline constexpr TextRule kPathText{kMaxPathBytes, false, false};
inline constexpr TextRule kMultiLineText{kMaxValueBytes, true, false};
inline constexpr TextRule kExpressionText{kMaxExpressionBytes, true, false};
inline constexpr TextRule kSecretText{kMaxValueBytes, false, true};

// Reads scalars with ${NAME} expanded from `env`, and counts the bytes of every value it returns
// against kMaxExpandedBytes. `env` must outlive the reader.
class ValueReader {
 public:
  explicit ValueReader(const EnvLookup& env) : env_(env) {}

  const EnvLookup& env() const { return env_; }

  // A scalar's text after ${VAR} expansion, checked against `rule`: at most rule.max_bytes, and
  // (unless secret) valid UTF-8 without control characters. `what` names the expected type in
  // messages.
  Result<std::string> Text(const Field& f, std::string_view what = "a string",
                           const TextRule& rule = kAnyText) const;

  // Text(), and not empty.
  Result<std::string> NonEmptyText(const Field& f, const TextRule& rule = kAnyText) const;

  // NonEmptyText() of `map`'s `key`, which must be there.
  Result<std::string> Required(const MapView& map, std::string_view key,
                               const TextRule& rule = kAnyText) const;

  // A finite number (ParseNumber()).
  Result<double> Number(const Field& f) const;

  // A whole number in [min, max].
  Result<int> WholeNumber(const Field& f, int min, int max) const;

  // A duration (core/time.h ParseDuration: "90s", "5m", "1h30m").
  Result<Seconds> Duration(const Field& f) const;

  // An http(s) URL without credentials, trailing '/' removed.
  Result<std::string> HttpUrl(const Field& f) const;

 private:
  const EnvLookup& env_;
  mutable size_t expanded_bytes_ = 0;  // every value Text() returned, for kMaxExpandedBytes
};

}  // namespace statusbridge::pipeline::config_internal
