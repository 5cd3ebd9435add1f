#include "aws/logs_client.h"

#include <utility>

namespace statusbridge::aws {
namespace {

class LogsInsightsClientImpl : public LogsInsightsClient {
 public:
  LogsInsightsClientImpl(http::HttpClient& http, CredentialsProvider& credentials, Clock& clock,
                         UniformRandom random, LogsInsightsOptions options)
      : http_(http),
        credentials_(credentials),
        clock_(clock),
        random_(std::move(random)),
        options_(SanitisedLogsOptions(std::move(options))) {}

  // LogsInsightsClient
  std::vector<Result<LogsQueryResult>> RunQueries(const std::vector<LogsQuery>& queries,
                                                  const LogsRunControl& control,
                                                  LogsRunStats* stats) override {
    const LogsRunEnv env{http_, credentials_, clock_, random_};
    return RunLogsQueries(env, options_, queries, control, stats);
  }

 private:
  http::HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  const UniformRandom random_;
  const LogsInsightsOptions options_;
};

}  // namespace

Result<LogsQueryResult> LogsInsightsClient::RunQuery(const LogsQuery& query,
                                                     const LogsRunControl& control,
                                                     LogsRunStats* stats) {
  std::vector<Result<LogsQueryResult>> results = RunQueries({query}, control, stats);
  return std::move(results.front());
}

std::unique_ptr<LogsInsightsClient> NewLogsInsightsClient(http::HttpClient& http,
                                                          CredentialsProvider& credentials,
                                                          Clock& clock, UniformRandom random,
                                                          LogsInsightsOptions options) {
  return std::make_unique<LogsInsightsClientImpl>(http, credentials, clock, std::move(random),
                                                  std::move(options));
}

}  // namespace statusbridge::aws
