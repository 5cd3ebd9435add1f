#include "pipeline/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using ::statusbridge::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kTestdata = SB_SOURCE_DIR "/tests/pipeline/testdata";

EnvLookup TestEnv() {
  return MapEnv({{"STATUSPAGE_API_KEY", "sp-key-123"},
                 {"KEY", "secret-key-123"},
                 {"SPACEY_KEY", "secret key with spaces"},
                 {"EMPTY", ""},
                 {"MNAME", "from-env"},
                 {"LB", "app/my-alb/1"},
                 {"HOST", "127.0.0.1:8080"}});
}

// A fresh directory under the test temp dir.
std::string MakeTempDir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("config_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string ReadFixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------------------------------------
// Good configs

TEST(ConfigTest, ParsesTheContractExampleFieldByField) {
  auto config = LoadConfigFile(kTestdata + "/config_good.yaml", TestEnv());
  ASSERT_OK(config);

  EXPECT_EQ(config->statuspage.page_id, "kctbh9vrtdwd");
  EXPECT_EQ(config->statuspage.api_key.reveal(), "sp-key-123");
  EXPECT_EQ(config->statuspage.base_url, "https://api.statuspage.io/v1");
  EXPECT_EQ(config->statuspage.requests_per_second, 1.0);
  EXPECT_EQ(config->statuspage.max_points_per_request, 3000);
  EXPECT_EQ(config->statuspage.timeout, Seconds(30));

  EXPECT_EQ(config->aws.region, "eu-west-1");
  EXPECT_EQ(config->aws.profile, "");
  EXPECT_EQ(config->aws.endpoint_url, "");
  EXPECT_EQ(config->state.path, "statusbridge.db");
  EXPECT_FALSE(config->state.stateless());
  EXPECT_EQ(config->schedule.interval, Seconds(60));

  ASSERT_EQ(config->metrics.size(), 2u);
  const MetricConfig& alb = config->metrics[0];
  EXPECT_EQ(alb.name, "alb-requests");
  EXPECT_EQ(alb.statuspage_metric_id, "a1b2c3d4e5f6");
  EXPECT_EQ(alb.period, Seconds(60));
  EXPECT_EQ(alb.delay, Seconds(120));
  EXPECT_EQ(alb.lookback, Seconds(600));
  EXPECT_EQ(alb.backfill, Seconds(86400));
  EXPECT_EQ(alb.expression, "value");
  EXPECT_EQ(alb.no_data.kind, NoDataPolicy::Kind::kSkip);
  ASSERT_EQ(alb.queries.size(), 1u);
  EXPECT_EQ(alb.queries[0].name, "value");
  EXPECT_EQ(alb.queries[0].cloudwatch.namespace_name, "AWS/ApplicationELB");
  EXPECT_EQ(alb.queries[0].cloudwatch.metric_name, "RequestCount");
  EXPECT_THAT(alb.queries[0].cloudwatch.dimensions,
              ElementsAre(aws::Dimension{"LoadBalancer", "app/my-alb/50dc6c495c0c9188"}));
  EXPECT_EQ(alb.queries[0].cloudwatch.stat, "Sum");
  EXPECT_EQ(alb.queries[0].cloudwatch.unit, "");
  EXPECT_EQ(alb.queries[0].cloudwatch.period, Seconds(60));
  EXPECT_FALSE(alb.queries[0].missing.value.has_value());

  const MetricConfig& rel = config->metrics[1];
  EXPECT_EQ(rel.name, "api-reliability");
  EXPECT_EQ(rel.statuspage_metric_id, "f6e5d4c3b2a1");
  EXPECT_EQ(rel.period, Seconds(300));
  EXPECT_EQ(rel.delay, Seconds(120));
  EXPECT_EQ(rel.expression, "100 * (requests - errors) / requests");
  EXPECT_EQ(rel.no_data.kind, NoDataPolicy::Kind::kSkip);
  ASSERT_EQ(rel.queries.size(), 2u);
  EXPECT_EQ(rel.queries[0].name, "requests");
  EXPECT_EQ(rel.queries[0].cloudwatch.metric_name, "RequestCount");
  EXPECT_EQ(rel.queries[0].cloudwatch.period, Seconds(300));
  EXPECT_FALSE(rel.queries[0].missing.value.has_value());
  EXPECT_EQ(rel.queries[1].name, "errors");
  EXPECT_EQ(rel.queries[1].cloudwatch.metric_name, "HTTPCode_Target_5XX_Count");
  EXPECT_EQ(rel.queries[1].cloudwatch.stat, "Sum");
  EXPECT_EQ(rel.queries[1].cloudwatch.period, Seconds(300));
  ASSERT_TRUE(rel.queries[1].missing.value.has_value());
  EXPECT_EQ(*rel.queries[1].missing.value, 0);
}

TEST(ConfigTest, TheSharedContractFailsOnlyOnItsLogsInsightsMetric) {
  std::string text = ReadFixture(SB_SHARED_DIR "/docs/config-example.yaml");
  ASSERT_FALSE(text.empty());
  EXPECT_THAT(
      ParseConfig(text, TestEnv()),
      StatusIs(StatusCode::kInvalidArgument,
               "metrics[2] (api-response-time).logs_insights: not supported yet (planned)"));
}

constexpr const char* kMinimal = R"(
statuspage: {page_id: p1, api_key: k}
metrics:
  - name: m
    statuspage_metric_id: id1
    cloudwatch: {namespace: NS, metric: M, stat: Average}
)";

