#pragma once

// The validated configuration model, and the parser that builds it from YAML.
//
// Two layers (aesthetics.md C6): the YAML file shape is read and checked here, and what leaves
// this module is a fully defaulted, validated Config. Every error names the key path and the
// reason, e.g.
//   metrics[1] (api-reliability).queries.errors.cloudwatch.stat: unknown statistic "Avg"
// ${NAME} in any string value expands from the environment; an unset variable is an error naming
// it. No network is touched here.
//
// The user-facing contract is ../shared/docs/config-example.yaml; docs/config.md lists every key.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/cloudwatch_client.h"
#include "core/env.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"

namespace statusbridge::pipeline {

struct StatuspageConfig {
  std::string page_id;
  Secret api_key;                                  // from api_key or api_key_file (trimmed)
  std::string base_url = "https://api.statuspage.io/v1";
  double requests_per_second = 1.0;                // > 0; the documented limit is 1 per key
  int max_points_per_request = 3000;               // chunk size for the bulk endpoint
  Seconds timeout{30};
};

struct AwsConfig {
  std::string region;        // empty: AWS_REGION / AWS_DEFAULT_REGION
  std::string profile;       // empty: AWS_PROFILE / "default"
  std::string endpoint_url;  // empty: AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL / regional
};

struct StateConfig {
  std::string path = "statusbridge.db";  // "none": stateless mode
  bool stateless() const { return path == "none"; }
};

struct ScheduleConfig {
  Seconds interval{60};
};

// What to use for a query's bucket when CloudWatch returned no datapoint.
struct MissingPolicy {
  std::optional<double> value;  // nullopt: absent = unknown (the default); else absent = value
};

// What to publish when a metric's value for a bucket is undefined (an unknown input, division by
// zero, NaN or infinity).
struct NoDataPolicy {
  enum class Kind { kSkip, kHold, kValue };
  Kind kind = Kind::kSkip;
  double value = 0;  // for kValue
};

struct QueryConfig {
  std::string name;            // an identifier usable in the expression
  aws::MetricStat cloudwatch;  // period is the metric's period
  MissingPolicy missing;
};

struct MetricConfig {
  std::string name;                  // unique
  std::string statuspage_metric_id;
  Seconds period{60};                // multiple of 60
  Seconds delay{120};
  Seconds lookback{600};
  Seconds backfill{86400};           // at most 28 days
  std::vector<QueryConfig> queries;  // one for `cloudwatch:`, named "value"
  std::string expression;            // muParser syntax over query names; "value" for one query
  NoDataPolicy no_data;
};

struct Config {
  StatuspageConfig statuspage;
  AwsConfig aws;
  StateConfig state;
  ScheduleConfig schedule;
  std::vector<MetricConfig> metrics;
};

// Statuspage keeps (and accepts backfill for) 28 days.
inline constexpr Seconds kMaxBackfill{28 * 86400};

// Parses and validates. `base_dir` resolves a relative api_key_file (and is where relative
// state.path is kept as written). Returns the first error found.
Result<Config> ParseConfig(std::string_view yaml_text, const EnvLookup& env,
                           const std::string& base_dir = ".");

// Reads `path`, then ParseConfig with the file's directory as base_dir. A missing or unreadable
// file is an InvalidArgument naming it.
Result<Config> LoadConfigFile(const std::string& path, const EnvLookup& env);

}  // namespace statusbridge::pipeline
