#include "pipeline/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "fifo_guard.h"
#include "status_matchers.h"

namespace statusbridge::pipeline {
namespace {

using ::statusbridge::testing::MakeFifo;
using ::statusbridge::testing::StatusIs;
using ::statusbridge::testing::WithoutHangingOn;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
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
                 {"HOST", "127.0.0.1:8080"},
                 {"ESCAPE", "a\x1b[2Jb"},
                 {"BIG", std::string(100 << 10, 'b')}});
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

  EXPECT_EQ(config->aws.role, RoleConfig{});
  EXPECT_EQ(config->aws.logs.max_concurrent_queries, 5);
  EXPECT_EQ(config->aws.logs.query_timeout, Seconds(120));

  ASSERT_EQ(config->metrics.size(), 3u);
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
  EXPECT_EQ(alb.queries[0].source, QueryConfig::Source::kCloudWatch);
  EXPECT_EQ(alb.queries[0].target, (AwsTarget{"eu-west-1", RoleConfig{}}));
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

  const MetricConfig& logs = config->metrics[2];
  EXPECT_EQ(logs.name, "api-response-time");
  EXPECT_EQ(logs.statuspage_metric_id, "0a9b8c7d6e5f");
  EXPECT_EQ(logs.period, Seconds(300));
  EXPECT_EQ(logs.delay, Seconds(120));
  EXPECT_EQ(logs.lookback, Seconds(600));
  EXPECT_EQ(logs.backfill, Seconds(86400));
  EXPECT_EQ(logs.expression, "value");
  EXPECT_EQ(logs.no_data.kind, NoDataPolicy::Kind::kSkip);
  ASSERT_EQ(logs.queries.size(), 1u);
  const QueryConfig& q = logs.queries[0];
  EXPECT_EQ(q.name, "value");
  EXPECT_EQ(q.source, QueryConfig::Source::kLogsInsights);
  EXPECT_THAT(q.logs.log_groups, ElementsAre("/ecs/api"));
  EXPECT_EQ(q.logs.query, "filter path like /api/ | stats avg(elapsed) as value by bin(5m) as t");
  EXPECT_EQ(q.logs.value_field, "value");
  EXPECT_EQ(q.logs.time_field, "t");
  EXPECT_EQ(q.logs.limit, 0);
  EXPECT_FALSE(q.missing.value.has_value());
  EXPECT_EQ(q.target, (AwsTarget{"eu-west-1", RoleConfig{}}));
}

// The shared file itself, not only the copy in testdata.
TEST(ConfigTest, TheSharedContractParsesLikeItsCopy) {
  std::string text = ReadFixture(SB_TESTDATA_DIR "/contract/config-example.yaml");
  ASSERT_FALSE(text.empty());
  auto shared = ParseConfig(text, TestEnv());
  ASSERT_OK(shared);
  auto copy = LoadConfigFile(kTestdata + "/config_good.yaml", TestEnv());
  ASSERT_OK(copy);
  ASSERT_EQ(shared->metrics.size(), copy->metrics.size());
  for (size_t i = 0; i < shared->metrics.size(); ++i) {
    const MetricConfig& a = shared->metrics[i];
    const MetricConfig& b = copy->metrics[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.period, b.period);
    EXPECT_EQ(a.expression, b.expression);
    ASSERT_EQ(a.queries.size(), b.queries.size());
    for (size_t j = 0; j < a.queries.size(); ++j) {
      EXPECT_EQ(a.queries[j].name, b.queries[j].name);
      EXPECT_EQ(a.queries[j].source, b.queries[j].source);
      EXPECT_EQ(a.queries[j].cloudwatch.metric_name, b.queries[j].cloudwatch.metric_name);
      EXPECT_EQ(a.queries[j].logs.query, b.queries[j].logs.query);
      EXPECT_EQ(a.queries[j].target, b.queries[j].target);
    }
  }
  EXPECT_EQ(shared->metrics[2].queries[0].source, QueryConfig::Source::kLogsInsights);
}

// A statuspage section, and a metrics list with one plain metric.
constexpr const char* kHead = "statuspage: {page_id: p1, api_key: k}\n";
constexpr const char* kOneMetric =
    "metrics:\n"
    "  - {name: m, statuspage_metric_id: id1, cloudwatch: {namespace: NS, metric: M, stat: "
    "Sum}}\n";

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
              StatusIs(StatusCode::kInvalidArgument, "cannot read config file \"" + dir +
                                                         "\": is a directory, not a regular file"));
  WriteFile(dir + "/bad.yaml", "statuspage: [\n");
  EXPECT_THAT(LoadConfigFile(dir + "/bad.yaml", TestEnv()),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("config: invalid YAML at line")));
}

// A FIFO would block the read forever (no writer comes), a directory or a device is a mistake:
// refused at once, saying what the path is.
TEST(ConfigTest, OnlyRegularFilesAreRead) {
  std::string dir = MakeTempDir("not_regular");
  const std::string fifo = dir + "/fifo";
  MakeFifo(fifo);
  EXPECT_THAT(
      WithoutHangingOn(fifo, [&] { return LoadConfigFile(fifo, TestEnv()); }),
      StatusIs(StatusCode::kInvalidArgument, "cannot read config file \"" + fifo +
                                                 "\": is a FIFO (named pipe), not a regular file"));

  const std::string yaml = std::string("statuspage: {page_id: p1, api_key_file: KEYFILE}\n") +
                           "metrics:\n  - {name: m, statuspage_metric_id: id1, cloudwatch: "
                           "{namespace: NS, metric: M, stat: Sum}}\n";
  auto with_key_file = [&](const std::string& key_file) {
    std::string text = yaml;
    text.replace(text.find("KEYFILE"), 7, key_file);
    return ParseConfig(text, TestEnv(), dir);
  };
  EXPECT_THAT(
      WithoutHangingOn(fifo, [&] { return with_key_file("fifo"); }),
      StatusIs(StatusCode::kInvalidArgument, "statuspage.api_key_file: cannot read \"" + fifo +
                                                 "\": is a FIFO (named pipe), not a regular file"));
  EXPECT_THAT(with_key_file(dir), StatusIs(StatusCode::kInvalidArgument,
                                           "statuspage.api_key_file: cannot read \"" + dir +
                                               "\": is a directory, not a regular file"));
  if (std::filesystem::exists("/dev/zero")) {  // endless: would fill memory, or hit the size cap
    EXPECT_THAT(with_key_file("/dev/zero"),
                StatusIs(StatusCode::kInvalidArgument,
                         "statuspage.api_key_file: cannot read \"/dev/zero\": is a character "
                         "device, not a regular file"));
  }

  // Symlinks to regular files are fine (Kubernetes mounts secrets that way).
  WriteFile(dir + "/real-key", "key-from-link\n");
  std::filesystem::create_symlink(dir + "/real-key", dir + "/key-link");
  auto linked = with_key_file("key-link");
  ASSERT_OK(linked);
  EXPECT_EQ(linked->statuspage.api_key.reveal(), "key-from-link");
  WriteFile(dir + "/statusbridge.yaml", yaml.substr(0, yaml.find("KEYFILE")) + "key-link" +
                                            yaml.substr(yaml.find("KEYFILE") + 7));
  std::filesystem::create_symlink(dir + "/statusbridge.yaml", dir + "/config-link.yaml");
  ASSERT_OK(LoadConfigFile(dir + "/config-link.yaml", TestEnv()));
}

TEST(ConfigTest, OversizedFilesAreRefusedBeforeParsing) {
  std::string dir = MakeTempDir("oversized");
  WriteFile(dir + "/big.yaml", "# " + std::string(16 << 20, 'x') + "\n");
  EXPECT_THAT(LoadConfigFile(dir + "/big.yaml", TestEnv()),
              StatusIs(StatusCode::kInvalidArgument,
                       "cannot read config file \"" + dir + "/big.yaml\": is larger than 16 MiB"));
  WriteFile(dir + "/key", std::string((64 << 10) + 1, 'k'));
  EXPECT_THAT(
      ParseConfig("statuspage: {page_id: p1, api_key_file: key}\n" + std::string(kOneMetric),
                  TestEnv(), dir),
      StatusIs(StatusCode::kInvalidArgument,
               "statuspage.api_key_file: cannot read \"" + dir + "/key\": is larger than 64 KiB"));
}

