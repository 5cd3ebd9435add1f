#pragma once

// Fakes for the Collector's sources: a Logs Insights client that answers every query from a
// formula, and SourceClients serving one fake CloudWatch and Logs client for every AWS target.

#include <string>
#include <vector>

#include "aws/logs_client.h"
#include "fakes/fake_cloudwatch_client.h"
#include "pipeline/collector.h"

namespace statusbridge::testing {

using pipeline::AwsTarget;
using pipeline::SourceClients;

// A Logs Insights client answering every query with one row per bucket of its window:
// {"t": "<bucket start>", "value": "<minutes since the epoch mod 100>"}; failing queries whose
// text contains "FAIL".
class FakeLogsClient : public aws::LogsInsightsClient {
 public:
  std::vector<Result<aws::LogsQueryResult>> RunQueries(const std::vector<aws::LogsQuery>& queries,
                                                       const aws::LogsRunControl&,
                                                       aws::LogsRunStats* stats) override {
    std::vector<Result<aws::LogsQueryResult>> out;
    for (const auto& q : queries) {
      seen.push_back(q);
      if (stats != nullptr) ++stats->start_query_calls;
      if (q.query_string.find("FAIL") != std::string::npos) {
        out.push_back(Status::Unavailable("Logs Insights query \"" + q.name + "\": status Failed"));
        continue;
      }
      aws::LogsQueryResult r;
      for (SystemTime t = q.window.start; t < q.window.end; t += Seconds(60)) {
        std::string iso = FormatIso8601(t);  // 2023-11-14T22:14:00Z
        iso[10] = ' ';
        iso.back() = '.';
        r.rows.push_back(
            {{"t", iso + "000"}, {"value", std::to_string(ToUnixSeconds(t) / 60 % 100)}});
      }
      out.push_back(std::move(r));
    }
    return out;
  }
  std::vector<aws::LogsQuery> seen;
};

// Serves every target from the same fake CloudWatch and Logs, recording the targets asked
// for; a target whose region is "bad-region" cannot be built.
class FakeSourceClients : public SourceClients {
 public:
  explicit FakeSourceClients(FakeCloudWatchClient& cw, FakeLogsClient* logs = nullptr)
      : cw_(cw), logs_(logs) {}
  Result<aws::CloudWatchClient*> CloudWatch(const AwsTarget& target) override {
    targets.push_back(target);
    if (target.region == "bad-region") return Status::InvalidArgument("no such region");
    return &cw_;
  }
  Result<aws::LogsInsightsClient*> Logs(const AwsTarget&) override {
    if (logs_ == nullptr) return Status::Unavailable("no Logs in this test");
    return logs_;
  }
  std::vector<AwsTarget> targets;

 private:
  FakeCloudWatchClient& cw_;
  FakeLogsClient* logs_;
};

}  // namespace statusbridge::testing
