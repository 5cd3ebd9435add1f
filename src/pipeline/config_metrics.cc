// One metric: its name and id, bucket timing, queries, expression and policies
// (pipeline/config_reader.h).

#include <algorithm>

#include "core/text.h"
#include "pipeline/config_reader.h"
#include "pipeline/expression.h"

namespace statusbridge::pipeline::config_internal {
namespace {

constexpr Seconds kMaxPeriod{86400};
constexpr Seconds kMaxDelay{86400};

// "metrics[1] (api-reliability)": the label that names metric `f` in every later message, as
// soon as its name is readable. Only a name that will pass its own checks is used: the label is
// printed as it is.
std::string MetricLabel(const Field& f, const EnvLookup& env) {
  std::string path = f.path;
  for (size_t i = 0; i < f.node.size(); ++i) {
    YamlNode key = f.node.key(i);
    YamlNode value = f.node.value(i);
    if (key.IsScalar() && key.scalar() == "name" && value.IsScalar()) {
      auto expanded = ExpandEnv(value.scalar(), env, kMaxNameBytes);
      if (expanded.ok() && !expanded->empty() && IsValidUtf8(*expanded) &&
          !HasControlCharacter(*expanded)) {
        path += " (" + *expanded + ")";
      }
      break;
    }
  }
  return path;
}

// A duration within `max`, or the message naming both.
Status CheckAtMost(const Field& f, Seconds value, Seconds max, const std::string& why = "") {
  if (value > max) {
    return Error(f.path, "must be at most " + FormatDuration(max) + why + " (got " +
                             FormatDuration(value) + ")");
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string_view>& QuerySources() {
  static const std::vector<std::string_view> kSources = {"cloudwatch", "cloudwatch_math",
                                                         "logs_insights"};
  return kSources;
}

Status ConfigReader::ReadTiming(const MapView& map, Timing* out) const {
  if (auto v = map.Get("period")) {
    SB_ASSIGN_OR_RETURN(out->period, Duration(*v));
    if (out->period < Seconds(60) || out->period.count() % 60 != 0) {
      return Error(v->path, "must be a whole number of minutes, at least 1m (got " +
                                FormatDuration(out->period) + ")");
    }
    SB_RETURN_IF_ERROR(CheckAtMost(*v, out->period, kMaxPeriod));
  }
  if (auto v = map.Get("delay")) {
    SB_ASSIGN_OR_RETURN(out->delay, Duration(*v));
    SB_RETURN_IF_ERROR(CheckAtMost(*v, out->delay, kMaxDelay));
  }
  if (auto v = map.Get("lookback")) {
    SB_ASSIGN_OR_RETURN(out->lookback, Duration(*v));
    SB_RETURN_IF_ERROR(CheckAtMost(*v, out->lookback, kMaxBackfill, ", what Statuspage keeps"));
  }
  if (auto v = map.Get("backfill")) {
    SB_ASSIGN_OR_RETURN(out->backfill, Duration(*v));
    SB_RETURN_IF_ERROR(CheckAtMost(*v, out->backfill, kMaxBackfill, ", what Statuspage keeps"));
  }
  return Status::Ok();
}

Status ConfigReader::ReadMetric(const Field& f, const Timing& defaults, const AwsConfig& aws,
                                MetricConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  const std::string path = MetricLabel(f, env());
  SB_ASSIGN_OR_RETURN(
      MapView map,
      MapView::Open(Field{path, f.node},
                    {"name", "statuspage_metric_id", "period", "delay", "lookback", "backfill",
                     "cloudwatch", "cloudwatch_math", "logs_insights", "queries", "expression",
                     "missing", "no_data", "region", "role_arn", "external_id", "session_name"}));
  if (auto name = map.Get("name")) {
    SB_ASSIGN_OR_RETURN(out->name,
                        NonEmptyText(Field{Child(f.path, "name"), name->node}, kNameText));
  } else {
    return Error(Child(f.path, "name"), "is required");
  }
  SB_ASSIGN_OR_RETURN(out->statuspage_metric_id, Required(map, "statuspage_metric_id", kNameText));

  Timing timing = defaults;
  SB_RETURN_IF_ERROR(ReadTiming(map, &timing));
  out->period = timing.period;
  out->delay = timing.delay;
  out->lookback = timing.lookback;
  out->backfill = timing.backfill;

  TargetOverride metric_target;
  SB_RETURN_IF_ERROR(ReadTarget(map, /*aws_section=*/false, &metric_target));
  bool single = false;
  SB_ASSIGN_OR_RETURN(Field source, ReadMetricQueries(map, aws, metric_target, out, &single));
  if (auto expression = map.Get("expression")) {
    SB_ASSIGN_OR_RETURN(out->expression, NonEmptyText(*expression, kExpressionText));
  }
  SB_RETURN_IF_ERROR(CheckExpression(*out, source, single, path));
  if (auto no_data = map.Get("no_data")) {
    SB_RETURN_IF_ERROR(ReadNoData(*no_data, &out->no_data));
  }
  return Status::Ok();
}

// The metric's one source (cloudwatch, cloudwatch_math, logs_insights: one query named "value",
// with the metric's missing) or its queries. Returns that block; sets `single` for a one-source
// metric.
Result<Field> ConfigReader::ReadMetricQueries(const MapView& map, const AwsConfig& aws,
                                              const TargetOverride& metric_target,
                                              MetricConfig* out, bool* single) const {
  std::vector<std::string_view> sources = QuerySources();
  sources.push_back("queries");
  std::vector<std::string_view> present = PresentKeys(map, sources);
  if (present.size() > 1) {
    return Error(map.path(), "set either " + std::string(present[0]) + " or " +
                                 std::string(present[1]) + ", not both");
  }
  if (present.empty()) {
    return Error(map.path(), "one of " + OrList(sources) + " is required");
  }
  *single = present[0] != "queries";
  Field source = *map.Get(present[0]);
  if (*single) {
    QueryConfig query;
    query.name = "value";
    SB_RETURN_IF_ERROR(ReadSource(source, present[0], out->period, &query));
    if (auto missing = map.Get("missing")) {
      SB_RETURN_IF_ERROR(ReadMissing(*missing, &query.missing));
    }
    query.target = ResolveTarget(aws, metric_target, TargetOverride{});
    out->queries.push_back(std::move(query));
    out->expression = "value";
    return source;
  }
  if (auto missing = map.Get("missing")) {
    return Error(missing->path, "with queries, set missing on each query (queries.<name>.missing)");
  }
  SB_RETURN_IF_ERROR(ReadQueries(source, out->period, aws, metric_target, &out->queries));
  if (!map.Has("expression")) {
    return Error(Child(map.path(), "expression"), "is required with queries");
  }
  return source;
}

// The metric's expression compiles over its query names and uses every query: one it ignores
// costs AWS requests for nothing, and is usually a typo.
Status ConfigReader::CheckExpression(const MetricConfig& metric, const Field& source, bool single,
                                     const std::string& path) const {
  std::vector<std::string> names;
  for (const auto& q : metric.queries) {
    names.push_back(q.name);
  }
  auto compiled = Expression::Compile(metric.expression, names);
  if (!compiled.ok()) {
    return Error(Child(path, "expression"), compiled.status().message());
  }
  const auto& used = compiled->used_variables();
  for (const auto& name : names) {
    if (std::find(used.begin(), used.end(), name) == used.end()) {
      std::string query_path = single ? source.path : Child(source.path, name);
      return Error(query_path, "not used in the expression " + Quote(metric.expression));
    }
  }
  return Status::Ok();
}

Status ConfigReader::ReadQueries(const Field& f, Seconds period, const AwsConfig& aws,
                                 const TargetOverride& metric_target,
                                 std::vector<QueryConfig>* out) const {
  if (f.node.IsNull() || (f.node.IsMap() && f.node.size() == 0)) {
    return Error(f.path, "at least one query is required");
  }
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f));
  for (const auto& [name, node] : map.entries()) {
    std::string path = Child(f.path, name);
    if (!IsIdentifier(name)) {
      return Error(path,
                   "a query name must be an identifier usable in the expression (letters, digits "
                   "and _, not starting with a digit)");
    }
    QueryConfig query;
    query.name = name;
    SB_RETURN_IF_ERROR(ReadQuery(Field{path, node}, period, aws, metric_target, &query));
    out->push_back(std::move(query));
  }
  return Status::Ok();
}

Status ConfigReader::ReadQuery(const Field& f, Seconds period, const AwsConfig& aws,
                               const TargetOverride& metric_target, QueryConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  std::vector<std::string_view> keys = QuerySources();
  keys.push_back("missing");
  keys.insert(keys.end(), TargetKeys().begin(), TargetKeys().end());
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, keys));
  std::vector<std::string_view> present = PresentKeys(map, QuerySources());
  if (present.size() > 1) {
    return Error(f.path, "set either " + std::string(present[0]) + " or " +
                             std::string(present[1]) + ", not both");
  }
  if (present.empty()) {
    return Error(f.path, "one of " + OrList(QuerySources()) + " is required");
  }
  SB_RETURN_IF_ERROR(ReadSource(*map.Get(present[0]), present[0], period, out));
  if (auto missing = map.Get("missing")) {
    SB_RETURN_IF_ERROR(ReadMissing(*missing, &out->missing));
  }
  TargetOverride query_target;
  SB_RETURN_IF_ERROR(ReadTarget(map, /*aws_section=*/false, &query_target));
  out->target = ResolveTarget(aws, metric_target, query_target);
  return Status::Ok();
}

