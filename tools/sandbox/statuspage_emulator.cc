#include "statuspage_emulator.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "statuspage_wire.h"

namespace statusbridge::sandbox {
namespace {

using nlohmann::json;

constexpr const char* kJsonContentType = "application/json; charset=utf-8";
constexpr int kMaxPerPage = 100;

void WriteJson(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), kJsonContentType);
}

std::vector<std::string> PathSegments(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) {
      slash = path.size();
    }
    if (slash > start) {
      segments.push_back(path.substr(start, slash - start));
    }
    start = slash + 1;
  }
  if (!segments.empty()) {
    std::string& last = segments.back();
    if (last.size() > 5 && last.compare(last.size() - 5, 5, ".json") == 0) {
      last.resize(last.size() - 5);
    }
  }
  return segments;
}

bool IsForm(const httplib::Request& request) {
  return request.get_header_value("Content-Type").find("application/x-www-form-urlencoded") !=
         std::string::npos;
}

int IntParam(const httplib::Request& request, const char* name, int fallback) {
  std::string text = request.get_param_value(name);
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < 1) {
    return fallback;
  }
  return v;
}

json MetricJson(const MetricInfo& info) {
  return {
      {"id", info.id},
      {"metrics_provider_id", "sandboxprovider"},
      {"metric_identifier", info.id},
      {"name", info.id},
      {"display", true},
      {"tooltip_description", ""},
      {"backfilled", false},
      {"y_axis_min", nullptr},
      {"y_axis_max", nullptr},
      {"y_axis_hidden", false},
      {"suffix", ""},
      {"decimal_places", 0},
      {"most_recent_data_at",
       info.most_recent_data_at ? json(FormatIso8601(*info.most_recent_data_at)) : json(nullptr)},
      {"created_at", FormatIso8601(info.created_at)},
      {"updated_at", FormatIso8601(info.updated_at)},
      {"last_fetched_at", nullptr},
      {"backfill_percentage", 0},
      {"reference_name", info.id}};
}

}  // namespace

void WriteMessage(httplib::Response& response, int status, const std::string& message) {
  WriteJson(response, status, json{{"message", message}});
}

StatuspageEmulator::StatuspageEmulator(StatuspageConfig config, StatuspageStore& store,
                                       RollingWindowLimiter& limiter, SandboxStats& stats,
                                       const Clock& clock)
    : config_(std::move(config)), store_(store), limiter_(limiter), stats_(stats), clock_(clock) {}

void StatuspageEmulator::Handle(const httplib::Request& request, httplib::Response& response,
                                RequestRecord& record) {
  std::string authorization = request.get_header_value("Authorization");
  const bool header_ok = authorization == "OAuth " + config_.api_key;
  const bool param_ok =
      request.has_param("api_key") && request.get_param_value("api_key") == config_.api_key;
  if (!header_ok && !param_ok) {
    ++stats_.auth_failures;
    WriteMessage(response, 401,
                 "Could not authenticate: send the page's API key as 'Authorization: OAuth "
                 "<key>' or ?api_key=<key>");
    return;
  }
  RateDecision decision = limiter_.Acquire(config_.api_key);
  if (!decision.allowed) {
    ++stats_.rate_limited;
    response.set_header("Retry-After", std::to_string(decision.retry_after.count()));
    WriteMessage(response, config_.rate_limit_status, "Rate limit exceeded");
    return;
  }

  // /v1/pages/{page}/metrics[/data | /{id} | /{id}/data]
  std::vector<std::string> seg = PathSegments(request.path);
  if (seg.size() < 4 || seg.size() > 6 || seg[0] != "v1" || seg[1] != "pages" ||
      seg[3] != "metrics") {
    WriteMessage(response, 404, "Not found: the sandbox serves /v1/pages/{page_id}/metrics...");
    return;
  }
  if (seg[2] != config_.page_id) {
    WriteMessage(response, 404, "Page not found");
    return;
  }
  const bool post = request.method == "POST";
  const bool get = request.method == "GET";
  if (seg.size() == 4) {
    if (!get) {
      WriteMessage(response, 405, "Method not allowed");
      return;
    }
    ListMetrics(request, response);
  } else if (seg.size() == 5 && seg[4] == "data") {
    if (!post) {
      WriteMessage(response, 405, "Method not allowed");
      return;
    }
    PostBulk(request, response, record);
  } else if (seg.size() == 5) {
    if (!get) {
      WriteMessage(response, 405, "Method not allowed");
      return;
    }
    GetMetric(seg[4], response);
  } else if (seg[5] == "data") {
    if (!post) {
      WriteMessage(response, 405, "Method not allowed");
      return;
    }
    PostSingle(seg[4], request, response, record);
  } else {
    WriteMessage(response, 404, "Not found");
  }
}

