// The aws section and where each query is read: region and role at the aws, metric and query
// levels (pipeline/config_reader.h).

#include "aws/arn.h"
#include "aws/endpoints.h"
#include "pipeline/config_reader.h"

namespace statusbridge::pipeline::config_internal {
namespace {

constexpr int kMaxConcurrentLogsQueries = 100;
constexpr Seconds kMaxLogsQueryTimeout{3600};  // Logs Insights stops a query after 60 minutes
constexpr const char* kDefaultSessionName = "statusbridge";

}  // namespace

const std::vector<std::string_view>& TargetKeys() {
  static const std::vector<std::string_view> kKeys = {"region", "role_arn", "external_id",
                                                      "session_name"};
  return kKeys;
}

AwsTarget ResolveTarget(const AwsConfig& aws, const TargetOverride& metric,
                        const TargetOverride& query) {
  AwsTarget target;
  target.region = query.region.value_or(metric.region.value_or(aws.region));
  target.role = query.role.value_or(metric.role.value_or(aws.role));
  target.role.duration = aws.role.duration;
  return target;
}

Status ConfigReader::ReadAws(const Field& f, AwsConfig* out) const {
  SB_ASSIGN_OR_RETURN(
      MapView map, MapView::Open(f, {"region", "profile", "endpoint_url", "role_arn", "external_id",
                                     "session_name", "duration", "logs"}));
  TargetOverride target;
  SB_RETURN_IF_ERROR(ReadTarget(map, /*aws_section=*/true, &target));
  out->region = target.region.value_or("");
  if (target.role) {
    out->role = *target.role;
  }
  if (auto v = map.Get("duration")) {
    SB_ASSIGN_OR_RETURN(out->role.duration, Duration(*v));
    if (out->role.duration < aws::kMinRoleDuration || out->role.duration > aws::kMaxRoleDuration) {
      return Error(v->path, "must be between " + FormatDuration(aws::kMinRoleDuration) + " and " +
                                FormatDuration(aws::kMaxRoleDuration) + ", what STS allows (got " +
                                FormatDuration(out->role.duration) + ")");
    }
  }
  if (auto v = map.Get("profile")) {
    SB_ASSIGN_OR_RETURN(out->profile, Text(*v, "a string", kNameText));
  }
  if (auto v = map.Get("endpoint_url")) {
    SB_ASSIGN_OR_RETURN(out->endpoint_url, HttpUrl(*v));
  }
  if (auto v = map.Get("logs")) {
    SB_RETURN_IF_ERROR(ReadLogs(*v, &out->logs));
  }
  return Status::Ok();
}

Status ConfigReader::ReadLogs(const Field& f, LogsConfig* out) const {
  SB_ASSIGN_OR_RETURN(MapView map, MapView::Open(f, {"max_concurrent_queries", "query_timeout"}));
  if (auto v = map.Get("max_concurrent_queries")) {
    SB_ASSIGN_OR_RETURN(out->max_concurrent_queries, WholeNumber(*v, 1, kMaxConcurrentLogsQueries));
  }
  if (auto v = map.Get("query_timeout")) {
    SB_ASSIGN_OR_RETURN(out->query_timeout, Duration(*v));
    if (out->query_timeout < Seconds(1) || out->query_timeout > kMaxLogsQueryTimeout) {
      return Error(v->path, "must be between 1s and " + FormatDuration(kMaxLogsQueryTimeout) +
                                " (got " + FormatDuration(out->query_timeout) + ")");
    }
  }
  return Status::Ok();
}

// region, role_arn, external_id and session_name of one level. In the aws section an empty
// region means "from the environment"; a metric or query that sets region must name one.
Status ConfigReader::ReadTarget(const MapView& map, bool aws_section, TargetOverride* out) const {
  if (auto v = map.Get("region")) {
    SB_ASSIGN_OR_RETURN(std::string region, Text(*v, "a string", kNameText));
    if (region.empty() && !aws_section) {
      return Error(v->path, "must not be empty (leave region out to inherit it)");
    }
    if (!region.empty()) {
      if (Status s = aws::CheckRegion(region); !s.ok()) {
        return Error(v->path, s.message());
      }
    }
    out->region = std::move(region);
  }
  auto role_arn = map.Get("role_arn");
  RoleConfig role;
  if (role_arn) {
    SB_ASSIGN_OR_RETURN(role.role_arn, NonEmptyText(*role_arn));
    if (role.role_arn == "none") {
      role.role_arn.clear();
    } else if (Status s = aws::CheckRoleArn(role.role_arn); !s.ok()) {
      return Error(role_arn->path, s.message());
    } else {
      role.session_name = kDefaultSessionName;
    }
  }
  SB_RETURN_IF_ERROR(ReadRoleOptions(map, &role));
  if (role_arn) {
    out->role = std::move(role);
  }
  return Status::Ok();
}

// external_id and session_name, which are only allowed next to a role_arn that names a role.
Status ConfigReader::ReadRoleOptions(const MapView& map, RoleConfig* role) const {
  for (std::string_view key : {"external_id", "session_name"}) {
    auto v = map.Get(key);
    if (!v) {
      continue;
    }
    if (!map.Has("role_arn")) {
      return Error(v->path, "only allowed next to role_arn (a role's options stay with it)");
    }
    if (role->role_arn.empty()) {
      return Error(v->path, "not allowed with role_arn: none");
    }
    const bool external = key == "external_id";
    // An external id is a shared secret: never quoted (its own rules check the characters).
    SB_ASSIGN_OR_RETURN(std::string text, Text(*v, "a string", external ? kSecretText : kAnyText));
    Status s = external ? aws::CheckExternalId(text) : aws::CheckRoleSessionName(text);
    if (!s.ok()) {
      return Error(v->path, s.message());
    }
    (external ? role->external_id : role->session_name) = std::move(text);
  }
  return Status::Ok();
}

}  // namespace statusbridge::pipeline::config_internal
