// The query sources: cloudwatch, cloudwatch_math and logs_insights (pipeline/config_reader.h).
// What AWS accepts is decided by aws/ (cloudwatch_rules.h, metric_math.h, logs_query.h); these
// readers call it and name the key.

#include <algorithm>
#include <optional>

#include "aws/cloudwatch_rules.h"
#include "aws/logs_query.h"
#include "aws/metric_math.h"
#include "pipeline/config_reader.h"

namespace statusbridge::pipeline::config_internal {
namespace {

constexpr TextRule kCloudWatchNameText{aws::kMaxMetricNameLength, false, false};
constexpr TextRule kDimensionValueText{aws::kMaxDimensionValueLength, false, false};
// A math query travels with its metrics in one GetMetricData call.
constexpr size_t kMaxMathMetrics = aws::kMaxQueriesPerCall - 1;

// The key of a logs_insights setting.
std::string_view SettingKey(aws::LogsSetting setting) {
  switch (setting) {
    case aws::LogsSetting::kQuery:
      break;
    case aws::LogsSetting::kTimeField:
      return "time_field";
    case aws::LogsSetting::kValueField:
      return "value_field";
  }
  return "query";
}

}  // namespace

// `key` is one of QuerySources(); `f` is its block.
Status ConfigReader::ReadSource(const Field& f, std::string_view key, Seconds period,
                                QueryConfig* out) const {
  if (key == "cloudwatch") {
    out->source = QueryConfig::Source::kCloudWatch;
    SB_RETURN_IF_ERROR(ReadCloudWatch(f, &out->cloudwatch));
    out->cloudwatch.period = period;
    return Status::Ok();
  }
  if (key == "cloudwatch_math") {
    out->source = QueryConfig::Source::kCloudWatchMath;
    return ReadMath(f, period, &out->math);
  }
  out->source = QueryConfig::Source::kLogsInsights;
  return ReadLogsInsights(f, period, &out->logs);
}

Status ConfigReader::ReadCloudWatch(const Field& f, aws::MetricStat* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  SB_ASSIGN_OR_RETURN(MapView map,
                      MapView::Open(f, {"namespace", "metric", "dimensions", "stat", "unit"}));
  SB_ASSIGN_OR_RETURN(out->namespace_name, Required(map, "namespace", kCloudWatchNameText));
  SB_ASSIGN_OR_RETURN(out->metric_name, Required(map, "metric", kCloudWatchNameText));
  if (auto dims = map.Get("dimensions")) {
    SB_RETURN_IF_ERROR(ReadDimensions(*dims, &out->dimensions));
  }
  SB_ASSIGN_OR_RETURN(out->stat, Required(map, "stat", kNameText));
  if (Status s = aws::CheckStatistic(out->stat); !s.ok()) {
    return Error(Child(f.path, "stat"), s.message());
  }
  if (auto unit = map.Get("unit")) {
    SB_ASSIGN_OR_RETURN(out->unit, NonEmptyText(*unit, kNameText));
    if (Status s = aws::CheckUnit(out->unit); !s.ok()) {
      return Error(unit->path, s.message());
    }
  }
  return Status::Ok();
}

Status ConfigReader::ReadDimensions(const Field& f, std::vector<aws::Dimension>* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f));
  if (map.entries().size() > aws::kMaxDimensions) {
    return Error(f.path, "at most " + std::to_string(aws::kMaxDimensions) + " dimensions (got " +
                             std::to_string(map.entries().size()) + ")");
  }
  for (const auto& [name, value] : map.entries()) {
    if (name.empty()) {
      return Error(f.path, "a dimension name must not be empty");
    }
    if (name.size() > aws::kMaxMetricNameLength) {
      return Error(Child(f.path, name), "a dimension name must be at most " +
                                            std::to_string(aws::kMaxMetricNameLength) +
                                            " bytes (got " + std::to_string(name.size()) + ")");
    }
    SB_ASSIGN_OR_RETURN(std::string text,
                        NonEmptyText(Field{Child(f.path, name), value}, kDimensionValueText));
    out->push_back(aws::Dimension{name, std::move(text)});
  }
  return Status::Ok();
}

// The expression and its metrics, checked by aws/metric_math.h's check-config rules.
Status ConfigReader::ReadMath(const Field& f, Seconds period, MathQueryConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"expression", "metrics"}));
  SB_ASSIGN_OR_RETURN(out->expression, Required(map, "expression", kMultiLineText));
  const std::string expression_path = Child(f.path, "expression");
  if (out->expression.size() > aws::kMaxExpressionLength) {
    return Error(expression_path, "must be at most " + std::to_string(aws::kMaxExpressionLength) +
                                      " characters (got " + std::to_string(out->expression.size()) +
                                      ")");
  }
  Result<aws::MathExpressionUse> use = aws::ReadMathExpression(out->expression);
  if (!use.ok()) {
    return Error(expression_path, use.status().message());
  }
  if (Status s = aws::CheckOneSeries(*use); !s.ok()) {
    return Error(expression_path, s.message());
  }
  const std::string metrics_path = Child(f.path, "metrics");
  if (auto metrics = map.Get("metrics")) {
    SB_RETURN_IF_ERROR(ReadMathMetrics(*metrics, period, out));
  }
  if (Status s = aws::CheckHasInputs(*use, out->metrics.size()); !s.ok()) {
    return Error(metrics_path, s.message());
  }
  std::vector<std::string_view> ids;
  for (const auto& [id, stat] : out->metrics) {
    ids.push_back(id);
  }
  if (Status s = aws::CheckInputsKnown(*use, ids); !s.ok()) {
    return Error(expression_path, s.message());
  }
  for (std::string_view id : ids) {
    if (Status s = aws::CheckInputUsed(*use, id); !s.ok()) {
      return Error(Child(metrics_path, id), s.message());
    }
  }
  return Status::Ok();
}