TEST(ConfigTest, AppliesDefaults) {
  auto config = ParseConfig(kMinimal, TestEnv());
  ASSERT_OK(config);
  EXPECT_EQ(config->statuspage.base_url, "https://api.statuspage.io/v1");
  EXPECT_EQ(config->statuspage.requests_per_second, 1.0);
  EXPECT_EQ(config->statuspage.max_points_per_request, 3000);
  EXPECT_EQ(config->statuspage.timeout, Seconds(30));
  EXPECT_EQ(config->aws.region, "");
  EXPECT_EQ(config->state.path, "statusbridge.db");
  EXPECT_EQ(config->schedule.interval, Seconds(60));
  const MetricConfig& m = config->metrics[0];
  EXPECT_EQ(m.period, Seconds(60));
  EXPECT_EQ(m.delay, Seconds(120));
  EXPECT_EQ(m.lookback, Seconds(600));
  EXPECT_EQ(m.backfill, Seconds(86400));
  EXPECT_EQ(m.no_data.kind, NoDataPolicy::Kind::kSkip);
  EXPECT_EQ(m.expression, "value");
  EXPECT_TRUE(m.queries[0].cloudwatch.dimensions.empty());
}

TEST(ConfigTest, DefaultsSectionAndPerMetricOverrides) {
  auto config = ParseConfig(R"(
statuspage:
  page_id: p1
  api_key: k
  base_url: "http://127.0.0.1:8080/v1/"
  requests_per_second: 0.5
  max_points_per_request: "100000"
  timeout: 1m30s
aws: {region: us-gov-west-1, profile: prod, endpoint_url: "http://127.0.0.1:5055"}
state: {path: none}
schedule: {interval: 10s}
defaults: {period: 2m, delay: 0s, lookback: 0, backfill: 28d}
metrics:
  - name: inherits
    statuspage_metric_id: id1
    cloudwatch: {namespace: NS, metric: M, stat: p99}
  - name: overrides
    statuspage_metric_id: id2
    period: 1h
    delay: 5m
    lookback: 2h
    backfill: 7d
    cloudwatch: {namespace: NS, metric: M, stat: Sum}
)",
                            TestEnv());
  ASSERT_OK(config);
  EXPECT_EQ(config->statuspage.base_url, "http://127.0.0.1:8080/v1");
  EXPECT_EQ(config->statuspage.requests_per_second, 0.5);
  EXPECT_EQ(config->statuspage.max_points_per_request, 100000);
  EXPECT_EQ(config->statuspage.timeout, Seconds(90));
  EXPECT_EQ(config->aws.region, "us-gov-west-1");
  EXPECT_EQ(config->aws.profile, "prod");
  EXPECT_EQ(config->aws.endpoint_url, "http://127.0.0.1:5055");
  EXPECT_TRUE(config->state.stateless());
  EXPECT_EQ(config->schedule.interval, Seconds(10));

  const MetricConfig& a = config->metrics[0];
  EXPECT_EQ(a.period, Seconds(120));
  EXPECT_EQ(a.delay, Seconds(0));
  EXPECT_EQ(a.lookback, Seconds(0));
  EXPECT_EQ(a.backfill, Seconds(28 * 86400));
  EXPECT_EQ(a.queries[0].cloudwatch.period, Seconds(120));
  const MetricConfig& b = config->metrics[1];
  EXPECT_EQ(b.period, Seconds(3600));
  EXPECT_EQ(b.delay, Seconds(300));
  EXPECT_EQ(b.lookback, Seconds(7200));
  EXPECT_EQ(b.backfill, Seconds(7 * 86400));
  EXPECT_EQ(b.queries[0].cloudwatch.period, Seconds(3600));
}

TEST(ConfigTest, ExpandsEnvironmentVariablesInEveryStringValue) {
  auto config = ParseConfig(R"(
statuspage:
  page_id: "page-${MNAME}"
  api_key: ${KEY}
  base_url: "http://${HOST}/v1"
metrics:
  - name: ${MNAME}
    statuspage_metric_id: "$${NOT_EXPANDED}-$$-$x-${EMPTY}"
    cloudwatch:
      namespace: NS
      metric: M
      dimensions: {LoadBalancer: "${LB}", Literal: "cost: $5"}
      stat: Sum
)",
                            TestEnv());
  ASSERT_OK(config);
  EXPECT_EQ(config->statuspage.page_id, "page-from-env");
  EXPECT_EQ(config->statuspage.api_key.reveal(), "secret-key-123");
  EXPECT_EQ(config->statuspage.base_url, "http://127.0.0.1:8080/v1");
  EXPECT_EQ(config->metrics[0].name, "from-env");
  EXPECT_EQ(config->metrics[0].statuspage_metric_id, "${NOT_EXPANDED}-$$-$x-");
  EXPECT_THAT(config->metrics[0].queries[0].cloudwatch.dimensions,
              ElementsAre(aws::Dimension{"LoadBalancer", "app/my-alb/1"},
                          aws::Dimension{"Literal", "cost: $5"}));
}

TEST(ConfigTest, ExpandedValuesAreNotExpandedAgain) {
  auto config = ParseConfig(R"(
statuspage: {page_id: "${P}", api_key: k}
metrics:
  - {name: m, statuspage_metric_id: id1, cloudwatch: {namespace: NS, metric: M, stat: Sum}}
)",
                            MapEnv({{"P", "${KEY}"}}));
  ASSERT_OK(config);
  EXPECT_EQ(config->statuspage.page_id, "${KEY}");
}