// An EnvLookup that counts the bytes of every value it hands out: what ${VAR} expansion copied.
class CountingEnv {
 public:
  explicit CountingEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  EnvLookup Lookup() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars_.find(std::string(name));
      if (it == vars_.end()) {
        return std::nullopt;
      }
      std::lock_guard<std::mutex> lock(mu_);
      bytes_ += it->second.size();
      return it->second;
    };
  }
  size_t bytes() const { return bytes_; }

 private:
  std::map<std::string, std::string> vars_;
  std::mutex mu_;
  size_t bytes_ = 0;
};

// The hostile run: a 100 KB variable expanded into 1,000 metric names took 696 MB. Now the first
// name fails, and expansion never builds more than the limit.
TEST(ConfigTest, HugeExpansionsFailFastWithoutBigAllocations) {
  CountingEnv env({{"BIG", std::string(100 << 10, 'b')}});
  std::string yaml = std::string(kHead) + "metrics:\n";
  for (int i = 0; i < 1000; ++i) {
    yaml += "  - {name: \"${BIG}-" + std::to_string(i) + "\", statuspage_metric_id: id" +
            std::to_string(i) + ", cloudwatch: {namespace: NS, metric: M, stat: Sum}}\n";
  }
  EXPECT_THAT(ParseConfig(yaml, env.Lookup()),
              StatusIs(StatusCode::kInvalidArgument,
                       "metrics[0].name: must be at most 256 bytes (got more after ${...} "
                       "expansion)"));
  EXPECT_LE(env.bytes(), size_t{300} << 10) << "expanded far past the first name";

  // One value made of many expansions stops at its limit, not at the end of the text.
  CountingEnv env2({{"BIG", std::string(100 << 10, 'b')}});
  std::string many;
  for (int i = 0; i < 10000; ++i) {
    many += "${BIG}";
  }
  EXPECT_THAT(ParseConfig(std::string(kHead) +
                              "metrics:\n  - {name: m, statuspage_metric_id: i, "
                              "period: 5m, logs_insights: {log_groups: [\"" +
                              many +
                              "\"], query: \"stats avg(x) as v by bin(5m) as t\", value_field: v, "
                              "time_field: t}}\n",
                          env2.Lookup()),
              StatusIs(StatusCode::kInvalidArgument,
                       "metrics[0] (m).logs_insights.log_groups[0]: must be at most 65536 bytes "
                       "(got more after ${...} expansion)"));
  EXPECT_LE(env2.bytes(), size_t{200} << 10);

  // A 10 MB name written out.
  EXPECT_THAT(
      ParseConfig(std::string(kHead) + "metrics:\n  - {name: " + std::string(10 << 20, 'n') +
                      ", statuspage_metric_id: i, cloudwatch: {namespace: NS, metric: M, "
                      "stat: Sum}}\n",
                  TestEnv()),
      StatusIs(StatusCode::kInvalidArgument,
               "metrics[0].name: must be at most 256 bytes (got 10485760)"));
}

// Values each within their own limit still add up: aliases (or variables) can make a small file
// hold a huge config. All values together are capped at the file's own limit, 16 MiB.
TEST(ConfigTest, AllValuesTogetherAreCappedAfterExpansion) {
  // One CloudWatch block with 30 dimensions of 1024 bytes (each value within its limit), used
  // through an alias by 10 queries in each of 100 metrics: 30 MB of values from a 40 KB file.
  std::string dimensions = "D0: &v \"" + std::string(1024, 'v') + "\"";
  for (int d = 1; d < 30; ++d) {
    dimensions += ", D" + std::to_string(d) + ": *v";
  }
  std::string yaml = std::string(kHead) + "metrics:\n";
  for (int i = 0; i < 100; ++i) {
    std::string n = std::to_string(i);
    std::string queries;
    std::string expression;
    for (int q = 0; q < 10; ++q) {
      std::string block =
          i == 0 && q == 0
              ? "&c {namespace: NS, metric: M, stat: Sum, dimensions: {" + dimensions + "}}"
              : "*c";
      queries += (q == 0 ? "" : ", ") + ("q" + std::to_string(q)) + ": {cloudwatch: " + block + "}";
      expression += (q == 0 ? "q" : " + q") + std::to_string(q);
    }
    yaml += "  - {name: m" + n + ", statuspage_metric_id: i" + n + ", queries: {" + queries +
            "}, expression: \"" + expression + "\"}\n";
  }
  EXPECT_LT(yaml.size(), size_t{64} << 10);
  auto config = ParseConfig(yaml, TestEnv());
  EXPECT_THAT(config,
              StatusIs(StatusCode::kInvalidArgument,
                       MatchesRegex(R"(metrics\[[0-9]+\] \(m[0-9]+\)\.queries\.q[0-9]\.)"
                                    R"(cloudwatch\.dimensions\.D[0-9]+: the config's values add )"
                                    R"(up to more than 16 MiB after \$\{\.\.\.\} expansion )"
                                    R"(\(aliases count each time they are used\))")))
      << config.status().ToString();
}

TEST(ConfigTest, AcceptsValuesAtTheirLimits) {
  const std::string name(256, 'n');
  auto config =
      ParseConfig("statuspage: {page_id: " + std::string(256, 'p') +
                      ", api_key: k, requests_per_second: 0.01, timeout: 10m}\n"
                      "schedule: {interval: 1d}\n"
                      "defaults: {period: 1d, delay: 1d, lookback: 28d}\n"
                      "metrics:\n"
                      "  - name: " +
                      name + "\n    statuspage_metric_id: " + std::string(256, 'i') +
                      "\n    cloudwatch: {namespace: " + std::string(255, 'N') +
                      ", metric: " + std::string(255, 'M') + ", stat: Sum, dimensions: {" +
                      std::string(255, 'D') + ": " + std::string(1024, 'v') +
                      "}}\n    expression: \"value\\n\\t+ 0\"\n"
                      "  - name: \"caf\u00e9 \u2713\"\n    statuspage_metric_id: x\n"
                      "    cloudwatch: {namespace: NS, metric: M, stat: Sum}\n",
                  TestEnv());
  ASSERT_OK(config);
  EXPECT_EQ(config->statuspage.requests_per_second, 0.01);
  EXPECT_EQ(config->statuspage.timeout, Seconds(600));
  EXPECT_EQ(config->schedule.interval, Seconds(86400));
  EXPECT_EQ(config->metrics[0].name, name);
  EXPECT_EQ(config->metrics[0].period, Seconds(86400));
  EXPECT_EQ(config->metrics[0].lookback, Seconds(28 * 86400));
  EXPECT_EQ(config->metrics[0].expression, "value\n\t+ 0");
  EXPECT_EQ(config->metrics[1].name, "caf\xC3\xA9 \xE2\x9C\x93");

  auto fast = ParseConfig(
      "statuspage: {page_id: p1, api_key: k, requests_per_second: 10}\n" + std::string(kOneMetric),
      TestEnv());
  ASSERT_OK(fast);
  EXPECT_EQ(fast->statuspage.requests_per_second, 10);
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

TEST(ConfigTest, LogsInsightsAtMetricLevel) {
  auto config = ParseConfig(R"yaml(
statuspage: {page_id: p1, api_key: k}
metrics:
  - name: api-p99
    statuspage_metric_id: id1
    period: 1h
    logs_insights:
      log_groups:
        - /ecs/api
        - "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/${MNAME}"
      query: |
        filter path like /api/
        | stats pct(elapsed, 99) as p99 by bin(60m) as `bucket start`
      value_field: p99
      time_field: bucket start
      limit: 10000
    missing: 0
    expression: "value / 1000"
    no_data: hold
)yaml",
                            TestEnv());
  ASSERT_OK(config);
  const MetricConfig& m = config->metrics[0];
  EXPECT_EQ(m.period, Seconds(3600));
  EXPECT_EQ(m.expression, "value / 1000");
  EXPECT_EQ(m.no_data.kind, NoDataPolicy::Kind::kHold);
  ASSERT_EQ(m.queries.size(), 1u);
  const QueryConfig& q = m.queries[0];
  EXPECT_EQ(q.name, "value");
  EXPECT_EQ(q.source, QueryConfig::Source::kLogsInsights);
  EXPECT_THAT(q.logs.log_groups,
              ElementsAre("/ecs/api",
                          "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/"
                          "from-env"));
  EXPECT_EQ(q.logs.query,
            "filter path like /api/\n| stats pct(elapsed, 99) as p99 by bin(60m) as `bucket "
            "start`\n");
  EXPECT_EQ(q.logs.value_field, "p99");
  EXPECT_EQ(q.logs.time_field, "bucket start");
  EXPECT_EQ(q.logs.limit, 10000);
  EXPECT_EQ(q.missing.value, 0.0);
  EXPECT_EQ(q.target, AwsTarget{});
}