void StatuspageEmulator::PostBulk(const httplib::Request& request, httplib::Response& response,
                                  RequestRecord& record) {
  ++stats_.statuspage_data_requests;
  ParsedBody parsed = ParseBulkBody(request.body, IsForm(request));
  if (parsed.error) {
    WriteMessage(response, parsed.error->status, parsed.error->message);
    return;
  }
  record.points = static_cast<int64_t>(parsed.points.size());
  StatuspageStore::BulkResult result = store_.Write(parsed.points, clock_.Now());
  if (result.unknown_metric) {
    WriteMessage(response, 404, "metric not found");
    return;
  }
  stats_.points_received += static_cast<int64_t>(parsed.points.size());
  json body = json::object();
  for (size_t i = 0; i < parsed.points.size(); ++i) {
    const WriteResult& r = result.results[i];
    if (r.outcome == PointOutcome::kTooOld) {
      ++stats_.dropped_too_old;
      continue;
    }
    if (r.outcome == PointOutcome::kFuture) {
      ++stats_.dropped_future;
      continue;
    }
    ++stats_.points_stored;
    body[parsed.points[i].metric_id].push_back(
        {{"timestamp", r.slot}, {"value", parsed.points[i].value}});
  }
  WriteJson(response, 202, body);
}

void StatuspageEmulator::PostSingle(const std::string& metric_id, const httplib::Request& request,
                                    httplib::Response& response, RequestRecord& record) {
  ++stats_.statuspage_data_requests;
  ParsedBody parsed = ParseSingleBody(request.body, IsForm(request), metric_id);
  if (parsed.error) {
    WriteMessage(response, parsed.error->status, parsed.error->message);
    return;
  }
  record.points = 1;
  StatuspageStore::BulkResult result = store_.Write(parsed.points, clock_.Now());
  if (result.unknown_metric) {
    WriteMessage(response, 404, "metric not found");
    return;
  }
  ++stats_.points_received;
  const WriteResult& r = result.results.front();
  if (r.outcome == PointOutcome::kTooOld) {
    ++stats_.dropped_too_old;
    WriteMessage(response, 422, "data.timestamp is more than 28 days in the past");
    return;
  }
  if (r.outcome == PointOutcome::kFuture) {
    ++stats_.dropped_future;
    WriteMessage(response, 422, "data.timestamp is more than 5 minutes in the future");
    return;
  }
  ++stats_.points_stored;
  WriteJson(response, 201,
            json{{"data", {{"timestamp", r.slot}, {"value", parsed.points.front().value}}}});
}

void StatuspageEmulator::ListMetrics(const httplib::Request& request, httplib::Response& response) {
  const int page = IntParam(request, "page", 1);
  const int per_page = std::min(IntParam(request, "per_page", kMaxPerPage), kMaxPerPage);
  std::vector<MetricInfo> metrics = store_.List();
  json body = json::array();
  const size_t first = static_cast<size_t>(page - 1) * static_cast<size_t>(per_page);
  for (size_t i = first; i < metrics.size() && i < first + static_cast<size_t>(per_page); ++i) {
    body.push_back(MetricJson(metrics[i]));
  }
  WriteJson(response, 200, body);
}

void StatuspageEmulator::GetMetric(const std::string& metric_id, httplib::Response& response) {
  std::optional<MetricInfo> info = store_.Get(metric_id);
  if (!info) {
    WriteMessage(response, 404, "metric not found");
    return;
  }
  WriteJson(response, 200, MetricJson(*info));
}

}  // namespace statusbridge::sandbox