TEST(ConfigTest, ReadsApiKeyFileRelativeToBaseDirAndTrimsIt) {
  std::string dir = MakeTempDir("api_key_file");
  std::filesystem::create_directories(dir + "/secrets");
  WriteFile(dir + "/secrets/statuspage", "\n  file-key-456 \r\n\n");
  const char* yaml = R"(
statuspage: {page_id: p1, api_key_file: secrets/statuspage}
metrics:
  - {name: m, statuspage_metric_id: id1, cloudwatch: {namespace: NS, metric: M, stat: Sum}}
)";
  auto config = ParseConfig(yaml, TestEnv(), dir);
  ASSERT_OK(config);
  EXPECT_EQ(config->statuspage.api_key.reveal(), "file-key-456");

  // An absolute path ignores base_dir; ${VAR} works in the path too.
  auto absolute = ParseConfig(R"(
statuspage: {page_id: p1, api_key_file: "${DIR}/secrets/statuspage"}
metrics:
  - {name: m, statuspage_metric_id: id1, cloudwatch: {namespace: NS, metric: M, stat: Sum}}
)",
                              MapEnv({{"DIR", dir}}), "/nonexistent");
  ASSERT_OK(absolute);
  EXPECT_EQ(absolute->statuspage.api_key.reveal(), "file-key-456");

  // LoadConfigFile resolves it against the config file's directory.
  WriteFile(dir + "/statusbridge.yaml", yaml);
  auto loaded = LoadConfigFile(dir + "/statusbridge.yaml", TestEnv());
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->statuspage.api_key.reveal(), "file-key-456");

  WriteFile(dir + "/secrets/statuspage", " \n\t\n");
  EXPECT_THAT(ParseConfig(yaml, TestEnv(), dir),
              StatusIs(StatusCode::kInvalidArgument,
                       "statuspage.api_key_file: \"" + dir + "/secrets/statuspage\" is empty"));
  WriteFile(dir + "/secrets/statuspage", "file-key\nsecond-line\n");
  auto two_lines = ParseConfig(yaml, TestEnv(), dir);
  EXPECT_THAT(two_lines, StatusIs(StatusCode::kInvalidArgument,
                                  "statuspage.api_key_file: \"" + dir +
                                      "/secrets/statuspage\" must contain only the key (found "
                                      "whitespace or control characters inside it)"));
  EXPECT_THAT(two_lines.status().message(), Not(HasSubstr("file-key")));
}

TEST(ConfigTest, LoadConfigFileErrors) {
  EXPECT_THAT(LoadConfigFile("/nonexistent/statusbridge.yaml", TestEnv()),
              StatusIs(StatusCode::kInvalidArgument,
                       "cannot read config file \"/nonexistent/statusbridge.yaml\": No such file "
                       "or directory"));
  std::string dir = MakeTempDir("load_errors");
  EXPECT_THAT(LoadConfigFile(dir, TestEnv()),
              StatusIs(StatusCode::kInvalidArgument,
                       "cannot read config file \"" + dir + "\": Is a directory"));
  WriteFile(dir + "/bad.yaml", "statuspage: [\n");
  EXPECT_THAT(LoadConfigFile(dir + "/bad.yaml", TestEnv()),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("config: invalid YAML at line")));
}