TEST(ConfigTest, CloudWatchAndLogsInsightsQueriesInOneMetric) {
  auto config = ParseConfig(R"yaml(
statuspage: {page_id: p1, api_key: k}
defaults: {period: 5m}
metrics:
  - name: slow-share
    statuspage_metric_id: id1
    queries:
      requests:
        cloudwatch: {namespace: AWS/ApplicationELB, metric: RequestCount, stat: Sum}
      slow:
        logs_insights:
          log_groups: [/ecs/api, /ecs/worker]
          query: "filter elapsed > 1000 | stats count(*) by bin(300s)"
          value_field: "count(*)"
          time_field: "bin(300s)"
          limit: 1
        missing: 0
    expression: "100 * slow / requests"
)yaml",
                            TestEnv());
  ASSERT_OK(config);
  const auto& q = config->metrics[0].queries;
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].name, "requests");
  EXPECT_EQ(q[0].source, QueryConfig::Source::kCloudWatch);
  EXPECT_EQ(q[0].cloudwatch.metric_name, "RequestCount");
  EXPECT_EQ(q[0].cloudwatch.period, Seconds(300));
  EXPECT_FALSE(q[0].missing.value.has_value());
  EXPECT_EQ(q[1].name, "slow");
  EXPECT_EQ(q[1].source, QueryConfig::Source::kLogsInsights);
  EXPECT_THAT(q[1].logs.log_groups, ElementsAre("/ecs/api", "/ecs/worker"));
  EXPECT_EQ(q[1].logs.query, "filter elapsed > 1000 | stats count(*) by bin(300s)");
  EXPECT_EQ(q[1].logs.value_field, "count(*)");
  EXPECT_EQ(q[1].logs.time_field, "bin(300s)");
  EXPECT_EQ(q[1].logs.limit, 1);
  EXPECT_EQ(q[1].missing.value, 0.0);
  EXPECT_EQ(config->metrics[0].expression, "100 * slow / requests");
}

TEST(ConfigTest, CloudWatchMathQueries) {
  auto config = ParseConfig(R"yaml(
statuspage: {page_id: p1, api_key: k}
metrics:
  - name: availability
    statuspage_metric_id: id1
    period: 5m
    queries:
      ok:
        cloudwatch_math:
          expression: "100 * (1 - FILL(errors_5xx, 0) / m1)"
          metrics:
            m1: {namespace: AWS/ApplicationELB, metric: RequestCount,
                 dimensions: {LoadBalancer: "${LB}"}, stat: Sum, unit: Count}
            errors_5xx: {namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count,
                         stat: Sum}
        missing: 100
      p99:
        cloudwatch: {namespace: AWS/ApplicationELB, metric: TargetResponseTime, stat: p99}
    expression: "p99 < 1 ? ok : 0"
  - name: fleet-requests
    statuspage_metric_id: id2
    cloudwatch_math:
      expression: "SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName=\"RequestCount\"', 'Sum'))"
  - name: fleet-cpu
    statuspage_metric_id: id3
    cloudwatch_math:
      expression: "SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId) WHERE tag.team = 'api'"
      metrics: {}
  - name: busiest
    statuspage_metric_id: id4
    cloudwatch_math:
      expression: "MAX(METRICS())"
      metrics:
        a: {namespace: NS, metric: A, stat: tm90}
        b: {namespace: NS, metric: B, stat: "TM(10%:90%)"}
)yaml",
                            TestEnv());
  ASSERT_OK(config);
  const auto& m = config->metrics;
  ASSERT_EQ(m[0].queries.size(), 2u);
  const QueryConfig& ok = m[0].queries[0];
  EXPECT_EQ(ok.name, "ok");
  EXPECT_EQ(ok.source, QueryConfig::Source::kCloudWatchMath);
  EXPECT_EQ(ok.math.expression, "100 * (1 - FILL(errors_5xx, 0) / m1)");
  ASSERT_EQ(ok.math.metrics.size(), 2u);
  EXPECT_EQ(ok.math.metrics[0].first, "m1");
  const aws::MetricStat& m1 = ok.math.metrics[0].second;
  EXPECT_EQ(m1.namespace_name, "AWS/ApplicationELB");
  EXPECT_EQ(m1.metric_name, "RequestCount");
  EXPECT_THAT(m1.dimensions, ElementsAre(aws::Dimension{"LoadBalancer", "app/my-alb/1"}));
  EXPECT_EQ(m1.stat, "Sum");
  EXPECT_EQ(m1.unit, "Count");
  EXPECT_EQ(m1.period, Seconds(300));
  EXPECT_EQ(ok.math.metrics[1].first, "errors_5xx");
  EXPECT_EQ(ok.math.metrics[1].second.metric_name, "HTTPCode_Target_5XX_Count");
  EXPECT_EQ(ok.math.metrics[1].second.period, Seconds(300));
  EXPECT_EQ(ok.missing.value, 100.0);
  EXPECT_EQ(m[0].queries[1].source, QueryConfig::Source::kCloudWatch);

  ASSERT_EQ(m[1].queries.size(), 1u);
  EXPECT_EQ(m[1].queries[0].name, "value");
  EXPECT_EQ(m[1].queries[0].source, QueryConfig::Source::kCloudWatchMath);
  EXPECT_EQ(m[1].queries[0].math.expression,
            "SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName=\"RequestCount\"', "
            "'Sum'))");
  EXPECT_TRUE(m[1].queries[0].math.metrics.empty());
  EXPECT_EQ(m[1].expression, "value");
  EXPECT_TRUE(m[2].queries[0].math.metrics.empty());
  ASSERT_EQ(m[3].queries[0].math.metrics.size(), 2u);
  EXPECT_EQ(m[3].queries[0].math.metrics[0].second.stat, "tm90");
  EXPECT_EQ(m[3].queries[0].math.metrics[1].second.stat, "TM(10%:90%)");
}

TEST(ConfigTest, AwsSectionRoleAndLogs) {
  auto config = ParseConfig(R"yaml(
statuspage: {page_id: p1, api_key: k}
aws:
  region: eu-west-1
  role_arn: "arn:aws:iam::123456789012:role/service-role/statusbridge-read"
  external_id: "${MNAME}"
  session_name: sb@prod
  duration: 12h
  logs:
    max_concurrent_queries: 100
    query_timeout: 1h
)yaml" + std::string(kOneMetric),
                            TestEnv());
  ASSERT_OK(config);
  const AwsConfig& aws = config->aws;
  EXPECT_EQ(aws.role.role_arn, "arn:aws:iam::123456789012:role/service-role/statusbridge-read");
  EXPECT_EQ(aws.role.external_id, "from-env");
  EXPECT_EQ(aws.role.session_name, "sb@prod");
  EXPECT_EQ(aws.role.duration, Seconds(43200));
  EXPECT_EQ(aws.logs.max_concurrent_queries, 100);
  EXPECT_EQ(aws.logs.query_timeout, Seconds(3600));
  EXPECT_EQ(config->metrics[0].queries[0].target, (AwsTarget{"eu-west-1", aws.role}));

  // The other ends of the ranges, a role with only its ARN (session name defaulted), an empty
  // logs section, and the other partitions.
  for (const char* partition : {"aws", "aws-cn", "aws-us-gov"}) {
    auto minimal =
        ParseConfig(std::string(kHead) + "aws:\n  role_arn: \"arn:" + partition +
                        ":iam::000000000000:role/r\"\n  duration: 15m\n  logs:\n" + kOneMetric,
                    TestEnv());
    ASSERT_OK(minimal);
    EXPECT_EQ(minimal->aws.role.role_arn,
              std::string("arn:") + partition + ":iam::000000000000:role/r");
    EXPECT_EQ(minimal->aws.role.external_id, "");
    EXPECT_EQ(minimal->aws.role.session_name, "statusbridge");
    EXPECT_EQ(minimal->aws.role.duration, Seconds(900));
    EXPECT_EQ(minimal->aws.logs.max_concurrent_queries, 5);
    EXPECT_EQ(minimal->aws.logs.query_timeout, Seconds(120));
    EXPECT_EQ(minimal->aws.region, "");
    EXPECT_EQ(minimal->metrics[0].queries[0].target.region, "");
    EXPECT_EQ(minimal->metrics[0].queries[0].target.role, minimal->aws.role);
  }
  auto low = ParseConfig(std::string(kHead) +
                             "aws: {logs: {max_concurrent_queries: 1, "
                             "query_timeout: 1s}}\n" +
                             kOneMetric,
                         TestEnv());
  ASSERT_OK(low);
  EXPECT_EQ(low->aws.logs.max_concurrent_queries, 1);
  EXPECT_EQ(low->aws.logs.query_timeout, Seconds(1));
  EXPECT_EQ(low->aws.role, RoleConfig{});

  // An empty aws.region (e.g. from an empty variable) means "from the environment".
  auto empty_region =
      ParseConfig(std::string(kHead) + "aws: {region: \"${EMPTY}\"}\n" + kOneMetric, TestEnv());
  ASSERT_OK(empty_region);
  EXPECT_EQ(empty_region->aws.region, "");
  EXPECT_EQ(empty_region->metrics[0].queries[0].target, AwsTarget{});
}

