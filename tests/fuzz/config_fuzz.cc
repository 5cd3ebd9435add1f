// Fuzzes the config parser through its entry point, ParseConfig(): YAML text (yaml-cpp's event
// parser, YamlTree, then the validating reader), with ${VAR} expansion from a fixed environment
// (short values, one with YAML syntax in it, an empty one and a 4 KiB one).
//
// Whatever the text, the result is a Config or an error, without a crash, a leak or a hang; and a
// Config that comes back keeps the promises of pipeline/config.h: every period is a whole number
// of minutes, backfill is at most kMaxBackfill, each metric's expression compiles over its query
// names, and every Logs Insights query's bin() matches its period and time_field. What
// check-config accepts, the client accepts too: each metric's CloudWatch queries (made as the
// collector makes them) plan into GetMetricData calls over its last ten buckets.
//
// statuspage.api_key_file reads whatever path it names (/dev/stdin would block the fuzzer), so an
// input whose api_key_file holds a '/' or starts with '~' is skipped (it is found with YamlTree,
// so escapes and anchors cannot hide one); a relative name resolves under a directory that does
// not exist.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/get_metric_data_plan.h"
#include "aws/logs_query.h"
#include "aws/metric_query.h"
#include "core/env.h"
#include "core/time.h"
#include "fuzz/fuzz_support.h"
#include "pipeline/config.h"
#include "pipeline/expression.h"
#include "pipeline/yaml_tree.h"

namespace statusbridge::fuzz {
namespace {

const EnvLookup& FuzzEnv() {
  static const EnvLookup env = MapEnv({
      {"PAGE_ID", "kctbh9vrtdwd"},
      {"STATUSPAGE_API_KEY", "api-key-from-env"},
      {"AWS_REGION", "eu-west-1"},
      {"REGION", "eu-west-1"},
      {"YAML", "{a: [1, 2], b: \"c\"}\n- d"},
      {"EMPTY", ""},
      {"BIG", std::string(4096, 'x')},
  });
  return env;
}

bool NamesAFile(std::string_view text) {
  auto tree = pipeline::YamlTree::Parse(text);
  if (!tree.ok() || !tree->root().IsMap()) {
    return false;  // ParseConfig refuses it before reading any file
  }
  const pipeline::YamlNode root = tree->root();
  for (size_t i = 0; i < root.size(); ++i) {
    const pipeline::YamlNode section = root.value(i);
    if (root.key(i).scalar() != "statuspage" || !section.IsMap()) {
      continue;
    }
    for (size_t j = 0; j < section.size(); ++j) {
      const std::string_view path = section.value(j).scalar();
      if (section.key(j).scalar() == "api_key_file" &&
          (path.find('/') != std::string_view::npos || (!path.empty() && path.front() == '~'))) {
        return true;
      }
    }
  }
  return false;
}

// The metric's CloudWatch queries, as pipeline/collector.cc's ToMetricQuery makes them.
std::vector<aws::MetricQuery> CloudWatchQueries(const pipeline::MetricConfig& m) {
  std::vector<aws::MetricQuery> queries;
  for (const pipeline::QueryConfig& q : m.queries) {
    aws::MetricQuery out;
    out.id = q.name;
    if (q.source == pipeline::QueryConfig::Source::kCloudWatch) {
      out.stat = q.cloudwatch;
    } else if (q.source == pipeline::QueryConfig::Source::kCloudWatchMath) {
      out.expression = q.math.expression;
      out.period = m.period;
      out.inputs = q.math.metrics;
    } else {
      continue;
    }
    queries.push_back(std::move(out));
  }
  return queries;
}

void CheckPlannable(const pipeline::MetricConfig& m) {
  const std::vector<aws::MetricQuery> queries = CloudWatchQueries(m);
  if (queries.empty()) {
    return;
  }
  const SystemTime end = AlignDown(FromUnixSeconds(kNow), m.period);
  const TimeWindow window{end - 10 * m.period, end};
  auto plan = aws::PlanGetMetricDataCalls(queries, window);
  FUZZ_CHECK(plan.ok(), m.name + ": check-config accepts what the client refuses: " +
                            plan.status().ToString());
}

void CheckConfig(const pipeline::Config& config) {
  for (const pipeline::MetricConfig& m : config.metrics) {
    FUZZ_CHECK(m.period.count() >= 60 && m.period.count() % 60 == 0, m.name);
    FUZZ_CHECK(m.backfill <= pipeline::kMaxBackfill, m.name);
    FUZZ_CHECK(!m.queries.empty(), m.name);
    std::vector<std::string> names;
    for (const pipeline::QueryConfig& q : m.queries) {
      names.push_back(q.name);
      if (q.source == pipeline::QueryConfig::Source::kLogsInsights) {
        Status bin = aws::CheckQueryBin(q.logs.query, m.period, q.logs.time_field);
        FUZZ_CHECK(bin.ok(), m.name + ": " + bin.ToString());
        Status groups = aws::ValidateLogGroups(q.logs.log_groups);
        FUZZ_CHECK(groups.ok(), m.name + ": " + groups.ToString());
      }
    }
    auto compiled = pipeline::Expression::Compile(m.expression, names);
    FUZZ_CHECK(compiled.ok(), m.name + ": " + compiled.status().ToString());
    CheckPlannable(m);
  }
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const std::string_view text = fuzz::AsText(data, size);
  // Only a double-quoted key can spell "api_key_file" with escapes.
  const bool may_name_a_file = text.find("api_key_file") != std::string_view::npos ||
                               text.find('\\') != std::string_view::npos;
  if (may_name_a_file && fuzz::NamesAFile(text)) {
    return 0;
  }
  Result<pipeline::Config> config =
      pipeline::ParseConfig(text, fuzz::FuzzEnv(), "/nonexistent/statusbridge-fuzz");
  if (config.ok()) {
    fuzz::CheckConfig(*config);
  }
  return 0;
}
