#include "statuspage/statuspage_client.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace statusbridge::statuspage {
namespace {

using nlohmann::json;

constexpr size_t kMaxServerMessage = 300;

// Statuspage declares timestamps as int32 epoch seconds (openapi.json, postPagesPageIdMetricsData).
constexpr int64_t kMaxTimestamp = std::numeric_limits<int32_t>::max();

bool HasControlChar(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

// Replaces every occurrence of `secret` in `text` (servers sometimes echo what they were sent).
std::string Redact(std::string text, const Secret& secret) {
  const std::string& key = secret.reveal();
  if (key.empty()) {
    return text;
  }
  size_t pos = 0;
  while ((pos = text.find(key, pos)) != std::string::npos) {
    text.replace(pos, key.size(), Secret::kRedacted);
    pos += std::string_view(Secret::kRedacted).size();
  }
  return text;
}

// What the server said in an error body: ErrorEntity {"message": ".."} per the spec, or the
// {"error": ".."} / {"error": [..]} shapes older clients look for (also {"errors": [..]} and
// {"error": {"message": ..}}). Empty when the body is not JSON or has none of these.
std::string JsonServerMessage(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return {};
  }
  auto text_of = [](const json& v) -> std::string {
    if (v.is_string()) {
      return v.get<std::string>();
    }
    if (v.is_array()) {
      std::string joined;
      for (const json& item : v) {
        if (!joined.empty()) {
          joined += "; ";
        }
        joined += item.is_string() ? item.get<std::string>()
                                   : item.dump(-1, ' ', false, json::error_handler_t::replace);
      }
      return joined;
    }
    if (v.is_object()) {
      auto message = v.find("message");
      if (message != v.end() && message->is_string()) {
        return message->get<std::string>();
      }
    }
    return {};
  };
  for (const char* field : {"message", "error", "errors"}) {
    auto it = j.find(field);
    if (it != j.end()) {
      std::string text = text_of(*it);
      if (!text.empty()) {
        return text;
      }
    }
  }
  return {};
}

// The server's message, or a snippet of the raw body, made printable and short.
std::string ServerMessage(std::string_view body) {
  if (body.empty()) {
    return "(empty body)";
  }
  std::string text;
  try {
    text = JsonServerMessage(body);
  } catch (const json::exception&) {
    // Not the JSON we hoped for: the raw snippet says more than the parser would.
  }
  return http::Snippet(text.empty() ? body : std::string_view(text), kMaxServerMessage);
}

// How one non-2xx HTTP response (or a transport failure) maps onto an Outcome and a Status.
struct Failure {
  Outcome outcome;
  Status status;
};

Failure ClassifyHttpError(const std::string& what, const http::HttpResponse& response,
                          const std::optional<Millis>& retry_after, const Secret& key) {
  const int code = response.status;
  const std::string message = ServerMessage(Redact(response.body, key));
  auto describe = [&](std::string_view verdict, std::string_view extra = {}) {
    std::string m = "Statuspage ";
    m += verdict;
    m += " (HTTP " + std::to_string(code);
    m += extra;
    m += ") for " + what + ": " + message;
    return Redact(std::move(m), key);
  };
  if (code == 401 || code == 403) {
    return {Outcome::kKeyRejected, Status::PermissionDenied(describe("rejected the API key"))};
  }
  if (code == 420 || code == 429) {
    std::string extra = retry_after.has_value()
                            ? ", Retry-After " +
                                  std::to_string(std::chrono::ceil<Seconds>(*retry_after).count()) +
                                  "s"
                            : std::string(", no usable Retry-After");
    return {Outcome::kRetryLater, Status::ResourceExhausted(describe("rate limited", extra))};
  }
  if (code == 408) {
    return {Outcome::kRetryLater, Status::DeadlineExceeded(describe("timed out the request"))};
  }
  if (code >= 500 && code <= 599) {
    return {Outcome::kRetryLater, Status::Unavailable(describe("is unavailable"))};
  }
  if (code == 404) {
    return {Outcome::kRejected, Status::NotFound(describe("found no such page or metric"))};
  }
  if (code >= 400 && code <= 499) {
    return {Outcome::kRejected, Status::InvalidArgument(describe("rejected the request"))};
  }
  // 1xx/3xx or nonsense: nothing says the items are bad, so keep them.
  return {Outcome::kRetryLater,
          Status::Unavailable(describe("answered with an unexpected status"))};
}

// Checks the options that every request needs; on failure nothing may be sent.
Status CheckOptions(const StatuspageOptions& options) {
  if (options.api_key.empty()) {
    return Status::PermissionDenied("no Statuspage API key configured");
  }
  if (HasControlChar(options.api_key.reveal())) {
    return Status::PermissionDenied(
        "the Statuspage API key contains control characters (a trailing newline?)");
  }
  if (options.page_id.empty()) {
    return Status::InvalidArgument("no Statuspage page id configured");
  }
  return Status::Ok();
}

Result<std::optional<SystemTime>> ParseOptionalTime(const json& v) {
  if (v.is_null()) {
    return std::optional<SystemTime>();
  }
  if (!v.is_string()) {
    return Status::Internal(std::string("expected an ISO 8601 string or null, got ") +
                            v.type_name());
  }
  auto t = ParseIso8601(v.get<std::string>());
  if (!t.ok()) {
    return t.status();
  }
  return std::optional<SystemTime>(*t);
}

Result<MetricInfo> ParseMetric(const json& item) {
  if (!item.is_object()) {
    return Status::Internal(std::string("expected a Metric object, got ") + item.type_name());
  }
  MetricInfo info;
  auto id = item.find("id");
  if (id == item.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Status::Internal("Metric has no string \"id\"");
  }
  info.id = id->get<std::string>();
  auto name = item.find("name");
  if (name != item.end() && !name->is_null()) {
    if (!name->is_string()) {
      return Status::Internal("Metric \"" + http::Snippet(info.id, 64) +
                              "\": \"name\" is not a string");
    }
    info.name = name->get<std::string>();
  }
  auto recent = item.find("most_recent_data_at");
  if (recent != item.end()) {
    auto t = ParseOptionalTime(*recent);
    if (!t.ok()) {
      return Status::Internal("Metric \"" + http::Snippet(info.id, 64) +
                              "\": most_recent_data_at: " + http::Snippet(t.status().message()));
    }
    info.most_recent_data_at = *t;
  }
  return info;
}

// Parses one page of GET /metrics: an array of Metric, or (the spec's shape) a single Metric.
Result<std::vector<MetricInfo>> ParseMetricsPageJson(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Internal("response is not valid JSON: " + http::Snippet(body, 200));
  }
  std::vector<MetricInfo> out;
  if (j.is_object()) {
    auto m = ParseMetric(j);
    if (!m.ok()) {
      return m.status();
    }
    out.push_back(std::move(m).value());
    return out;
  }
  if (!j.is_array()) {
    return Status::Internal(std::string("expected a JSON array of metrics, got ") + j.type_name());
  }
  for (size_t i = 0; i < j.size(); ++i) {
    auto m = ParseMetric(j[i]);
    if (!m.ok()) {
      return Status::Internal("metrics[" + std::to_string(i) + "]: " + m.status().message());
    }
    out.push_back(std::move(m).value());
  }
  return out;
}