TEST(ConfigTest, AcceptsEveryStatisticForm) {
  for (const char* stat : {"Sum",
                           "Average",
                           "Minimum",
                           "Maximum",
                           "SampleCount",
                           "p99",
                           "p99.9",
                           "p0",
                           "p100",
                           "p99.1234567890",
                           "P95",
                           "tm90",
                           "tm99.5",
                           "TM(10%:90%)",
                           "tm(10%:90%)",
                           "TM(:95%)",
                           "TM(5%:)",
                           "TM(150:1000)",
                           "TM(-5:5)",
                           "wm98",
                           "WM(10%:90%)",
                           "tc90",
                           "TC(0.005:0.030)",
                           "ts90",
                           "TS(80%:)",
                           "PR(:300)",
                           "PR(100:2000)",
                           "PR(0.5:)",
                           "IQM"}) {
    std::string yaml = std::string(R"(
statuspage: {page_id: p1, api_key: k}
metrics:
  - {name: m, statuspage_metric_id: id1, cloudwatch: {namespace: NS, metric: M, stat: ")") +
                       stat + "\"}}\n";
    auto config = ParseConfig(yaml, TestEnv());
    ASSERT_TRUE(config.ok()) << stat << ": " << config.status().ToString();
    EXPECT_EQ(config->metrics[0].queries[0].cloudwatch.stat, stat);
  }
}

TEST(ConfigTest, AcceptsUnitsAndPolicies) {
  auto config = ParseConfig(R"(
statuspage: {page_id: p1, api_key: k}
metrics:
  - name: latency
    statuspage_metric_id: id1
    cloudwatch: {namespace: NS, metric: M, stat: p99, unit: Milliseconds}
    missing: unknown
    no_data: hold
  - name: errors
    statuspage_metric_id: id2
    cloudwatch: {namespace: NS, metric: M, stat: Sum, unit: Count/Second}
    missing: 0
    expression: "value * 60"
    no_data: -1.5
  - name: ratio
    statuspage_metric_id: id3
    queries:
      a: {cloudwatch: {namespace: NS, metric: A, stat: Sum}, missing: 2.5}
      b: {cloudwatch: {namespace: NS, metric: B, stat: Sum}, missing: unknown}
    expression: "b > 0 ? a / b : 0"
    no_data: 0
)",
                            TestEnv());
  ASSERT_OK(config);
  const auto& m = config->metrics;
  EXPECT_EQ(m[0].queries[0].cloudwatch.unit, "Milliseconds");
  EXPECT_FALSE(m[0].queries[0].missing.value.has_value());
  EXPECT_EQ(m[0].no_data.kind, NoDataPolicy::Kind::kHold);
  EXPECT_EQ(m[1].queries[0].cloudwatch.unit, "Count/Second");
  EXPECT_EQ(m[1].queries[0].missing.value, 0.0);
  EXPECT_EQ(m[1].expression, "value * 60");
  EXPECT_EQ(m[1].no_data.kind, NoDataPolicy::Kind::kValue);
  EXPECT_EQ(m[1].no_data.value, -1.5);
  ASSERT_EQ(m[2].queries.size(), 2u);
  EXPECT_EQ(m[2].queries[0].name, "a");
  EXPECT_EQ(m[2].queries[0].missing.value, 2.5);
  EXPECT_EQ(m[2].queries[1].name, "b");
  EXPECT_FALSE(m[2].queries[1].missing.value.has_value());
  EXPECT_EQ(m[2].no_data.kind, NoDataPolicy::Kind::kValue);
  EXPECT_EQ(m[2].no_data.value, 0);
}

TEST(ConfigTest, KeepsDimensionAndQueryOrderAsWritten) {
  auto config = ParseConfig(R"(
statuspage: {page_id: p1, api_key: k}
metrics:
  - name: m
    statuspage_metric_id: id1
    queries:
      zeta:
        cloudwatch:
          namespace: NS
          metric: M
          dimensions: {Zone: z, Account: a, Middle: m}
          stat: Sum
      alpha: {cloudwatch: {namespace: NS, metric: M, stat: Sum}}
    expression: zeta + alpha
)",
                            TestEnv());
  ASSERT_OK(config);
  const auto& q = config->metrics[0].queries;
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].name, "zeta");
  EXPECT_EQ(q[1].name, "alpha");
  EXPECT_THAT(q[0].cloudwatch.dimensions,
              ElementsAre(aws::Dimension{"Zone", "z"}, aws::Dimension{"Account", "a"},
                          aws::Dimension{"Middle", "m"}));
}

// ---------------------------------------------------------------------------------------------
// Bad configs: each row is a whole config and the exact message it must produce.

constexpr const char* kHead = "statuspage: {page_id: p1, api_key: k}\n";
constexpr const char* kOneMetric =
    "metrics:\n"
    "  - {name: m, statuspage_metric_id: id1, cloudwatch: {namespace: NS, metric: M, stat: "
    "Sum}}\n";

// kHead + a metrics list holding one metric whose body is `body` (flow-style map content).
std::string WithMetric(const std::string& body) {
  return std::string(kHead) + "metrics:\n  - {" + body + "}\n";
}

// kHead + one metric named m with id id1 and the given extra body.
std::string M(const std::string& rest) {
  return WithMetric("name: m, statuspage_metric_id: id1, " + rest);
}

// One metric with a cloudwatch block made of `cw`.
std::string Cw(const std::string& cw) { return M("cloudwatch: {" + cw + "}"); }

std::string Dimensions(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += (i ? ", D" : "D") + std::to_string(i) + ": v";
  }
  return out;
}

struct BadCase {
  std::string yaml;
  std::string message;
};

