#pragma once

// The validated configuration model, and the parser that builds it from YAML.
//
// Two layers (aesthetics.md C6): the YAML file shape is read and checked here, and what leaves
// this module is a fully defaulted, validated Config. Every error names the key path and the
// reason, e.g.
//   metrics[1] (api-reliability).queries.errors.cloudwatch.stat: unknown statistic "Avg"
// ${NAME} in any value expands from the environment (`$${` is a literal `${`); an unset variable is
// an error naming it. Unknown keys are errors (with a did-you-mean). API keys never appear in a
// message. No network is touched here.
//
// Everything in a Config returned by ParseConfig() has been checked: durations and numbers are in
// range (finite, no absurd values), URLs are http(s), statistics and units are ones CloudWatch
// knows, and each metric's expression compiles (pipeline/expression.h) over its query names and
// uses every query. Every string is valid UTF-8 without control characters (only queries and
// expressions may hold tabs and line breaks), names and ids are at most 256 bytes, and every
// value is within its documented size after ${NAME} expansion (docs/config.md, "Limits"), so a
// Config is safe to print and bounded in size. A value quoted in a message is escaped (\xNN).
//
// The user-facing contract is ../shared/docs/config-example.yaml; docs/config.md lists every key.
// The rules of AWS itself (statistics, units, regions, role ARNs, metric math, Logs Insights
// queries) are functions of aws/ that the reader calls and prefixes with the key path; the
// reader's own pieces are internal (pipeline/config_values.h, pipeline/config_reader.h).

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
  Secret api_key;                                         // from api_key or api_key_file (trimmed)
  std::string base_url = "https://api.statuspage.io/v1";  // http(s); trailing '/' removed
  double requests_per_second = 1.0;   // 0.01..10; the documented limit is 1 per key
  int max_points_per_request = 3000;  // chunk size for the bulk endpoint
  Seconds timeout{30};                // 1s..10m
};

// aws.logs: how Logs Insights queries are run.
struct LogsConfig {
  int max_concurrent_queries = 5;  // 1..100; queries in flight at once (account quota: 30-100)
  Seconds query_timeout{120};      // per cycle, for all Logs Insights queries of the cycle
};

// An assumed role: `role_arn` with its options. Empty role_arn means "no role: the credential
// chain's own identity".
struct RoleConfig {
  std::string role_arn;      // "arn:aws:iam::<12 digits>:role/<name>" (also arn:aws-cn, -us-gov)
  std::string external_id;   // optional, 2-1224 chars
  std::string session_name;  // optional, 2-64 chars [\w+=,.@-]; default "statusbridge"
  Seconds duration{3600};    // 900s..43200s
  friend bool operator==(const RoleConfig&, const RoleConfig&) = default;
};

// Where one query is read: the account (through a role) and the region. Resolved per query from
// query > metric > aws section; region empty means AWS_REGION / AWS_DEFAULT_REGION at run time.
struct AwsTarget {
  std::string region;
  RoleConfig role;
  friend bool operator==(const AwsTarget&, const AwsTarget&) = default;
};

struct AwsConfig {
  std::string region;        // empty: AWS_REGION / AWS_DEFAULT_REGION
  std::string profile;       // empty: AWS_PROFILE / "default"
  std::string endpoint_url;  // empty: AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL / regional
                             // (also used for Logs; STS has AWS_ENDPOINT_URL_STS)
  RoleConfig role;           // aws.role_arn, aws.external_id, aws.session_name, aws.duration
  LogsConfig logs;           // aws.logs.*
};

struct StateConfig {
  std::string path = "statusbridge.db";  // "none": stateless mode
  bool stateless() const { return path == "none"; }
};

struct ScheduleConfig {
  Seconds interval{60};  // 10s..1d
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

// A `logs_insights:` query: one value per bucket from a Logs Insights query.
struct LogsInsightsQueryConfig {
  std::vector<std::string> log_groups;  // names or ARNs (1..50)
  std::string query;                    // Logs Insights query language
  std::string value_field;              // the result column holding the value
  std::string time_field;               // the bin(...) column; empty only when one bucket per
                                        // window (period == the window, see check-config).
                                        // ParseConfig always sets it: a cycle's window can hold
                                        // several buckets, so it requires bin(<period>) and
                                        // time_field naming that column (docs/config.md).
  int limit = 0;                        // StartQuery limit; 0: not sent
};

// A `cloudwatch_math:` query: a CloudWatch metric-math expression evaluated by GetMetricData
// (e.g. "FILL(m1, 0)", "100 * (1 - m2 / m1)", "SEARCH('{AWS/ApplicationELB,LoadBalancer}
// RequestCount', 'Sum')"), with the metrics it references under their ids.
struct MathQueryConfig {
  std::string expression;
  std::vector<std::pair<std::string, aws::MetricStat>> metrics;  // id -> metric (period = metric's)
};

struct QueryConfig {
  enum class Source { kCloudWatch, kCloudWatchMath, kLogsInsights };

  std::string name;  // an identifier usable in the expression; "value" for `cloudwatch:`
  Source source = Source::kCloudWatch;
  aws::MetricStat cloudwatch;    // kCloudWatch; period is the metric's period
  MathQueryConfig math;          // kCloudWatchMath
  LogsInsightsQueryConfig logs;  // kLogsInsights
  MissingPolicy missing;
  AwsTarget target;  // where it is read (query > metric > aws overrides)
};

struct MetricConfig {
  std::string name;  // unique
  std::string statuspage_metric_id;
  Seconds period{60};                // multiple of 60, at most 1d
  Seconds delay{120};                // 0..1d
  Seconds lookback{600};             // 0..28d
  Seconds backfill{86400};           // at most 28 days
  std::vector<QueryConfig> queries;  // one for `cloudwatch:`, named "value"; else in YAML order
  std::string expression;            // muParser syntax over query names; "value" by default for
                                     // `cloudwatch:`. Compiles with Expression::Compile(expression,
                                     // names of queries in order).
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

// Parses and validates. `base_dir` resolves a relative api_key_file (a relative state.path is kept
// as written). Returns the first error found, as InvalidArgument "<path>: <reason>"; problems with
// the document itself (not YAML, empty, several documents) use the path "config" and give the
// line and column of a YAML syntax error.
Result<Config> ParseConfig(std::string_view yaml_text, const EnvLookup& env,
                           const std::string& base_dir = ".");

// Reads `path` (a regular file, or a symlink to one, of at most 16 MiB: core/file.h), then
// ParseConfig with the file's directory as base_dir. A missing, unreadable or oversized file, or
// one that is not a regular file (a FIFO would block forever), is InvalidArgument
// `cannot read config file "<path>": <reason>`, e.g. "is a FIFO (named pipe), not a regular file".
Result<Config> LoadConfigFile(const std::string& path, const EnvLookup& env);

}  // namespace statusbridge::pipeline
