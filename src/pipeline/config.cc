#include "pipeline/config.h"

#include <filesystem>
#include <map>
#include <utility>

#include "core/file.h"
#include "core/text.h"
#include "pipeline/config_reader.h"
#include "pipeline/yaml_tree.h"

namespace statusbridge::pipeline {
namespace config_internal {
namespace {

constexpr Seconds kMinInterval{10};
constexpr Seconds kMaxInterval{86400};
constexpr Seconds kMaxStatuspageTimeout{600};
// Statuspage documents 1 request per second per API key; above that it answers 420/429. The
// bounds only refuse absurd values (a request every 100 s is the slowest useful pace).
constexpr double kMinRequestsPerSecond = 0.01;
constexpr double kMaxRequestsPerSecond = 10;
constexpr int kMaxPointsPerRequestLimit = 100000;
constexpr size_t kMaxKeyFileBytes = 64 << 10;

}  // namespace

Result<Config> ConfigReader::Read(const YamlNode& root) {
  if (root.IsNull()) {
    return Error("config", "empty document (expected the statuspage and metrics sections)");
  }
  if (!root.IsMap()) {
    return Error("config", "expected a map at the top level, got " + Describe(root));
  }
  SB_ASSIGN_OR_RETURN(MapView top,
                      MapView::Open(Field{"", root}, {"statuspage", "aws", "state", "schedule",
                                                      "defaults", "metrics"}));
  Config config;

  auto statuspage = top.Get("statuspage");
  if (!statuspage) {
    return Error("statuspage", "is required");
  }
  SB_RETURN_IF_ERROR(ReadStatuspage(*statuspage, &config.statuspage));
  if (auto f = top.Get("aws")) {
    SB_RETURN_IF_ERROR(ReadAws(*f, &config.aws));
  }
  if (auto f = top.Get("state")) {
    SB_RETURN_IF_ERROR(ReadState(*f, &config.state));
  }
  if (auto f = top.Get("schedule")) {
    SB_RETURN_IF_ERROR(ReadSchedule(*f, &config.schedule));
  }
  Timing defaults;
  if (auto f = top.Get("defaults")) {
    SB_ASSIGN_OR_RETURN(MapView map,
                        MapView::Open(*f, {"period", "delay", "lookback", "backfill"}));
    SB_RETURN_IF_ERROR(ReadTiming(map, &defaults));
  }
  auto metrics = top.Get("metrics");
  if (!metrics) {
    return Error("metrics", "is required (a list with at least one metric)");
  }
  SB_RETURN_IF_ERROR(ReadMetrics(*metrics, defaults, &config));
  return config;
}

// The metrics list: each metric, with names and Statuspage metric ids unique.
Status ConfigReader::ReadMetrics(const Field& f, const Timing& defaults, Config* config) const {
  if (f.node.IsNull() || (f.node.IsSequence() && f.node.size() == 0)) {
    return Error("metrics", "at least one metric is required");
  }
  if (!f.node.IsSequence()) {
    return Error("metrics", "expected a list, got " + Describe(f.node));
  }
  std::map<std::string, std::string> names;  // name -> label of its first metric
  std::map<std::string, std::string> ids;    // statuspage_metric_id -> label of its first metric
  for (size_t i = 0; i < f.node.size(); ++i) {
    std::string index = "metrics[" + std::to_string(i) + "]";
    MetricConfig metric;
    SB_RETURN_IF_ERROR(ReadMetric(Field{index, f.node[i]}, defaults, config->aws, &metric));
    std::string label = index + " (" + metric.name + ")";
    if (auto [it, inserted] = names.emplace(metric.name, index); !inserted) {
      return Error(label + ".name", "duplicate metric name (also " + it->second + ")");
    }
    if (auto [it, inserted] = ids.emplace(metric.statuspage_metric_id, label); !inserted) {
      return Error(label + ".statuspage_metric_id",
                   Quote(metric.statuspage_metric_id) + " is already used by " + it->second);
    }
    config->metrics.push_back(std::move(metric));
  }
  return Status::Ok();
}

Status ConfigReader::ReadStatuspage(const Field& f, StatuspageConfig* out) const {
  SB_ASSIGN_OR_RETURN(
      MapView map, MapView::Open(f, {"page_id", "api_key", "api_key_file", "base_url",
                                     "requests_per_second", "max_points_per_request", "timeout"}));
  SB_ASSIGN_OR_RETURN(out->page_id, Required(map, "page_id", kNameText));
  SB_RETURN_IF_ERROR(ReadApiKey(map, out));
  if (auto v = map.Get("base_url")) {
    SB_ASSIGN_OR_RETURN(out->base_url, HttpUrl(*v));
  }
  if (auto v = map.Get("requests_per_second")) {
    SB_ASSIGN_OR_RETURN(double rps, Number(*v));
    if (rps < kMinRequestsPerSecond || rps > kMaxRequestsPerSecond) {
      return Error(v->path, "must be between " + FormatNumber(kMinRequestsPerSecond) + " and " +
                                FormatNumber(kMaxRequestsPerSecond) + " (got " + FormatNumber(rps) +
                                "); Statuspage documents 1 request per second per API key");
    }
    out->requests_per_second = rps;
  }
  if (auto v = map.Get("max_points_per_request")) {
    SB_ASSIGN_OR_RETURN(out->max_points_per_request, WholeNumber(*v, 1, kMaxPointsPerRequestLimit));
  }
  if (auto v = map.Get("timeout")) {
    SB_ASSIGN_OR_RETURN(out->timeout, Duration(*v));
    if (out->timeout <= Seconds(0) || out->timeout > kMaxStatuspageTimeout) {
      return Error(v->path, "must be between 1s and " + FormatDuration(kMaxStatuspageTimeout) +
                                " (got " + FormatDuration(out->timeout) + ")");
    }
  }
  return Status::Ok();
}

// Messages here never include the key itself.
Status ConfigReader::ReadApiKey(const MapView& map, StatuspageConfig* out) const {
  auto inline_key = map.Get("api_key");
  auto key_file = map.Get("api_key_file");
  if (inline_key && key_file) {
    return Error(map.path(), "set only one of api_key and api_key_file");
  }
  if (!inline_key && !key_file) {
    return Error(map.path(), "api_key or api_key_file is required");
  }
  if (key_file) {
    return ReadApiKeyFile(*key_file, out);
  }
  SB_ASSIGN_OR_RETURN(std::string key, Text(*inline_key, "a string", kSecretText));
  if (key.empty()) {
    return Error(inline_key->path, "must not be empty");
  }
  if (HasSpaceOrControl(key)) {
    return Error(inline_key->path, "must not contain whitespace or control characters");
  }
  out->api_key = Secret(std::move(key));
  return Status::Ok();
}

// api_key_file, relative to the config's directory; the key is the file's content, trimmed.
Status ConfigReader::ReadApiKeyFile(const Field& f, StatuspageConfig* out) const {
  SB_ASSIGN_OR_RETURN(std::string file, NonEmptyText(f, kPathText));
  std::filesystem::path path(file);
  if (path.is_relative()) {
    path = std::filesystem::path(base_dir_) / path;
  }
  const std::string quoted = Quote(path.string());
  auto content = ReadRegularFile(path.string(), kMaxKeyFileBytes);
  if (!content.ok()) {
    return Error(f.path, "cannot read " + quoted + ": " + content.status().message());
  }
  std::string_view key = Trim(*content);
  if (key.empty()) {
    return Error(f.path, quoted + " is empty");
  }
  if (HasSpaceOrControl(key)) {
    return Error(f.path, quoted +
                             " must contain only the key (found whitespace or control "
                             "characters inside it)");
  }
  out->api_key = Secret(std::string(key));
  return Status::Ok();
}

Status ConfigReader::ReadState(const Field& f, StateConfig* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"path"}));
  if (auto v = map.Get("path")) {
    SB_ASSIGN_OR_RETURN(out->path, NonEmptyText(*v, kPathText));
  }
  return Status::Ok();
}