// query > metric > aws, for the region and for the role; a role comes with the external_id and
// session_name written beside it, and aws.duration applies to every role.
TEST(ConfigTest, TargetPrecedence) {
  auto config = ParseConfig(R"yaml(
statuspage: {page_id: p1, api_key: k}
aws:
  region: eu-west-1
  role_arn: "arn:aws:iam::111111111111:role/base"
  external_id: base-external
  session_name: base-session
  duration: 2h
metrics:
  - name: inherits
    statuspage_metric_id: id1
    cloudwatch: {namespace: NS, metric: M, stat: Sum}
  - name: metric-level
    statuspage_metric_id: id2
    region: us-east-1
    role_arn: "arn:aws-us-gov:iam::222222222222:role/metric"
    logs_insights:
      log_groups: [/ecs/api]
      query: "stats avg(x) as v by bin(1m) as t"
      value_field: v
      time_field: t
  - name: per-query
    statuspage_metric_id: id3
    region: ap-southeast-2
    role_arn: "arn:aws:iam::222222222222:role/metric"
    external_id: metric-external
    queries:
      a:
        cloudwatch: {namespace: NS, metric: A, stat: Sum}
      b:
        cloudwatch: {namespace: NS, metric: B, stat: Sum}
        region: us-gov-west-1
      c:
        cloudwatch_math: {expression: "m1 * 2", metrics: {m1: {namespace: NS, metric: C, stat: Sum}}}
        role_arn: "arn:aws:iam::333333333333:role/query"
        session_name: query-session
      d:
        cloudwatch: {namespace: NS, metric: D, stat: Sum}
        role_arn: none
    expression: "a + b + c + d"
  - name: no-role
    statuspage_metric_id: id4
    role_arn: none
    queries:
      a:
        cloudwatch: {namespace: NS, metric: A, stat: Sum}
      b:
        cloudwatch: {namespace: NS, metric: B, stat: Sum}
        role_arn: "arn:aws:iam::444444444444:role/path/to/query"
    expression: "a + b"
)yaml",
                            TestEnv());
  ASSERT_OK(config);
  const Seconds two_hours(7200);
  const RoleConfig base{"arn:aws:iam::111111111111:role/base", "base-external", "base-session",
                        two_hours};
  const RoleConfig none{"", "", "", two_hours};
  EXPECT_EQ(config->aws.role, base);
  const auto& m = config->metrics;

  EXPECT_EQ(m[0].queries[0].target, (AwsTarget{"eu-west-1", base}));
  EXPECT_EQ(m[1].queries[0].target,
            (AwsTarget{"us-east-1", RoleConfig{"arn:aws-us-gov:iam::222222222222:role/metric", "",
                                               "statusbridge", two_hours}}));

  const RoleConfig metric_role{"arn:aws:iam::222222222222:role/metric", "metric-external",
                               "statusbridge", two_hours};
  const auto& q = m[2].queries;
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].target, (AwsTarget{"ap-southeast-2", metric_role}));
  EXPECT_EQ(q[1].target, (AwsTarget{"us-gov-west-1", metric_role}));
  EXPECT_EQ(q[2].target,
            (AwsTarget{"ap-southeast-2", RoleConfig{"arn:aws:iam::333333333333:role/query", "",
                                                    "query-session", two_hours}}));
  EXPECT_EQ(q[3].target, (AwsTarget{"ap-southeast-2", none}));

  EXPECT_EQ(m[3].queries[0].target, (AwsTarget{"eu-west-1", none}));
  EXPECT_EQ(m[3].queries[1].target,
            (AwsTarget{"eu-west-1", RoleConfig{"arn:aws:iam::444444444444:role/path/to/query", "",
                                               "statusbridge", two_hours}}));
}

// Every ```yaml block of docs/config.md parses: a whole config as it is, a section or a metric
// inside a minimal config. (The statuspage block with api_key_file is left out: no such file.)
TEST(ConfigTest, DocsExamplesParse) {
  std::string doc = ReadFixture(SB_SOURCE_DIR "/docs/config.md");
  ASSERT_FALSE(doc.empty());
  EnvLookup env = MapEnv({{"STATUSPAGE_API_KEY", "k"},
                          {"STATUSBRIDGE_EXTERNAL_ID", "external-1"},
                          {"PARTNER_EXTERNAL_ID", "external-2"}});
  int parsed = 0;
  size_t at = 0;
  while ((at = doc.find("```yaml\n", at)) != std::string::npos) {
    at += 8;
    size_t end = doc.find("```", at);
    ASSERT_NE(end, std::string::npos);
    std::string block = doc.substr(at, end - at);
    at = end + 3;
    bool has_metrics = block.find("metrics:") != std::string::npos;
    std::string yaml;
    if (block.starts_with("statuspage:")) {
      if (!has_metrics) {
        continue;
      }
      yaml = block;
    } else if (block.starts_with("aws:")) {
      yaml = std::string(kHead) + block + (has_metrics ? "" : kOneMetric);
    } else if (block.starts_with("  - name:")) {
      yaml = std::string(kHead) + "metrics:\n" + block;
    } else {
      yaml = std::string(kHead) +
             "metrics:\n  - name: m\n    statuspage_metric_id: id\n    period: 5m\n" + block;
    }
    auto config = ParseConfig(yaml, env);
    EXPECT_TRUE(config.ok()) << block << "\n" << config.status().ToString();
    ++parsed;
  }
  EXPECT_GE(parsed, 7);
}

// ---------------------------------------------------------------------------------------------
// Bad configs: each row is a whole config and the exact message it must produce.

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

// kHead + an aws section made of `aws` + kOneMetric.
std::string Aws(const std::string& aws) {
  return std::string(kHead) + "aws: {" + aws + "}\n" + kOneMetric;
}

// One metric with period 5m and a logs_insights block made of `logs`.
std::string Logs(const std::string& logs) { return M("period: 5m, logs_insights: {" + logs + "}"); }

// One metric with a cloudwatch_math block made of `math`.
std::string Math(const std::string& math) { return M("cloudwatch_math: {" + math + "}"); }

// The contract example with `from` replaced by `to` (once).
std::string ContractWith(const std::string& from, const std::string& to) {
  std::string text = ReadFixture(kTestdata + "/config_good.yaml");
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

std::string LogGroups(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += (i ? ", /g" : "/g") + std::to_string(i);
  }
  return out;
}

const std::string kRole = "role_arn: \"arn:aws:iam::123456789012:role/r\"";
const std::string kStat = "namespace: NS, metric: M, stat: Sum";
// A logs_insights block's keys after log_groups, and a whole valid block, for a 5m period.
const std::string kLogsRest =
    "query: \"stats avg(x) as v by bin(5m) as t\", value_field: v, time_field: t";