std::vector<BadCase> BadCases() {
  const std::string sp = "statuspage: ";
  const std::string cw_ok = "cloudwatch: {namespace: NS, metric: M, stat: Sum}";
  return {
      // The document itself.
      {"", "config: empty document (expected the statuspage and metrics sections)"},
      {"# only a comment\n",
       "config: empty document (expected the statuspage and metrics sections)"},
      {"[]", "config: expected a map at the top level, got a list"},
      {"42", "config: expected a map at the top level, got a single value"},
      {"statuspage: {page_id: p1\nmetrics: []\n",
       "config: invalid YAML at line 2, column 8: end of map flow not found"},
      {"a: 1\n---\nb: 2\n", "config: expected one YAML document, found 2"},
      {std::string("statuspage: {}\0", 15), "config: contains a NUL byte (is it a text file?)"},
      {std::string(600, '[') + std::string(600, ']'),
       "config: invalid YAML: nested more than 499 levels deep"},
      {std::string(kHead) + kOneMetric + "metric: []\n",
       "metric: unknown key (did you mean \"metrics\"?)"},
      {std::string(kHead) + kOneMetric + "logging: {}\n",
       "logging: unknown key (expected one of: statuspage, aws, state, schedule, defaults, "
       "metrics)"},
      {std::string(kHead) + kHead + kOneMetric, "statuspage: duplicate key"},
      {std::string(kHead) + kOneMetric + "[a]: 1\n",
       "config: keys must be plain names, got a list"},

      // statuspage
      {kOneMetric, "statuspage: is required"},
      {sp + "[]\n" + kOneMetric, "statuspage: expected a map, got a list"},
      {sp + "{api_key: k}\n" + kOneMetric, "statuspage.page_id: is required"},
      {sp + "{page_id: \"\", api_key: k}\n" + kOneMetric, "statuspage.page_id: must not be empty"},
      {sp + "{page_id: , api_key: k}\n" + kOneMetric, "statuspage.page_id: has no value"},
      {sp + "{page_id: {a: 1}, api_key: k}\n" + kOneMetric,
       "statuspage.page_id: expected a string, got a map"},
      {sp + "{page_id: [p1], api_key: k}\n" + kOneMetric,
       "statuspage.page_id: expected a string, got a list"},
      {sp + "{page_id: p1, pageid: p2, api_key: k}\n" + kOneMetric,
       "statuspage.pageid: unknown key (did you mean \"page_id\"?)"},
      {sp + "{page_id: p1, api_key: k, api_key_file: f}\n" + kOneMetric,
       "statuspage: set only one of api_key and api_key_file"},
      {sp + "{page_id: p1}\n" + kOneMetric, "statuspage: api_key or api_key_file is required"},
      {sp + "{page_id: p1, api_key: \"${STATUSPAGE_API_KEY_TYPO}\"}\n" + kOneMetric,
       "statuspage.api_key: environment variable STATUSPAGE_API_KEY_TYPO is not set"},
      {sp + "{page_id: p1, api_key: \"${EMPTY}\"}\n" + kOneMetric,
       "statuspage.api_key: must not be empty"},
      {sp + "{page_id: p1, api_key: \"${SPACEY_KEY}\"}\n" + kOneMetric,
       "statuspage.api_key: must not contain whitespace or control characters"},
      {sp + "{page_id: p1, api_key_file: missing.txt}\n" + kOneMetric,
       "statuspage.api_key_file: cannot read \"/nonexistent-base/missing.txt\": No such file or "
       "directory"},
      {sp + "{page_id: p1, api_key_file: \"\"}\n" + kOneMetric,
       "statuspage.api_key_file: must not be empty"},
      {sp + "{page_id: p1, api_key: k, base_url: \"ftp://example.com\"}\n" + kOneMetric,
       "statuspage.base_url: invalid URL \"ftp://example.com\": scheme must be http or https"},
      {sp + "{page_id: p1, api_key: k, base_url: \"api.statuspage.io/v1\"}\n" + kOneMetric,
       "statuspage.base_url: invalid URL \"api.statuspage.io/v1\": missing scheme"},
      {sp + "{page_id: p1, api_key: k, base_url: \"https://user:hunter2@example.com\"}\n" +
           kOneMetric,
       "statuspage.base_url: credentials in URLs are not supported"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: 0}\n" + kOneMetric,
       "statuspage.requests_per_second: must be greater than 0 (got 0)"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: -2}\n" + kOneMetric,
       "statuspage.requests_per_second: must be greater than 0 (got -2)"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: fast}\n" + kOneMetric,
       "statuspage.requests_per_second: expected a number, got \"fast\""},
      {sp + "{page_id: p1, api_key: k, requests_per_second: .inf}\n" + kOneMetric,
       "statuspage.requests_per_second: expected a number, got \".inf\""},
      {sp + "{page_id: p1, api_key: k, requests_per_second: [1]}\n" + kOneMetric,
       "statuspage.requests_per_second: expected a number, got a list"},
      {sp + "{page_id: p1, api_key: k, max_points_per_request: 0}\n" + kOneMetric,
       "statuspage.max_points_per_request: must be a whole number between 1 and 100000 (got 0)"},
      {sp + "{page_id: p1, api_key: k, max_points_per_request: 100001}\n" + kOneMetric,
       "statuspage.max_points_per_request: must be a whole number between 1 and 100000 (got "
       "100001)"},
      {sp + "{page_id: p1, api_key: k, max_points_per_request: 2.5}\n" + kOneMetric,
       "statuspage.max_points_per_request: must be a whole number between 1 and 100000 (got "
       "2.5)"},
      {sp + "{page_id: p1, api_key: k, timeout: 0s}\n" + kOneMetric,
       "statuspage.timeout: must be greater than 0s"},
      {sp + "{page_id: p1, api_key: k, timeout: 5x}\n" + kOneMetric,
       "statuspage.timeout: invalid duration \"5x\": unknown unit 'x' (use s, m, h or d)"},
      {sp + "{page_id: \"${P\", api_key: k}\n" + kOneMetric,
       "statuspage.page_id: unterminated \"${\" (close it with \"}\", or write \"$${\" for a "
       "literal \"${\")"},
      {sp + "{page_id: \"${1P}\", api_key: k}\n" + kOneMetric,
       "statuspage.page_id: invalid environment variable name \"1P\" in \"${...}\""},
      {sp + "{page_id: \"${}\", api_key: k}\n" + kOneMetric,
       "statuspage.page_id: invalid environment variable name \"\" in \"${...}\""},

      // aws, state, schedule
      {std::string(kHead) + "aws: {role_arn: \"arn:aws:iam::1:role/r\"}\n" + kOneMetric,
       "aws.role_arn: not supported yet (planned)"},
      {std::string(kHead) + "aws: {logs: {endpoint_url: \"http://x\"}}\n" + kOneMetric,
       "aws.logs: not supported yet (planned)"},
      {std::string(kHead) + "aws: {regoin: eu-west-1}\n" + kOneMetric,
       "aws.regoin: unknown key (did you mean \"region\"?)"},
      {std::string(kHead) + "aws: {region: EU West}\n" + kOneMetric,
       "aws.region: invalid region \"EU West\" (expected e.g. eu-west-1)"},
      {std::string(kHead) + "aws: {endpoint_url: \"localhost:5055\"}\n" + kOneMetric,
       "aws.endpoint_url: invalid URL \"localhost:5055\": missing scheme"},
      {std::string(kHead) + "aws: [eu-west-1]\n" + kOneMetric, "aws: expected a map, got a list"},
      {std::string(kHead) + "state: {path: \"\"}\n" + kOneMetric, "state.path: must not be empty"},
      {std::string(kHead) + "state: statusbridge.db\n" + kOneMetric,
       "state: expected a map, got a single value"},
      {std::string(kHead) + "schedule: {interval: 5s}\n" + kOneMetric,
       "schedule.interval: must be at least 10s (got 5s)"},
      {std::string(kHead) + "schedule: {every: 1m}\n" + kOneMetric,
       "schedule.every: unknown key (expected one of: interval)"},

      // defaults and per-metric timing
      {std::string(kHead) + "defaults: {period: 90s}\n" + kOneMetric,
       "defaults.period: must be a whole number of minutes, at least 1m (got 90s)"},
      {std::string(kHead) + "defaults: {period: 30s}\n" + kOneMetric,
       "defaults.period: must be a whole number of minutes, at least 1m (got 30s)"},
      {std::string(kHead) + "defaults: {period: 0}\n" + kOneMetric,
       "defaults.period: must be a whole number of minutes, at least 1m (got 0s)"},
      {std::string(kHead) + "defaults: {backfill: 30d}\n" + kOneMetric,
       "defaults.backfill: must be at most 28d, what Statuspage keeps (got 30d)"},
      {std::string(kHead) + "defaults: {delay: -1m}\n" + kOneMetric,
       "defaults.delay: invalid duration \"-1m\": expected a number followed by s, m, h or d"},
      {std::string(kHead) + "defaults: {lookback: 1h30}\n" + kOneMetric,
       "defaults.lookback: invalid duration \"1h30\": missing unit"},
      {std::string(kHead) + "defaults: {lookback: \"\"}\n" + kOneMetric,
       "defaults.lookback: empty duration"},
      {std::string(kHead) + "defaults: {interval: 1m}\n" + kOneMetric,
       "defaults.interval: unknown key (expected one of: period, delay, lookback, backfill)"},
      {M("period: 5m30s, " + cw_ok),
       "metrics[0] (m).period: must be a whole number of minutes, at least 1m (got 330s)"},
      {M("backfill: 29d, " + cw_ok),
       "metrics[0] (m).backfill: must be at most 28d, what Statuspage keeps (got 29d)"},
      {M("delay: {a: 1}, " + cw_ok), "metrics[0] (m).delay: expected a duration, got a map"},

      // metrics list and metric identity
      {kHead, "metrics: is required (a list with at least one metric)"},
      {std::string(kHead) + "metrics: []\n", "metrics: at least one metric is required"},
      {std::string(kHead) + "metrics:\n", "metrics: at least one metric is required"},
      {std::string(kHead) + "metrics: {m: {}}\n", "metrics: expected a list, got a map"},
      {std::string(kHead) + "metrics: [42]\n", "metrics[0]: expected a map, got a single value"},
      {std::string(kHead) + "metrics: [[]]\n", "metrics[0]: expected a map, got a list"},
      {std::string(kHead) + "metrics:\n  -\n", "metrics[0]: expected a map, got nothing"},
      {WithMetric("statuspage_metric_id: id1, " + cw_ok), "metrics[0].name: is required"},
      {WithMetric("name: \"\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must not be empty"},
      {WithMetric("name: [m], statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: expected a string, got a list"},
      {WithMetric("name: m, " + cw_ok), "metrics[0] (m).statuspage_metric_id: is required"},
      {WithMetric("name: m, statuspage_metric_id: id1, metric_id: x, " + cw_ok),
       "metrics[0] (m).metric_id: unknown key (did you mean \"statuspage_metric_id\"?)"},
      {std::string(kHead) + kOneMetric + "  - {name: m, statuspage_metric_id: id2, " + cw_ok +
           "}\n",
       "metrics[1] (m).name: duplicate metric name (also metrics[0])"},
      {std::string(kHead) + kOneMetric + "  - {name: n, statuspage_metric_id: id1, " + cw_ok +
           "}\n",
       "metrics[1] (n).statuspage_metric_id: \"id1\" is already used by metrics[0] (m)"},
      {M("cloudwatch: {namespace: NS, metric: M, stat: Sum}, queries: {a: {}}"),
       "metrics[0] (m): set either cloudwatch or queries, not both"},
      {M("no_data: skip"), "metrics[0] (m): one of cloudwatch or queries is required"},
      {WithMetric("name: api-response-time, statuspage_metric_id: id1, logs_insights: "
                  "{log_groups: [/ecs/api]}"),
       "metrics[0] (api-response-time).logs_insights: not supported yet (planned)"},
      {WithMetric("name: \"${MNAME}\", statuspage_metric_id: id1, cloudwatch: {namespace: NS, "
                  "metric: M, stat: Avg}"),
       "metrics[0] (from-env).cloudwatch.stat: unknown statistic \"Avg\""},

      // cloudwatch
      {Cw("namespace: NS, metric: M, statistic: Sum"),
       "metrics[0] (m).cloudwatch.statistic: unknown key (did you mean \"stat\"?)"},
      {Cw("namespace: NS, metric: M, stat: Sum, dimension: {A: b}"),
       "metrics[0] (m).cloudwatch.dimension: unknown key (did you mean \"dimensions\"?)"},
      {Cw("metric: M, stat: Sum"), "metrics[0] (m).cloudwatch.namespace: is required"},
      {Cw("namespace: NS, stat: Sum"), "metrics[0] (m).cloudwatch.metric: is required"},
      {Cw("namespace: NS, metric: M"), "metrics[0] (m).cloudwatch.stat: is required"},
      {M("cloudwatch: AWS/ApplicationELB"),
       "metrics[0] (m).cloudwatch: expected a map, got a single value"},
      {M("cloudwatch: "), "metrics[0] (m).cloudwatch: expected a map, got nothing"},
      {Cw("namespace: NS, metric: M, stat: sum"),
       "metrics[0] (m).cloudwatch.stat: unknown statistic \"sum\" (did you mean \"Sum\"?)"},
      {Cw("namespace: NS, metric: M, stat: p101"),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"p101\": the percentile must be "
       "between 0 and 100"},
      {Cw("namespace: NS, metric: M, stat: p99.12345678901"),
       "metrics[0] (m).cloudwatch.stat: unknown statistic \"p99.12345678901\""},
      {Cw("namespace: NS, metric: M, stat: tm101"),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"tm101\": the percentage must be "
       "between 0 and 100"},
      {Cw("namespace: NS, metric: M, stat: \"TM(90%:10%)\""),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"TM(90%:10%)\": the lower bound must "
       "be below the upper bound"},
      {Cw("namespace: NS, metric: M, stat: \"TM(10%:90)\""),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"TM(10%:90)\": both bounds must be "
       "percentages or both absolute values"},
      {Cw("namespace: NS, metric: M, stat: \"WM(10%:120%)\""),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"WM(10%:120%)\": percentages must be "
       "between 0% and 100%"},
      {Cw("namespace: NS, metric: M, stat: \"TC(:)\""),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"TC(:)\": give a lower bound, an "
       "upper bound or both"},
      {Cw("namespace: NS, metric: M, stat: \"TS(10%)\""),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"TS(10%)\": expected bounds like "
       "(10%:90%), (:95%) or (150:1000)"},
      {Cw("namespace: NS, metric: M, stat: \"PR(10%:20%)\""),
       "metrics[0] (m).cloudwatch.stat: invalid statistic \"PR(10%:20%)\": PR bounds are "
       "absolute values, not percentages"},
      {Cw("namespace: NS, metric: M, stat: Sum, unit: count"),
       "metrics[0] (m).cloudwatch.unit: unknown unit \"count\" (did you mean \"Count\"?)"},
      {Cw("namespace: NS, metric: M, stat: Sum, unit: Furlongs"),
       "metrics[0] (m).cloudwatch.unit: unknown unit \"Furlongs\""},
      {Cw("namespace: NS, metric: M, stat: Sum, dimensions: [LoadBalancer]"),
       "metrics[0] (m).cloudwatch.dimensions: expected a map, got a list"},
      {Cw("namespace: NS, metric: M, stat: Sum, dimensions: {LoadBalancer: \"\"}"),
       "metrics[0] (m).cloudwatch.dimensions.LoadBalancer: must not be empty"},
      {Cw("namespace: NS, metric: M, stat: Sum, dimensions: {LoadBalancer: {a: b}}"),
       "metrics[0] (m).cloudwatch.dimensions.LoadBalancer: expected a string, got a map"},
      {Cw("namespace: NS, metric: M, stat: Sum, dimensions: {LoadBalancer: \"${LB_TYPO}\"}"),
       "metrics[0] (m).cloudwatch.dimensions.LoadBalancer: environment variable LB_TYPO is not "
       "set"},
      {Cw("namespace: NS, metric: M, stat: Sum, dimensions: {A: x, A: y}"),
       "metrics[0] (m).cloudwatch.dimensions.A: duplicate key"},
      {Cw("namespace: NS, metric: M, stat: Sum, dimensions: {" + Dimensions(31) + "}"),
       "metrics[0] (m).cloudwatch.dimensions: at most 30 dimensions (got 31)"},

      // queries, expression, missing, no_data
      {M("queries: {}, expression: a"), "metrics[0] (m).queries: at least one query is required"},
      {M("queries: [a], expression: a"), "metrics[0] (m).queries: expected a map, got a list"},
      {M("queries: {5xx: {" + cw_ok + "}}, expression: a"),
       "metrics[0] (m).queries.5xx: a query name must be an identifier usable in the expression "
       "(letters, digits and _, not starting with a digit)"},
      {M("queries: {a: [x]}, expression: a"),
       "metrics[0] (m).queries.a: expected a map, got a list"},
      {M("queries: {a: {missing: 0}}, expression: a"),
       "metrics[0] (m).queries.a.cloudwatch: is required"},
      {M("queries: {a: {" + cw_ok + ", missng: 0}}, expression: a"),
       "metrics[0] (m).queries.a.missng: unknown key (did you mean \"missing\"?)"},
      {M("queries: {a: {logs_insights: {query: q}}}, expression: a"),
       "metrics[0] (m).queries.a.logs_insights: not supported yet (planned)"},
      {M("queries: {a: {cloudwatch: {namespace: NS, metric: M, stat: Avg}}}, expression: a"),
       "metrics[0] (m).queries.a.cloudwatch.stat: unknown statistic \"Avg\""},
      {M("queries: {a: {" + cw_ok + "}}"), "metrics[0] (m).expression: is required with queries"},
      {M("queries: {a: {" + cw_ok + "}}, expression: \"\""),
       "metrics[0] (m).expression: must not be empty"},
      {M("queries: {requests: {" + cw_ok + "}, errors: {" + cw_ok +
         "}}, expression: \"100 * (requests - errror) / requests\""),
       "metrics[0] (m).expression: unknown variable \"errror\" (known: requests, errors)"},
      {M("queries: {a: {" + cw_ok + "}}, expression: \"a +\""),
       "metrics[0] (m).expression: syntax error: unexpected end of expression at position 4"},
      {M("queries: {a: {" + cw_ok + "}}, expression: \"a = 1\""),
       "metrics[0] (m).expression: assignment \"=\" is not allowed (use \"==\" to compare)"},
      {M("queries: {a: {" + cw_ok + "}, b: {" + cw_ok + "}}, expression: \"a * 2\""),
       "metrics[0] (m).queries.b: not used in the expression \"a * 2\""},
      {M(cw_ok + ", expression: \"valu * 2\""),
       "metrics[0] (m).expression: unknown variable \"valu\" (known: value)"},
      {M(cw_ok + ", expression: \"42\""),
       "metrics[0] (m).cloudwatch: not used in the expression \"42\""},
      {M("queries: {a: {" + cw_ok + ", missing: zero}}, expression: a"),
       "metrics[0] (m).queries.a.missing: must be a number or \"unknown\" (got \"zero\")"},
      {M("queries: {a: {" + cw_ok + ", missing: }}, expression: a"),
       "metrics[0] (m).queries.a.missing: has no value"},
      {M("queries: {a: {" + cw_ok + "}}, expression: a, missing: 0"),
       "metrics[0] (m).missing: with queries, set missing on each query "
       "(queries.<name>.missing)"},
      {M(cw_ok + ", missing: [0]"),
       "metrics[0] (m).missing: expected a number or unknown, got a list"},
      {M(cw_ok + ", no_data: zero"),
       "metrics[0] (m).no_data: must be skip, hold or a number (got \"zero\")"},
      {M(cw_ok + ", no_data: {hold: true}"),
       "metrics[0] (m).no_data: expected skip, hold or a number, got a map"},
      {M(cw_ok + ", no_data: nan"),
       "metrics[0] (m).no_data: must be skip, hold or a number (got \"nan\")"},
  };
}

