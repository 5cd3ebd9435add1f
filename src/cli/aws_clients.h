#pragma once

// AwsClients builds, on first use, and caches the AWS clients the collector reads through, one
// set per target (region, assumed role):
//
//   base credentials   the SDKs' default chain (aws/credential_chain.h): environment, web
//                      identity, profile (aws.profile), container, EC2 instance metadata
//   per role           STS AssumeRole signed with the base credentials (role_arn, external_id,
//                      session_name, duration), refreshed before expiry
//   per (role, region) a CloudWatch client and a Logs Insights client at the resolved endpoint
//                      (aws.endpoint_url, AWS_ENDPOINT_URL_CLOUDWATCH[_LOGS], AWS_ENDPOINT_URL,
//                      else the regional AWS endpoint)
//
// A target's region is its own, else aws.region, else AWS_REGION / AWS_DEFAULT_REGION; a target
// with none fails only the metrics reading from it.
//
// Not thread-safe (the collector runs on one thread); the clients it returns live as long as it.

#include <map>
#include <memory>
#include <string>

#include "aws/cloudwatch_client.h"
#include "aws/credentials.h"
#include "aws/logs_client.h"
#include "core/clock.h"
#include "core/env.h"
#include "http/http_client.h"
#include "pipeline/collector.h"
#include "pipeline/config.h"

namespace statusbridge::cli {

class AwsClients : public pipeline::SourceClients {
 public:
  // `aws`, `http` and `clock` must outlive this object.
  AwsClients(const pipeline::AwsConfig& aws, EnvLookup env, http::HttpClient& http, Clock& clock);
  ~AwsClients() override;

  // pipeline::SourceClients
  Result<aws::CloudWatchClient*> CloudWatch(const pipeline::AwsTarget& target) override;
  Result<aws::LogsInsightsClient*> Logs(const pipeline::AwsTarget& target) override;

  // The credentials used for `role` (the base chain when role_arn is empty).
  Result<aws::CredentialsProvider*> Credentials(const pipeline::RoleConfig& role);

 private:
  Result<std::string> Region(const pipeline::AwsTarget& target) const;

  const pipeline::AwsConfig& aws_;
  EnvLookup env_;
  http::HttpClient& http_;
  Clock& clock_;
  std::unique_ptr<aws::CredentialsProvider> base_;
  std::map<std::string, std::unique_ptr<aws::CredentialsProvider>> roles_;
  std::map<std::string, std::unique_ptr<aws::CloudWatchClient>> cloudwatch_;
  std::map<std::string, std::unique_ptr<aws::LogsInsightsClient>> logs_;
};

}  // namespace statusbridge::cli