Result<std::vector<MetricInfo>> ParseMetricsPage(std::string_view body) {
  try {
    return ParseMetricsPageJson(body);
  } catch (const json::exception& e) {
    return Status::Internal(std::string("unexpected JSON: ") + e.what());
  }
}

// The bulk endpoint answers 202 with MetricAddResponse: a JSON object mapping each metric id to
// the points stored (openapi.json; the example has no "data" wrapper, the schema's prose does, so
// both are accepted), each key one of the ids sent. Anything else is not Statuspage's
// acknowledgement: an HTML page, an empty body, or an error object such as {"error": "..."}.
Status CheckBulkAnswer(std::string_view body, const std::vector<MetricPoints>& sent) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Unavailable(body.empty() ? "empty body" : "not JSON");
  }
  if (!j.is_object()) {
    return Status::Unavailable(std::string("a JSON ") + j.type_name() + ", not an object");
  }
  const json* map = &j;
  auto data = j.find("data");
  if (j.size() == 1 && data != j.end() && data->is_object()) {
    map = &*data;
  }
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it->is_array()) {
      return Status::Unavailable("member \"" + http::Snippet(it.key(), 64) + "\" is a " +
                                 it->type_name() + ", not an array of points");
    }
    // Statuspage echoes the points it stored, under the ids we sent; any other key ("errors",
    // say) is somebody else's answer.
    const bool ours = std::any_of(sent.begin(), sent.end(),
                                  [&](const MetricPoints& m) { return m.metric_id == it.key(); });
    if (!ours) {
      return Status::Unavailable("member \"" + http::Snippet(it.key(), 64) +
                                 "\" is not a metric id of the request");
    }
  }
  return Status::Ok();
}