Status ConfigReader::ReadSchedule(const Field& f, ScheduleConfig* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"interval"}));
  if (auto v = map.Get("interval")) {
    SB_ASSIGN_OR_RETURN(out->interval, Duration(*v));
    if (out->interval < kMinInterval || out->interval > kMaxInterval) {
      return Error(v->path, "must be between " + FormatDuration(kMinInterval) + " and " +
                                FormatDuration(kMaxInterval) + " (got " +
                                FormatDuration(out->interval) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace config_internal

namespace {

// The config's words for YamlTree's errors.
Result<YamlTree> LoadYaml(std::string_view text) {
  auto tree = YamlTree::Parse(text);
  if (!tree.ok()) {
    return config_internal::Error("config", tree.status().message());
  }
  return tree;
}

}  // namespace

Result<Config> ParseConfig(std::string_view yaml_text, const EnvLookup& env,
                           const std::string& base_dir) {
  SB_ASSIGN_OR_RETURN(YamlTree tree, LoadYaml(yaml_text));
  return config_internal::ConfigReader(env, base_dir).Read(tree.root());
}

Result<Config> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  auto text = ReadRegularFile(path, config_internal::kMaxConfigBytes);
  if (!text.ok()) {
    return Status::InvalidArgument("cannot read config file " + config_internal::Quote(path) +
                                   ": " + text.status().message());
  }
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (base_dir.empty()) {
    base_dir = ".";
  }
  return ParseConfig(*text, env, base_dir);
}

}  // namespace statusbridge::pipeline