// cloudwatch_math.metrics: id -> a cloudwatch block, read at the metric's period.
Status ConfigReader::ReadMathMetrics(const Field& f, Seconds period, MathQueryConfig* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f));
  if (map.entries().size() > kMaxMathMetrics) {
    return Error(f.path, "at most " + std::to_string(kMaxMathMetrics) + " metrics (got " +
                             std::to_string(map.entries().size()) + ")");
  }
  for (const auto& [id, node] : map.entries()) {
    std::string path = Child(f.path, id);
    if (!aws::IsMetricId(id)) {
      return Error(path,
                   "a metric id must start with a lowercase letter and hold only letters, "
                   "digits and _ (CloudWatch's rule for ids)");
    }
    aws::MetricStat stat;
    SB_RETURN_IF_ERROR(ReadCloudWatch(Field{path, node}, &stat));
    stat.period = period;
    out->metrics.emplace_back(id, std::move(stat));
  }
  return Status::Ok();
}

Status ConfigReader::ReadLogsInsights(const Field& f, Seconds period,
                                      LogsInsightsQueryConfig* out) const {
  if (!f.node.IsMap()) {
    return Error(f.path, "expected a map, got " + Describe(f.node));
  }
  SB_ASSIGN_OR_RETURN(
      MapView map, MapView::Open(f, {"log_groups", "query", "value_field", "time_field", "limit"}));
  auto groups = map.Get("log_groups");
  if (!groups) {
    return Error(Child(f.path, "log_groups"), "is required");
  }
  SB_RETURN_IF_ERROR(ReadLogGroups(*groups, &out->log_groups));
  SB_ASSIGN_OR_RETURN(out->query, Required(map, "query", kMultiLineText));
  if (Status s = aws::ValidateLogsQueryText(out->query); !s.ok()) {
    return Error(Child(f.path, "query"), s.message());
  }
  SB_ASSIGN_OR_RETURN(out->value_field, Required(map, "value_field", kNameText));
  std::optional<std::string_view> time_field;
  if (auto v = map.Get("time_field")) {
    SB_ASSIGN_OR_RETURN(out->time_field, NonEmptyText(*v, kNameText));
    time_field = out->time_field;
  }
  if (auto v = map.Get("limit")) {
    SB_ASSIGN_OR_RETURN(out->limit, WholeNumber(*v, 1, aws::kMaxQueryLimit));
  }
  // One row per bucket: bin(<period>), time_field naming its column, a value_field the query
  // names (aws::CheckLogsBuckets).
  if (auto error = aws::CheckLogsBuckets(out->query, period, time_field, out->value_field)) {
    return Error(Child(f.path, SettingKey(error->setting)), error->status.message());
  }
  return Status::Ok();
}

// log_groups: a list of unique entries that StartQuery accepts (aws/logs_query.h).
Status ConfigReader::ReadLogGroups(const Field& f, std::vector<std::string>* out) const {
  if (f.node.IsNull() || (f.node.IsSequence() && f.node.size() == 0)) {
    return Error(f.path, aws::ValidateLogGroupCount(0).message());
  }
  if (!f.node.IsSequence()) {
    return Error(f.path, "expected a list, got " + Describe(f.node));
  }
  if (Status s = aws::ValidateLogGroupCount(f.node.size()); !s.ok()) {
    return Error(f.path, s.message());
  }
  for (size_t i = 0; i < f.node.size(); ++i) {
    const std::string path = f.path + "[" + std::to_string(i) + "]";
    SB_ASSIGN_OR_RETURN(std::string group, NonEmptyText(Field{path, f.node[i]}));
    auto same = std::find(out->begin(), out->end(), group);
    if (same != out->end()) {
      return Error(path, "duplicate log group (also log_groups[" +
                             std::to_string(same - out->begin()) + "])");
    }
    out->push_back(std::move(group));
  }
  for (size_t i = 0; i < out->size(); ++i) {
    if (Status s = aws::ValidateLogGroup((*out)[i]); !s.ok()) {
      return Error(f.path + "[" + std::to_string(i) + "]", s.message());
    }
  }
  return Status::Ok();
}

}  // namespace statusbridge::pipeline::config_internal