std::string FormatPointTime(SystemTime t) {
  return FormatIso8601(t) + " (" + std::to_string(ToUnixSeconds(t)) + ")";
}

class StatuspageClientImpl : public StatuspageClient {
 public:
  StatuspageClientImpl(http::HttpClient& http, const Clock& clock, StatuspageOptions options)
      : http_(http), clock_(clock), options_(std::move(options)) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/') {
      options_.base_url.pop_back();
    }
    page_url_ = options_.base_url + "/pages/" + http::UrlEncode(options_.page_id);
  }

  // StatuspageClient
  SubmitResult SubmitMetricData(const std::vector<MetricPoints>& data) override;
  Result<std::vector<MetricInfo>> ListMetrics() override;

 private:
  http::HttpRequest NewRequest(std::string method, std::string url) const {
    http::HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.timeout = options_.timeout;
    request.headers.emplace_back("Authorization", "OAuth " + options_.api_key.reveal());
    request.headers.emplace_back("Accept", "application/json");
    return request;
  }

  Result<std::string> EncodeMetricData(const std::vector<MetricPoints>& data) const;

  http::HttpClient& http_;
  const Clock& clock_;
  StatuspageOptions options_;
  std::string page_url_;  // {base_url}/pages/{page_id}
};

Result<std::string> StatuspageClientImpl::EncodeMetricData(
    const std::vector<MetricPoints>& data) const {
  if (data.empty()) {
    return Status::InvalidArgument("no metric data to submit");
  }
  json metrics = json::object();
  for (const MetricPoints& metric : data) {
    if (metric.metric_id.empty()) {
      return Status::InvalidArgument("empty metric id");
    }
    json& points = metrics[metric.metric_id];
    if (points.is_null()) {
      points = json::array();
    }
    for (const Point& p : metric.points) {
      // nlohmann writes NaN and infinities as null, which Statuspage would reject or misread.
      if (!std::isfinite(p.value)) {
        return Status::InvalidArgument("metric \"" + http::Snippet(metric.metric_id, 64) +
                                       "\" has a non-finite value at " +
                                       FormatPointTime(p.timestamp));
      }
      const int64_t ts = ToUnixSeconds(p.timestamp);
      if (ts < 0 || ts > kMaxTimestamp) {
        return Status::InvalidArgument(
            "metric \"" + http::Snippet(metric.metric_id, 64) +
            "\" has a timestamp outside Statuspage's int32 range: " + std::to_string(ts));
      }
      points.push_back(json{{"timestamp", ts}, {"value", p.value}});
    }
  }
  try {
    return json{{"data", std::move(metrics)}}.dump();
  } catch (const json::exception& e) {
    // Only invalid UTF-8 in a metric id can get here.
    return Status::InvalidArgument(std::string("cannot encode metric data as JSON: ") + e.what());
  }
}

SubmitResult StatuspageClientImpl::SubmitMetricData(const std::vector<MetricPoints>& data) {
  SubmitResult result;
  const std::string url = page_url_ + "/metrics/data";
  const std::string what = "POST " + url;
  Status options_ok = CheckOptions(options_);
  if (!options_ok.ok()) {
    result.outcome = Outcome::kKeyRejected;
    result.status = options_ok.WithContext(what);
    return result;
  }
  Result<std::string> body = EncodeMetricData(data);
  if (!body.ok()) {
    result.outcome = Outcome::kRejected;
    result.status =
        Status(body.status().code(),
               Redact(what + ": refusing to send: " + body.status().message(), options_.api_key));
    return result;
  }

  http::HttpRequest request = NewRequest("POST", url);
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body).value();

  Result<http::HttpResponse> response = http_.Send(request);
  if (!response.ok()) {
    result.outcome = Outcome::kRetryLater;
    result.status = Status(response.status().code(),
                           Redact("Statuspage: " + response.status().message(), options_.api_key));
    return result;
  }
  result.http_status = response->status;
  std::string_view retry_after = response->Header("Retry-After");
  if (!retry_after.empty()) {
    result.retry_after = ParseRetryAfter(retry_after, clock_.Now());
  }
  if (response->status >= 200 && response->status <= 299) {
    Status shape = CheckBulkAnswer(response->body, data);
    if (!shape.ok()) {
      // A proxy, captive portal or broken gateway answered for Statuspage: nothing says the
      // points were stored, so they stay in the outbox.
      result.outcome = Outcome::kRetryLater;
      result.status = Status::Unavailable(Redact(
          "Statuspage answered HTTP " + std::to_string(response->status) + " for " + what +
              " with a body that is not its answer (" + shape.message() +
              "): " + http::Snippet(response->body, kMaxServerMessage) + "; the points are kept",
          options_.api_key));
      return result;
    }
    result.outcome = Outcome::kAccepted;
    return result;
  }
  Failure failure = ClassifyHttpError(what, *response, result.retry_after, options_.api_key);
  result.outcome = failure.outcome;
  result.status = std::move(failure.status);
  return result;
}