TEST(ConfigTest, BadConfigsTable) {
  auto cases = BadCases();
  EXPECT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    auto config = ParseConfig(c.yaml, TestEnv(), "/nonexistent-base");
    EXPECT_THAT(config, StatusIs(StatusCode::kInvalidArgument, c.message))
        << c.yaml << "\ngot: " << config.status().ToString();
  }
}

TEST(ConfigTest, SecretsNeverAppearInErrors) {
  // The key is valid as far as the key goes; something later fails. And the key itself fails.
  for (const char* yaml : {
           "statuspage: {page_id: p1, api_key: \"${SPACEY_KEY}\"}\n",
           "statuspage: {page_id: p1, api_key: \"${KEY}\", timeout: 0s}\n",
           "statuspage: {page_id: p1, api_key: \"${KEY}\", base_url: \"https://${KEY}@x\"}\n",
           "statuspage: {page_id: p1, api_key: \"${KEY}\", api_key_file: /x}\n",
       }) {
    auto config = ParseConfig(std::string(yaml) + kOneMetric, TestEnv());
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_THAT(config.status().message(), Not(HasSubstr("secret"))) << yaml;
  }
}

TEST(ConfigTest, HostileInputsGiveErrorsNotCrashes) {
  std::vector<std::string> inputs = {
      std::string("\0\0\0", 3),
      "\xff\xfe\x00\x01junk",
      std::string(1 << 16, '\x01'),
      std::string(5000, '[') + std::string(5000, ']'),
      std::string(5000, '{'),
      "metrics: " + std::string(3000, '[') + std::string(3000, ']'),
      "- - - - - - - - - - -\n",
      "statuspage: &a [*a]\n",
      "a: &x 1\nb: *y\n",
      "!!binary aGVsbG8=",
      "? [complex, key]\n: value\n",
      "statuspage: !!map {page_id: !!seq [x]}\n",
      "\t\tstatuspage: {}\n",
      std::string(kHead) + "metrics:\n" +
          [] {
            std::string many;
            for (int i = 0; i < 200; ++i) {
              many += "  - {name: m" + std::to_string(i) +
                      ", statuspage_metric_id: id, cloudwatch: {namespace: NS, metric: M, stat: "
                      "Sum}}\n";
            }
            return many;
          }(),
  };
  // Billion laughs: aliases share nodes, and the schema never walks into unknown shapes.
  std::string laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 12; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + prev + ", " + prev +
              ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev +
              ", " + prev + "]\n";
  }
  inputs.push_back(laughs);
  for (const auto& input : inputs) {
    auto config = ParseConfig(input, TestEnv());
    EXPECT_THAT(config,
                StatusIs(StatusCode::kInvalidArgument, ::testing::Not(::testing::IsEmpty())))
        << input.substr(0, 80);
  }
}

}  // namespace
}  // namespace statusbridge::pipeline
