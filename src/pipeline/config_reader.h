#pragma once

// Internal to pipeline/config*.cc: the reader that turns the config's YAML tree into a Config
// (pipeline/config.h), one method per section, spread over
//   config.cc             the document, statuspage, state, schedule, the metrics list
//   config_aws.cc         aws, aws.logs, and where each query is read (region, role)
//   config_metrics.cc     one metric: timing, its queries, expression, missing and no_data
//   config_sources.cc     the query sources: cloudwatch, cloudwatch_math, logs_insights
// AWS's own rules (statistics, units, regions, role ARNs, metric math, Logs queries) are
// functions of aws/ that these call and prefix with the key path.
//
// Thread-compatible: one reader per ParseConfig() call.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config.h"
#include "pipeline/config_values.h"

namespace statusbridge::pipeline::config_internal {

// Where a query is read, as one level (aws, a metric, a query) states it. Unset members inherit
// from the level above: query > metric > aws.
struct TargetOverride {
  std::optional<std::string> region;
  // Set when the level has role_arn, with the external_id and session_name written beside it
  // (a role's options never mix across levels). An empty role_arn is `role_arn: none`.
  std::optional<RoleConfig> role;
};

// The keys a metric or a query may carry to say where it is read.
const std::vector<std::string_view>& TargetKeys();

// The query sources, in the order messages list them.
const std::vector<std::string_view>& QuerySources();

// The target of a query: each member from the most specific level that sets it; the role's
// duration always from the aws section.
AwsTarget ResolveTarget(const AwsConfig& aws, const TargetOverride& metric,
                        const TargetOverride& query);

// Bucket timing shared by `defaults:` and each metric.
struct Timing {
  Seconds period{60};
  Seconds delay{120};
  Seconds lookback{600};
  Seconds backfill{86400};
};

class ConfigReader : public ValueReader {
 public:
  ConfigReader(const EnvLookup& env, std::string base_dir)
      : ValueReader(env), base_dir_(std::move(base_dir)) {}

  // The whole document. Returns the first error found.
  Result<Config> Read(const YamlNode& root);

 private:
  // config.cc
  Status ReadStatuspage(const Field& f, StatuspageConfig* out) const;
  Status ReadApiKey(const MapView& map, StatuspageConfig* out) const;
  Status ReadApiKeyFile(const Field& f, StatuspageConfig* out) const;
  Status ReadState(const Field& f, StateConfig* out) const;
  Status ReadSchedule(const Field& f, ScheduleConfig* out) const;
  Status ReadMetrics(const Field& f, const Timing& defaults, Config* config) const;

  // config_aws.cc
  Status ReadAws(const Field& f, AwsConfig* out) const;
  Status ReadLogs(const Field& f, LogsConfig* out) const;
  Status ReadTarget(const MapView& map, bool aws_section, TargetOverride* out) const;
  Status ReadRoleOptions(const MapView& map, RoleConfig* role) const;

  // config_metrics.cc
  Status ReadTiming(const MapView& map, Timing* out) const;
  Status ReadMetric(const Field& f, const Timing& defaults, const AwsConfig& aws,
                    MetricConfig* out) const;
  Result<Field> ReadMetricQueries(const MapView& map, const AwsConfig& aws,
                                  const TargetOverride& metric_target, MetricConfig* out,
                                  bool* single) const;
  Status CheckExpression(const MetricConfig& metric, const Field& source, bool single,
                         const std::string& path) const;
  Status ReadQueries(const Field& f, Seconds period, const AwsConfig& aws,
                     const TargetOverride& metric_target, std::vector<QueryConfig>* out) const;
  Status ReadQuery(const Field& f, Seconds period, const AwsConfig& aws,
                   const TargetOverride& metric_target, QueryConfig* out) const;
  Status ReadMissing(const Field& f, MissingPolicy* out) const;
  Status ReadNoData(const Field& f, NoDataPolicy* out) const;

  // config_sources.cc
  Status ReadSource(const Field& f, std::string_view key, Seconds period, QueryConfig* out) const;
  Status ReadCloudWatch(const Field& f, aws::MetricStat* out) const;
  Status ReadDimensions(const Field& f, std::vector<aws::Dimension>* out) const;
  Status ReadMath(const Field& f, Seconds period, MathQueryConfig* out) const;
  Status ReadMathMetrics(const Field& f, Seconds period, MathQueryConfig* out) const;
  Status ReadLogsInsights(const Field& f, Seconds period, LogsInsightsQueryConfig* out) const;
  Status ReadLogGroups(const Field& f, std::vector<std::string>* out) const;

  std::string base_dir_;
};

}  // namespace statusbridge::pipeline::config_internal