Result<std::vector<MetricInfo>> StatuspageClientImpl::ListMetrics() {
  const std::string base = page_url_ + "/metrics";
  SB_RETURN_IF_ERROR(CheckOptions(options_).WithContext("GET " + base));
  std::vector<MetricInfo> all;
  std::set<std::string> seen;
  for (int page = 1; page <= kMaxListPages; ++page) {
    const std::string url =
        base + "?page=" + std::to_string(page) + "&per_page=" + std::to_string(kListPageSize);
    const std::string what = "GET " + url;
    Result<http::HttpResponse> response = http_.Send(NewRequest("GET", url));
    if (!response.ok()) {
      return Status(response.status().code(),
                    Redact("Statuspage: " + response.status().message(), options_.api_key));
    }
    if (response->status < 200 || response->status > 299) {
      std::optional<Millis> retry_after;
      std::string_view header = response->Header("Retry-After");
      if (!header.empty()) {
        retry_after = ParseRetryAfter(header, clock_.Now());
      }
      return ClassifyHttpError(what, *response, retry_after, options_.api_key).status;
    }
    Result<std::vector<MetricInfo>> items = ParseMetricsPage(response->body);
    if (!items.ok()) {
      return Status::Internal(
          Redact("Statuspage: " + what + ": " + items.status().message(), options_.api_key));
    }
    size_t added = 0;
    for (MetricInfo& m : *items) {
      // A metric created while we page can shift an item onto the next page twice.
      if (seen.insert(m.id).second) {
        all.push_back(std::move(m));
        ++added;
      }
    }
    if (items->size() < static_cast<size_t>(kListPageSize)) {
      return all;
    }
    if (added == 0) {
      return Status::Internal("Statuspage: " + what +
                              ": the page repeats only metrics already listed; the server is "
                              "ignoring pagination");
    }
  }
  return Status::Internal("Statuspage: GET " + base + ": still more metrics after " +
                          std::to_string(kMaxListPages) + " pages of " +
                          std::to_string(kListPageSize));
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAccepted:
      return "accepted";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kRetryLater:
      return "retry_later";
    case Outcome::kKeyRejected:
      return "key_rejected";
  }
  return "unknown";
}

std::optional<Millis> ParseRetryAfter(std::string_view value, SystemTime now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  if (value.front() >= '0' && value.front() <= '9') {
    // delta-seconds = 1*DIGIT (RFC 9110 §10.2.3); a number too large for int64 is still a
    // number of seconds, just a very large one.
    const Seconds cap = std::chrono::duration_cast<Seconds>(kMaxRetryAfter);
    int64_t seconds = 0;
    for (char c : value) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      if (seconds < cap.count()) {
        seconds = seconds * 10 + (c - '0');
      }
    }
    return std::min(Millis(Seconds(std::min(seconds, cap.count()))), kMaxRetryAfter);
  }
  Result<SystemTime> when = ParseHttpDate(value);
  if (!when.ok()) {
    return std::nullopt;
  }
  if (*when <= now) {
    return Millis(0);
  }
  return std::min(SaturatingDiff(*when, now), kMaxRetryAfter);
}

std::unique_ptr<StatuspageClient> NewStatuspageClient(http::HttpClient& http, const Clock& clock,
                                                      StatuspageOptions options) {
  return std::make_unique<StatuspageClientImpl>(http, clock, std::move(options));
}

}  // namespace statusbridge::statuspage
