#include "cli/aws_clients.h"

#include "aws/credential_chain.h"
#include "aws/endpoints.h"
#include "aws/refreshing_provider.h"
#include "aws/sts_client.h"

namespace statusbridge::cli {
namespace {

std::string RoleKey(const pipeline::RoleConfig& r) {
  return r.role_arn + '\x1f' + r.external_id + '\x1f' + r.session_name + '\x1f' +
         std::to_string(r.duration.count());
}

// STS AssumeRole on top of a source provider (aws.role_arn, or a metric's/query's role_arn).
class AssumeRoleProvider : public aws::CredentialsProvider {
 public:
  AssumeRoleProvider(aws::CredentialsProvider& source, aws::StsClient sts,
                     aws::AssumeRoleParams params)
      : source_(source), sts_(std::move(sts)), params_(std::move(params)) {}

  Result<aws::Credentials> GetCredentials() override {
    Result<aws::Credentials> source = source_.GetCredentials();
    if (!source.ok()) {
      return source.status().WithContext("credentials to assume role " + params_.role_arn);
    }
    return sts_.AssumeRole(params_, *source);
  }
  std::string Name() const override { return "assumed role " + params_.role_arn; }

 private:
  aws::CredentialsProvider& source_;
  aws::StsClient sts_;
  aws::AssumeRoleParams params_;
};

}  // namespace

AwsClients::AwsClients(const pipeline::AwsConfig& aws, EnvLookup env, http::HttpClient& http,
                       Clock& clock)
    : aws_(aws), env_(std::move(env)), http_(http), clock_(clock) {}

AwsClients::~AwsClients() = default;

Result<std::string> AwsClients::Region(const pipeline::AwsTarget& target) const {
  return aws::ResolveRegion(target.region.empty() ? aws_.region : target.region, env_);
}

Result<aws::CredentialsProvider*> AwsClients::Credentials(const pipeline::RoleConfig& role) {
  if (base_ == nullptr) {
    aws::ChainOptions options(env_, http_, clock_);
    options.profile = aws_.profile;
    options.region = aws_.region;
    base_ = aws::NewDefaultChain(options);
  }
  if (role.role_arn.empty()) return base_.get();
  std::string key = RoleKey(role);
  auto it = roles_.find(key);
  if (it == roles_.end()) {
    aws::AssumeRoleParams params;
    params.role_arn = role.role_arn;
    params.role_session_name = role.session_name.empty() ? "statusbridge" : role.session_name;
    params.external_id = role.external_id;
    params.duration = role.duration;
    aws::StsClient sts(http_, clock_, aws::ResolveStsOptions(aws_.region, "", env_));
    auto provider = std::make_unique<AssumeRoleProvider>(*base_, std::move(sts), std::move(params));
    it = roles_.emplace(key, aws::NewRefreshingProvider(std::move(provider), clock_)).first;
  }
  return it->second.get();
}

Result<aws::CloudWatchClient*> AwsClients::CloudWatch(const pipeline::AwsTarget& target) {
  SB_ASSIGN_OR_RETURN(std::string region, Region(target));
  std::string key = region + '\x1e' + RoleKey(target.role);
  auto it = cloudwatch_.find(key);
  if (it == cloudwatch_.end()) {
    SB_ASSIGN_OR_RETURN(aws::CredentialsProvider * credentials, Credentials(target.role));
    aws::CloudWatchOptions options;
    options.region = region;
    options.endpoint =
        aws::ResolveEndpoint("CLOUDWATCH", "monitoring", aws_.endpoint_url, region, env_);
    it = cloudwatch_
             .emplace(key, aws::NewCloudWatchClient(http_, *credentials, clock_, DefaultRandom(),
                                                    std::move(options)))
             .first;
  }
  return it->second.get();
}

Result<aws::LogsInsightsClient*> AwsClients::Logs(const pipeline::AwsTarget& target) {
  SB_ASSIGN_OR_RETURN(std::string region, Region(target));
  std::string key = region + '\x1e' + RoleKey(target.role);
  auto it = logs_.find(key);
  if (it == logs_.end()) {
    SB_ASSIGN_OR_RETURN(aws::CredentialsProvider * credentials, Credentials(target.role));
    aws::LogsInsightsOptions options;
    options.region = region;
    options.endpoint =
        aws::ResolveEndpoint("CLOUDWATCH_LOGS", "logs", aws_.endpoint_url, region, env_);
    options.max_concurrent_queries = aws_.logs.max_concurrent_queries;
    it = logs_
             .emplace(key, aws::NewLogsInsightsClient(http_, *credentials, clock_, DefaultRandom(),
                                                      std::move(options)))
             .first;
  }
  return it->second.get();
}

}  // namespace statusbridge::cli