Status ConfigReader::ReadMissing(const Field& f, MissingPolicy* out) const {
  SB_ASSIGN_OR_RETURN(std::string text, Text(f, "a number or unknown", kNameText));
  if (Trim(text) == "unknown") {
    out->value = std::nullopt;
    return Status::Ok();
  }
  auto v = ParseNumber(text);
  if (!v) {
    return Error(f.path, "must be a number or \"unknown\" (got " + Quote(text) + ")");
  }
  out->value = *v;
  return Status::Ok();
}

Status ConfigReader::ReadNoData(const Field& f, NoDataPolicy* out) const {
  SB_ASSIGN_OR_RETURN(std::string text, Text(f, "skip, hold or a number", kNameText));
  std::string_view t = Trim(text);
  if (t == "skip") {
    out->kind = NoDataPolicy::Kind::kSkip;
    return Status::Ok();
  }
  if (t == "hold") {
    out->kind = NoDataPolicy::Kind::kHold;
    return Status::Ok();
  }
  auto v = ParseNumber(t);
  if (!v) {
    return Error(f.path, "must be skip, hold or a number (got " + Quote(text) + ")");
  }
  out->kind = NoDataPolicy::Kind::kValue;
  out->value = *v;
  return Status::Ok();
}

}  // namespace statusbridge::pipeline::config_internal