const std::string kLogsOk = "log_groups: [/ecs/api], " + kLogsRest;

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
       "statuspage.requests_per_second: must be between 0.01 and 10 (got 0); Statuspage documents "
       "1 request per second per API key"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: -2}\n" + kOneMetric,
       "statuspage.requests_per_second: must be between 0.01 and 10 (got -2); Statuspage "
       "documents 1 request per second per API key"},
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
       "statuspage.timeout: must be between 1s and 10m (got 0s)"},
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
      {std::string(kHead) + "aws: {logs: {endpoint_url: \"http://x\"}}\n" + kOneMetric,
       "aws.logs.endpoint_url: unknown key (expected one of: max_concurrent_queries, "
       "query_timeout)"},
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
       "schedule.interval: must be between 10s and 1d (got 5s)"},
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
      {M("no_data: skip"),
       "metrics[0] (m): one of cloudwatch, cloudwatch_math, logs_insights or queries is "
       "required"},
      {WithMetric("name: api-response-time, statuspage_metric_id: id1, logs_insights: "
                  "{log_groups: [/ecs/api]}"),
       "metrics[0] (api-response-time).logs_insights.query: is required"},
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
       "metrics[0] (m).queries.a: one of cloudwatch, cloudwatch_math or logs_insights is "
       "required"},
      {M("queries: {a: {" + cw_ok + ", missng: 0}}, expression: a"),
       "metrics[0] (m).queries.a.missng: unknown key (did you mean \"missing\"?)"},
      {M("queries: {a: {logs_insights: {query: q}}}, expression: a"),
       "metrics[0] (m).queries.a.logs_insights.log_groups: is required"},
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

      // aws: role, logs
      {Aws("role_arn: \"arn:aws:iam::1:role/r\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::1:role/r\": the account must be 12 digits"},
      {Aws("role_arn: \"arn:aws:iam::12345678901a:role/r\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::12345678901a:role/r\": the account must be "
       "12 digits"},
      {Aws("role_arn: \"arn:aws:iam::123456789012:user/bob\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::123456789012:user/bob\": expected "
       "arn:aws:iam::<12-digit account>:role/<name>"},
      {Aws("role_arn: \"arn:aws:sts::123456789012:role/r\""),
       "aws.role_arn: invalid role ARN \"arn:aws:sts::123456789012:role/r\": expected "
       "arn:aws:iam::<12-digit account>:role/<name>"},
      {Aws("role_arn: statusbridge-read"),
       "aws.role_arn: invalid role ARN \"statusbridge-read\": expected arn:aws:iam::<12-digit "
       "account>:role/<name>"},
      {Aws("role_arn: \"arn:aws-eu:iam::123456789012:role/r\""),
       "aws.role_arn: invalid role ARN \"arn:aws-eu:iam::123456789012:role/r\": unknown "
       "partition \"aws-eu\" (expected aws, aws-cn or aws-us-gov)"},
      {Aws("role_arn: \"arn:aws:iam:eu-west-1:123456789012:role/r\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam:eu-west-1:123456789012:role/r\": an IAM ARN "
       "has no region (arn:aws:iam::<12-digit account>:role/<name>)"},
      {Aws("role_arn: \"arn:aws:iam::123456789012:role/\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::123456789012:role/\": the role name must "
       "be 1 to 64 characters of letters, digits and _+=,.@-"},
      {Aws("role_arn: \"arn:aws:iam::123456789012:role/team/\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::123456789012:role/team/\": the role name "
       "must be 1 to 64 characters of letters, digits and _+=,.@-"},
      {Aws("role_arn: \"arn:aws:iam::123456789012:role/read only\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::123456789012:role/read only\": the role "
       "name must be 1 to 64 characters of letters, digits and _+=,.@-"},
      {Aws("role_arn: \"arn:aws:iam::123456789012:role/" + std::string(65, 'r') + "\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::123456789012:role/" + std::string(65, 'r') +
           "\": the role name must be 1 to 64 characters of letters, digits and _+=,.@-"},
      {Aws("role_arn: \"arn:aws:iam::123456789012:role/a b/r\""),
       "aws.role_arn: invalid role ARN \"arn:aws:iam::123456789012:role/a b/r\": the role path "
       "must be at most 512 printable characters without spaces"},
      {Aws("role_arn: \"arn:aws:iam::123456789012:role/" + std::string(2100, 'r') + "\""),
       "aws.role_arn: invalid role ARN: longer than 2048 characters"},
      {Aws("role_arn: \"\""), "aws.role_arn: must not be empty"},
      {Aws("role_arn: \"${ROLE}\""), "aws.role_arn: environment variable ROLE is not set"},
      {Aws("role_arn: [a]"), "aws.role_arn: expected a string, got a list"},
      {Aws("external_id: abc"),
       "aws.external_id: only allowed next to role_arn (a role's options stay with it)"},
      {Aws("session_name: sb"),
       "aws.session_name: only allowed next to role_arn (a role's options stay with it)"},
      {Aws("role_arn: none, session_name: sb"),
       "aws.session_name: not allowed with role_arn: none"},
      {Aws(kRole + ", external_id: x"),
       "aws.external_id: must be 2 to 1224 characters long (got 1)"},
      {Aws(kRole + ", external_id: " + std::string(1225, 'x')),
       "aws.external_id: must be 2 to 1224 characters long (got 1225)"},
      {Aws(kRole + ", external_id: \"a b\""),
       "aws.external_id: may only contain letters, digits and _+=,.@:/-"},
      {Aws(kRole + ", session_name: a/b"),
       "aws.session_name: may only contain letters, digits and _+=,.@-"},
      {Aws(kRole + ", session_name: " + std::string(65, 's')),
       "aws.session_name: must be 2 to 64 characters long (got 65)"},
      {Aws(kRole + ", session_name: \"${EMPTY}\""),
       "aws.session_name: must be 2 to 64 characters long (got 0)"},
      {Aws("duration: 14m"),
       "aws.duration: must be between 15m and 12h, what STS allows (got 14m)"},
      {Aws("duration: 12h1s"),
       "aws.duration: must be between 15m and 12h, what STS allows (got 43201s)"},
      {Aws("duration: 1x"),
       "aws.duration: invalid duration \"1x\": unknown unit 'x' (use s, m, h or d)"},
      {Aws("session: sb"), "aws.session: unknown key (did you mean \"session_name\"?)"},
      {Aws("role: r"), "aws.role: unknown key (did you mean \"role_arn\"?)"},
      {Aws("region: \"-eu\""), "aws.region: invalid region \"-eu\" (expected e.g. eu-west-1)"},
      {Aws("logs: [x]"), "aws.logs: expected a map, got a list"},
      {Aws("logs: {max_concurrent_queries: 0}"),
       "aws.logs.max_concurrent_queries: must be a whole number between 1 and 100 (got 0)"},
      {Aws("logs: {max_concurrent_queries: 101}"),
       "aws.logs.max_concurrent_queries: must be a whole number between 1 and 100 (got 101)"},
      {Aws("logs: {max_concurrent_queries: 2.5}"),
       "aws.logs.max_concurrent_queries: must be a whole number between 1 and 100 (got 2.5)"},
      {Aws("logs: {max_concurrent_queries: many}"),
       "aws.logs.max_concurrent_queries: expected a number, got \"many\""},
      {Aws("logs: {query_timeout: 0s}"),
       "aws.logs.query_timeout: must be between 1s and 1h (got 0s)"},
      {Aws("logs: {query_timeout: 61m}"),
       "aws.logs.query_timeout: must be between 1s and 1h (got 61m)"},
      {Aws("logs: {timeout: 1m}"),
       "aws.logs.timeout: unknown key (did you mean \"query_timeout\"?)"},

      // region and role on a metric or a query
      {M("region: \"\", " + cw_ok),
       "metrics[0] (m).region: must not be empty (leave region out to inherit it)"},
      {M("region: EU-West-1, " + cw_ok),
       "metrics[0] (m).region: invalid region \"EU-West-1\" (expected e.g. eu-west-1)"},
      {M("role_arn: \"arn:aws:iam::123:role/r\", " + cw_ok),
       "metrics[0] (m).role_arn: invalid role ARN \"arn:aws:iam::123:role/r\": the account must "
       "be 12 digits"},
      {M("external_id: abc, " + cw_ok),
       "metrics[0] (m).external_id: only allowed next to role_arn (a role's options stay with "
       "it)"},
      {M("role_arn: none, external_id: abc, " + cw_ok),
       "metrics[0] (m).external_id: not allowed with role_arn: none"},
      {M("duration: 1h, " + cw_ok),
       "metrics[0] (m).duration: unknown key (expected one of: name, statuspage_metric_id, "
       "period, delay, lookback, backfill, cloudwatch, cloudwatch_math, logs_insights, queries, "
       "expression, missing, no_data, region, role_arn, external_id, session_name)"},
      {M("queries: {a: {" + cw_ok + ", region: \"eu west\"}}, expression: a"),
       "metrics[0] (m).queries.a.region: invalid region \"eu west\" (expected e.g. eu-west-1)"},
      {M("queries: {a: {" + cw_ok +
         ", role_arn: \"arn:aws:iam::123456789012:group/g\"}}, "
         "expression: a"),
       "metrics[0] (m).queries.a.role_arn: invalid role ARN "
       "\"arn:aws:iam::123456789012:group/g\": expected arn:aws:iam::<12-digit "
       "account>:role/<name>"},
      {M(kRole + ", queries: {a: {" + cw_ok + ", session_name: per-query}}, expression: a"),
       "metrics[0] (m).queries.a.session_name: only allowed next to role_arn (a role's options "
       "stay with it)"},
      {M("queries: {a: {" + cw_ok + ", duration: 1h}}, expression: a"),
       "metrics[0] (m).queries.a.duration: unknown key (expected one of: cloudwatch, "
       "cloudwatch_math, logs_insights, missing, region, role_arn, external_id, session_name)"},
      {M("queries: {a: {" + cw_ok + ", regoin: us-east-1}}, expression: a"),
       "metrics[0] (m).queries.a.regoin: unknown key (did you mean \"region\"?)"},

      // one source per metric and per query
      {M(cw_ok + ", logs_insights: {}"),
       "metrics[0] (m): set either cloudwatch or logs_insights, not both"},
      {M("cloudwatch_math: {expression: m1}, queries: {a: {}}"),
       "metrics[0] (m): set either cloudwatch_math or queries, not both"},
      {M("queries: {a: {" + cw_ok + ", cloudwatch_math: {expression: m1}}}, expression: a"),
       "metrics[0] (m).queries.a: set either cloudwatch or cloudwatch_math, not both"},
      {M("logs_insight: {}"),
       "metrics[0] (m).logs_insight: unknown key (did you mean \"logs_insights\"?)"},
      {M("queries: {a: {cloudwatch_maths: {}}}, expression: a"),
       "metrics[0] (m).queries.a.cloudwatch_maths: unknown key (did you mean "
       "\"cloudwatch_math\"?)"},

      // logs_insights
      {Logs(""), "metrics[0] (m).logs_insights.log_groups: is required"},
      {M("logs_insights: /ecs/api"),
       "metrics[0] (m).logs_insights: expected a map, got a single value"},
      {M("logs_insights: "), "metrics[0] (m).logs_insights: expected a map, got nothing"},
      {Logs("log_groups: [], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups: at least one log group is required"},
      {Logs("log_groups: , " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups: at least one log group is required"},
      {Logs("log_groups: /ecs/api, " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups: expected a list, got a single value"},
      {Logs("log_groups: [" + LogGroups(51) + "], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups: at most 50 log groups (got 51)"},
      {Logs("log_groups: [/a, /b, /a], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[2]: duplicate log group (also log_groups[0])"},
      {Logs("log_groups: [/a, \"bad name\"], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[1]: \"bad name\" has a character a log group "
       "name cannot have (only A-Z a-z 0-9 . - _ / #)"},
      {Logs("log_groups: [\"\"], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[0]: must not be empty"},
      {Logs("log_groups: [\"${GROUP}\"], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[0]: environment variable GROUP is not set"},
      {Logs("log_groups: [[/a]], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[0]: expected a string, got a list"},
      {Logs("log_groups: [/" + std::string(512, 'g') + "], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[0]: is longer than 512 characters"},
      {Logs("log_groups: [\"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api:*\"], " +
            kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[0]: "
       "\"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api:*\" ends in '*'; StartQuery "
       "wants the log group ARN without it (drop the trailing \":*\")"},
      {Logs("log_groups: [\"arn:aws:logs:eu-west-1:123456789012:destination:d\"], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[0]: "
       "\"arn:aws:logs:eu-west-1:123456789012:destination:d\" is not a log group ARN "
       "(arn:aws:logs:<region>:<account-id>:log-group:<name>)"},
      {Logs("log_groups: [/ecs/api], value_field: v, time_field: t"),
       "metrics[0] (m).logs_insights.query: is required"},
      {Logs("log_groups: [/ecs/api], query: \" \\n \", value_field: v, time_field: t"),
       "metrics[0] (m).logs_insights.query: must not be empty"},
      {Logs("log_groups: [/ecs/api], query: \"stats avg(x) as v by bin(5m) as t | " +
            std::string(9965, ' ') + "\", value_field: v, time_field: t"),
       "metrics[0] (m).logs_insights.query: must be at most 10000 characters (got 10001)"},
      {Logs("log_groups: [/ecs/api], query: \"stats avg(x) as v by bin(5m) as t\", time_field: t"),
       "metrics[0] (m).logs_insights.value_field: is required"},
      {Logs(kLogsOk + ", limit: 0"),
       "metrics[0] (m).logs_insights.limit: must be a whole number between 1 and 10000 (got 0)"},
      {Logs(kLogsOk + ", limit: 10001"),
       "metrics[0] (m).logs_insights.limit: must be a whole number between 1 and 10000 (got "
       "10001)"},
      {Logs(kLogsOk + ", timefield: t"),
       "metrics[0] (m).logs_insights.timefield: unknown key (did you mean \"time_field\"?)"},
      {Logs("log_groups: [/ecs/api], query: \"stats avg(x) as v\", value_field: v"),
       "metrics[0] (m).logs_insights.query: has no bin(): a cycle can read several buckets at "
       "once, so the query must return one row per bucket, e.g. \"stats avg(elapsed) as value by "
       "bin(5m) as t\" with time_field: t"},
      {Logs("log_groups: [/ecs/api], query: \"stats avg(x) as v\", value_field: v, time_field: t"),
       "metrics[0] (m).logs_insights.query: has no bin(): a cycle can read several buckets at "
       "once, so the query must return one row per bucket, e.g. \"stats avg(elapsed) as value by "
       "bin(5m) as t\" with time_field: t"},
      {WithMetric("name: api-response-time, statuspage_metric_id: id1, period: 5m, logs_insights: "
                  "{log_groups: [/ecs/api], query: \"stats avg(elapsed) as value by bin(1m) as "
                  "t\", value_field: value, time_field: t}"),
       "metrics[0] (api-response-time).logs_insights.query: bin(1m) does not match the metric's "
       "period 5m"},
      {ContractWith("bin(5m)", "bin(1m)"),
       "metrics[2] (api-response-time).logs_insights.query: bin(1m) does not match the metric's "
       "period 5m"},
      {ContractWith("period: 5m\n    logs_insights", "period: 1h\n    logs_insights"),
       "metrics[2] (api-response-time).logs_insights.query: bin(5m) does not match the metric's "
       "period 1h"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(5m) as t, bin(5m) as u\", "
            "value_field: v, time_field: t"),
       "metrics[0] (m).logs_insights.query: the query has more than one bin() call; use one"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(5m\", value_field: v, "
            "time_field: t"),
       "metrics[0] (m).logs_insights.query: the query's bin( at offset 21 is not closed"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(1mo) as t\", value_field: v, "
            "time_field: t"),
       "metrics[0] (m).logs_insights.query: bin(): duration \"1mo\" is in months, quarters or "
       "years, which have no fixed length; use s, m, h, d or w"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(5m) as t\", value_field: v"),
       "metrics[0] (m).logs_insights.time_field: is required: set it to \"t\", the query's bin() "
       "column"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin( 5m )\", value_field: v"),
       "metrics[0] (m).logs_insights.time_field: is required: set it to \"bin( 5m )\", the "
       "query's bin() column"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(5m) as t\", value_field: v, "
            "time_field: ts"),
       "metrics[0] (m).logs_insights.time_field: time_field \"ts\" does not name the query's bin "
       "column \"t\""},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(5m) as t\", value_field: v, "
            "time_field: \"\""),
       "metrics[0] (m).logs_insights.time_field: must not be empty"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(5m) as t\", value_field: t, "
            "time_field: t"),
       "metrics[0] (m).logs_insights.value_field: must differ from time_field"},
      {Logs("log_groups: [/a], query: \"stats avg(x) as v by bin(5m) as t\", value_field: p99, "
            "time_field: t"),
       "metrics[0] (m).logs_insights.value_field: \"p99\" does not appear in the query (name the "
       "result column, e.g. \"value\" for \"stats avg(elapsed) as value\")"},
      {M("period: 5m, queries: {a: {" + cw_ok +
         "}, b: {logs_insights: {log_groups: [/a], query: \"stats count(*) as n by bin(60s) as "
         "t\", value_field: n, time_field: t}}}, expression: a + b"),
       "metrics[0] (m).queries.b.logs_insights.query: bin(60s) does not match the metric's "
       "period 5m"},
      {M("period: 5m, queries: {a: {logs_insights: {" + kLogsOk + "}}}, expression: a + b"),
       "metrics[0] (m).expression: unknown variable \"b\" (known: a)"},
      {M("period: 5m, logs_insights: {" + kLogsOk + "}, expression: \"42\""),
       "metrics[0] (m).logs_insights: not used in the expression \"42\""},

      // cloudwatch_math
      {M("cloudwatch_math: \"FILL(m1, 0)\""),
       "metrics[0] (m).cloudwatch_math: expected a map, got a single value"},
      {Math("metrics: {m1: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.expression: is required"},
      {Math("expression: \"\", metrics: {m1: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.expression: must not be empty"},
      {Math("expression: \"m1 + " + std::string(2044, '0') + "\", metrics: {m1: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.expression: must be at most 2048 characters (got 2049)"},
      {Math("expression: \"m1 * 2\""),
       "metrics[0] (m).cloudwatch_math.metrics: at least one metric is required (only a SEARCH "
       "or SELECT expression needs none)"},
      {Math("expression: \"m1 * 2\", metrics: {}"),
       "metrics[0] (m).cloudwatch_math.metrics: at least one metric is required (only a SEARCH "
       "or SELECT expression needs none)"},
      {Math("expression: \"m1 * 2\", metrics: [m1]"),
       "metrics[0] (m).cloudwatch_math.metrics: expected a map, got a list"},
      {Math("expression: \"M1 * 2\", metrics: {M1: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.metrics.M1: a metric id must start with a lowercase "
       "letter and hold only letters, digits and _ (CloudWatch's rule for ids)"},
      {Math("expression: \"m1 * 2\", metrics: {m-1: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.metrics.m-1: a metric id must start with a lowercase "
       "letter and hold only letters, digits and _ (CloudWatch's rule for ids)"},
      {Math("expression: \"m1 * 2\", metrics: {1m: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.metrics.1m: a metric id must start with a lowercase "
       "letter and hold only letters, digits and _ (CloudWatch's rule for ids)"},
      {Math("expression: \"m1\", metrics: {m1: {namespace: NS, metric: M, stat: Avg}}"),
       "metrics[0] (m).cloudwatch_math.metrics.m1.stat: unknown statistic \"Avg\""},
      {Math("expression: \"m1\", metrics: {m1: {metric: M, stat: Sum}}"),
       "metrics[0] (m).cloudwatch_math.metrics.m1.namespace: is required"},
      {Math("expression: \"m1\", metrics: {m1: {" + kStat + ", unit: ms}}"),
       "metrics[0] (m).cloudwatch_math.metrics.m1.unit: unknown unit \"ms\""},
      {Math("expression: \"m1\", metrics: {m1: {" + kStat + ", dimension: {A: b}}}"),
       "metrics[0] (m).cloudwatch_math.metrics.m1.dimension: unknown key (did you mean "
       "\"dimensions\"?)"},
      {Math("expression: \"m1\", metrics: {m1: NS}"),
       "metrics[0] (m).cloudwatch_math.metrics.m1: expected a map, got a single value"},
      {Math("expression: \"FILL(m2, 0)\", metrics: {m1: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.expression: unknown metric id \"m2\" (known: m1)"},
      {Math("expression: \"SUM(SEARCH('{AWS/EC2} CPU', 'Sum')) * k\""),
       "metrics[0] (m).cloudwatch_math.expression: unknown metric id \"k\" (no metrics are "
       "defined)"},
      {Math("expression: \"m1\", metrics: {m1: {" + kStat + "}, m2: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.metrics.m2: not used in the expression \"m1\""},
      {Math("expression: \"SEARCH('{AWS/EC2} CPU', 'Sum')\""),
       "metrics[0] (m).cloudwatch_math.expression: a bare SEARCH returns one time series per "
       "metric it finds; aggregate them into one, e.g. SUM(SEARCH(...))"},
      {Math("expression: m1, metric: {m1: {" + kStat + "}}"),
       "metrics[0] (m).cloudwatch_math.metric: unknown key (did you mean \"metrics\"?)"},
      {M("queries: {a: {cloudwatch_math: {expression: m1, metrics: {m1: {namespace: NS, metric: "
         "M, stat: sum}}}}}, expression: a"),
       "metrics[0] (m).queries.a.cloudwatch_math.metrics.m1.stat: unknown statistic \"sum\" "
       "(did you mean \"Sum\"?)"},
      {M("cloudwatch_math: {expression: m1, metrics: {m1: {" + kStat + "}}}, expression: \"42\""),
       "metrics[0] (m).cloudwatch_math: not used in the expression \"42\""},

      // Control characters and bytes that are not UTF-8: refused, and shown escaped, never raw.
      {sp + "{page_id: \"p\\x1b[31m1\", api_key: k}\n" + kOneMetric,
       "statuspage.page_id: must not contain control characters (got \"p\\x1B[31m1\")"},
      {WithMetric("name: \"a\\x1b]0;title\\x07\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must not contain control characters (got \"a\\x1B]0;title\\x07\")"},
      {WithMetric("name: \"m\\u009b31m\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must not contain control characters (got \"m\\xC2\\x9B31m\")"},
      {WithMetric("name: \"two\\nlines\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must not contain control characters (got \"two\\x0Alines\")"},
      {WithMetric("name: \"tab\\tbed\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must not contain control characters (got \"tab\\x09bed\")"},
      {WithMetric("name: \"del\\x7f\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must not contain control characters (got \"del\\x7F\")"},
      {WithMetric("name: \"${ESCAPE}\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must not contain control characters (got \"a\\x1B[2Jb\")"},
      {WithMetric("name: \"caf\xe9\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must be valid UTF-8 (got \"caf\\xE9\")"},
      // A bad name gives no label: later errors in the metric do not print it either.
      {WithMetric("name: \"x\\x1b[2J\", statuspage_metric_id: id1, stat: Sum, " + cw_ok),
       "metrics[0].stat: unknown key (did you mean \"statuspage_metric_id\"?)"},
      {WithMetric("name: m, statuspage_metric_id: \"id\\u0085\", " + cw_ok),
       "metrics[0] (m).statuspage_metric_id: must not contain control characters (got "
       "\"id\\xC2\\x85\")"},
      {Cw("namespace: \"N\\x00S\", metric: M, stat: Sum"),
       "metrics[0] (m).cloudwatch.namespace: must not contain control characters (got "
       "\"N\\x00S\")"},
      {Cw(kStat + ", dimensions: {LB: \"a\\rb\"}"),
       "metrics[0] (m).cloudwatch.dimensions.LB: must not contain control characters (got "
       "\"a\\x0Db\")"},
      {Cw("namespace: NS, metric: M, stat: \"S\\x1bum\""),
       "metrics[0] (m).cloudwatch.stat: must not contain control characters (got \"S\\x1Bum\")"},
      {Logs("log_groups: [/ecs/api], query: \"stats avg(x) as v\\x1b by bin(5m) as t\", "
            "value_field: v, time_field: t"),
       "metrics[0] (m).logs_insights.query: must not contain control characters other than tabs "
       "and line breaks (got \"stats avg(x) as v\\x1B by bin(5m) as t\")"},
      {M(cw_ok + ", expression: \"value\\x9b\""),
       "metrics[0] (m).expression: must not contain control characters other than tabs and line "
       "breaks (got \"value\\xC2\\x9B\")"},
      // Keys go into every path: a bad one is shown escaped in its own path.
      {std::string(kHead) + kOneMetric + "\"\\e[2Jx\": 1\n",
       "\\x1B[2Jx: a key must be valid UTF-8 without control characters"},
      {M("queries: {\"a\\x01\": {" + cw_ok + "}}, expression: a"),
       "metrics[0] (m).queries.a\\x01: a key must be valid UTF-8 without control characters"},
      {Cw(kStat + ", dimensions: {\"L\\nB\": v}"),
       "metrics[0] (m).cloudwatch.dimensions.L\\x0AB: a key must be valid UTF-8 without control "
       "characters"},
      {sp + "{page_id: \"${a\\x01}\", api_key: k}\n" + kOneMetric,
       "statuspage.page_id: invalid environment variable name \"a\\x01\" in \"${...}\""},
      {sp + "{page_id: p1, api_key: \"k\\u0085\"}\n" + kOneMetric,
       "statuspage.api_key: must not contain whitespace or control characters"},
      // Quoted values are escaped and cut short, whatever refused them.
      {Cw("namespace: NS, metric: M, stat: \"" + std::string(200, 'S') + "\""),
       "metrics[0] (m).cloudwatch.stat: unknown statistic \"" + std::string(100, 'S') + "...\""},

      // Sizes, after ${NAME} expansion.
      {WithMetric("name: " + std::string(257, 'n') + ", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must be at most 256 bytes (got 257)"},
      {WithMetric("name: \"${BIG}\", statuspage_metric_id: id1, " + cw_ok),
       "metrics[0].name: must be at most 256 bytes (got more after ${...} expansion)"},
      {WithMetric("name: \"${EMPTY}" + std::string(257, 'n') + "\", statuspage_metric_id: id1, " +
                  cw_ok),
       "metrics[0].name: must be at most 256 bytes (got more after ${...} expansion)"},
      {sp + "{page_id: " + std::string(300, 'p') + ", api_key: k}\n" + kOneMetric,
       "statuspage.page_id: must be at most 256 bytes (got 300)"},
      {WithMetric("name: m, statuspage_metric_id: " + std::string(257, 'i') + ", " + cw_ok),
       "metrics[0] (m).statuspage_metric_id: must be at most 256 bytes (got 257)"},
      {Cw("namespace: " + std::string(256, 'N') + ", metric: M, stat: Sum"),
       "metrics[0] (m).cloudwatch.namespace: must be at most 255 bytes (got 256)"},
      {Cw("namespace: NS, metric: " + std::string(256, 'M') + ", stat: Sum"),
       "metrics[0] (m).cloudwatch.metric: must be at most 255 bytes (got 256)"},
      {Cw(kStat + ", dimensions: {" + std::string(256, 'D') + ": v}"),
       "metrics[0] (m).cloudwatch.dimensions." + std::string(256, 'D') +
           ": a dimension name must be at most 255 bytes (got 256)"},
      {Cw(kStat + ", dimensions: {" + std::string(257, 'D') + ": v}"),
       "metrics[0] (m).cloudwatch.dimensions." + std::string(40, 'D') +
           "...: a key must be at most 256 bytes (got 257)"},
      {Cw(kStat + ", dimensions: {D: " + std::string(1025, 'v') + "}"),
       "metrics[0] (m).cloudwatch.dimensions.D: must be at most 1024 bytes (got 1025)"},
      {M(cw_ok + ", expression: \"value + " + std::string(4089, '0') + "\""),
       "metrics[0] (m).expression: must be at most 4096 bytes (got 4097)"},
      {sp + "{page_id: p1, api_key: k, base_url: \"https://x/" + std::string(2039, 'u') + "\"}\n" +
           kOneMetric,
       "statuspage.base_url: must be at most 2048 bytes (got 2049)"},
      {std::string(kHead) + "state: {path: " + std::string(4097, 'f') + "}\n" + kOneMetric,
       "state.path: must be at most 4096 bytes (got 4097)"},
      {Logs("log_groups: [" + std::string(65537, 'g') + "], " + kLogsRest),
       "metrics[0] (m).logs_insights.log_groups[0]: must be at most 65536 bytes (got 65537)"},

      // Numbers and durations: absurd values are refused.
      {sp + "{page_id: p1, api_key: k, requests_per_second: 1e-300}\n" + kOneMetric,
       "statuspage.requests_per_second: must be between 0.01 and 10 (got 1e-300); Statuspage "
       "documents 1 request per second per API key"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: 1e308}\n" + kOneMetric,
       "statuspage.requests_per_second: must be between 0.01 and 10 (got 1e+308); Statuspage "
       "documents 1 request per second per API key"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: 0.009}\n" + kOneMetric,
       "statuspage.requests_per_second: must be between 0.01 and 10 (got 0.009); Statuspage "
       "documents 1 request per second per API key"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: 10.5}\n" + kOneMetric,
       "statuspage.requests_per_second: must be between 0.01 and 10 (got 10.5); Statuspage "
       "documents 1 request per second per API key"},
      {sp + "{page_id: p1, api_key: k, requests_per_second: .nan}\n" + kOneMetric,
       "statuspage.requests_per_second: expected a number, got \".nan\""},
      {sp + "{page_id: p1, api_key: k, requests_per_second: 1e999}\n" + kOneMetric,
       "statuspage.requests_per_second: expected a number, got \"1e999\""},
      {sp + "{page_id: p1, api_key: k, timeout: 11m}\n" + kOneMetric,
       "statuspage.timeout: must be between 1s and 10m (got 11m)"},
      {sp + "{page_id: p1, api_key: k, timeout: 99999999999999999d}\n" + kOneMetric,
       "statuspage.timeout: invalid duration \"99999999999999999d\": longer than 36500d"},
      {std::string(kHead) + "schedule: {interval: 25h}\n" + kOneMetric,
       "schedule.interval: must be between 10s and 1d (got 25h)"},
      {std::string(kHead) + "defaults: {period: 2d}\n" + kOneMetric,
       "defaults.period: must be at most 1d (got 2d)"},
      {std::string(kHead) + "defaults: {delay: 1d1s}\n" + kOneMetric,
       "defaults.delay: must be at most 1d (got 86401s)"},
      {std::string(kHead) + "defaults: {lookback: 29d}\n" + kOneMetric,
       "defaults.lookback: must be at most 28d, what Statuspage keeps (got 29d)"},
      {M("delay: 1m1h, " + cw_ok),
       "metrics[0] (m).delay: invalid duration \"1m1h\": units must go from the largest to the "
       "smallest, each at most once (as in 1h30m)"},
      {M("lookback: 1m1m, " + cw_ok),
       "metrics[0] (m).lookback: invalid duration \"1m1m\": units must go from the largest to the "
       "smallest, each at most once (as in 1h30m)"},
      {M("missing: 1e999, " + cw_ok),
       "metrics[0] (m).missing: must be a number or \"unknown\" (got \"1e999\")"},
      {M("no_data: .inf, " + cw_ok),
       "metrics[0] (m).no_data: must be skip, hold or a number (got \".inf\")"},
  };
}

TEST(ConfigTest, BadConfigsTable) {
  auto cases = BadCases();
  EXPECT_GE(cases.size(), 240u);
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
           "statuspage: {page_id: p1, api_key: \"${KEY}\\u0085\"}\n",
           "statuspage: {page_id: p1, api_key: \"${KEY}\\x1b\"}\n",
           "statuspage: {page_id: p1, api_key: \"${KEY}\xff\"}\n",  // a raw byte, not UTF-8
           "statuspage: {page_id: p1, api_key: k}\naws: {role_arn: \"arn:aws:iam::123456789012:"
           "role/r\", external_id: \"${KEY}\\x1b\"}\n",
           "statuspage: {page_id: p1, api_key: k}\naws: {role_arn: \"arn:aws:iam::123456789012:"
           "role/r\", external_id: \"${KEY}\\u0085\"}\n",
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
