#include "control_api.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "statuspage_emulator.h"

namespace statusbridge::sandbox {
namespace {

using nlohmann::json;

void WriteJson(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json");
}

std::optional<double> Finite(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number() || !std::isfinite(it->get<double>())) {
    return std::nullopt;
  }
  return it->get<double>();
}

struct CloudWatchPut {
  MetricIdentity metric;
  int64_t timestamp = 0;
  StatSet set;
  std::optional<std::vector<WeightedValue>> values;
  PutMode mode = PutMode::kOverride;
};

// PutMetricData's limit on Values (and Counts) per metric.
constexpr size_t kMaxValuesPerPut = 150;

// "values":[...] with optional "counts":[...] of the same length.
bool ParseValues(const json& item, const std::string& where, CloudWatchPut& put,
                 std::string& error) {
  const json& values = item["values"];
  auto counts = item.find("counts");
  const bool has_counts = counts != item.end() && !counts->is_null();
  if (!values.is_array() || values.empty() || values.size() > kMaxValuesPerPut) {
    error = where + ".values must be an array of 1 to 150 finite numbers";
    return false;
  }
  if (has_counts && (!counts->is_array() || counts->size() != values.size())) {
    error = where + ".counts must be an array as long as values";
    return false;
  }
  std::vector<WeightedValue> weighted;
  for (size_t i = 0; i < values.size(); ++i) {
    const json& v = values[i];
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      error = where + ".values[" + std::to_string(i) + "] must be a finite number";
      return false;
    }
    double count = 1;
    if (has_counts) {
      const json& c = (*counts)[i];
      if (!c.is_number() || !std::isfinite(c.get<double>()) || c.get<double>() < 0) {
        error = where + ".counts[" + std::to_string(i) + "] must be a finite number >= 0";
        return false;
      }
      count = c.get<double>();
    }
    weighted.push_back({v.get<double>(), count});
  }
  put.set = StatSetOfValues(weighted);
  if (put.set.sample_count <= 0) {
    error = where + ".counts must not all be 0";
    return false;
  }
  put.values = std::move(weighted);
  return true;
}

std::optional<CloudWatchPut> ParsePut(const json& item, size_t index, std::string& error) {
  const std::string where = "data[" + std::to_string(index) + "]";
  if (!item.is_object()) {
    error = where + " must be an object";
    return std::nullopt;
  }
  CloudWatchPut put;
  auto ns = item.find("namespace");
  auto metric = item.find("metric");
  if (ns == item.end() || !ns->is_string() || ns->get<std::string>().empty() ||
      metric == item.end() || !metric->is_string() || metric->get<std::string>().empty()) {
    error = where + ": namespace and metric are required strings";
    return std::nullopt;
  }
  put.metric.namespace_name = ns->get<std::string>();
  put.metric.metric_name = metric->get<std::string>();
  if (auto dims = item.find("dimensions"); dims != item.end() && !dims->is_null()) {
    if (!dims->is_object()) {
      error = where + ".dimensions must be an object of name -> value";
      return std::nullopt;
    }
    for (const auto& [name, value] : dims->items()) {
      if (!value.is_string()) {
        error = where + ".dimensions." + name + " must be a string";
        return std::nullopt;
      }
      put.metric.dimensions.emplace_back(name, value.get<std::string>());
    }
  }
  std::optional<double> ts = Finite(item, "timestamp");
  if (!ts) {
    error = where + ".timestamp must be epoch seconds (the minute's start)";
    return std::nullopt;
  }
  put.timestamp = static_cast<int64_t>(std::floor(*ts));
  auto stats = item.find("stats");
  const bool has_stats = stats != item.end() && !stats->is_null();
  const bool has_value = item.contains("value") && !item["value"].is_null();
  const bool has_values = item.contains("values") && !item["values"].is_null();
  if (has_stats + has_value + has_values > 1) {
    error = where + ": give only one of value, values and stats";
    return std::nullopt;
  }
  if (has_values) {
    if (!ParseValues(item, where, put, error)) {
      return std::nullopt;
    }
  } else if (has_stats) {
    std::optional<double> n = stats->is_object() ? Finite(*stats, "SampleCount") : std::nullopt;
    std::optional<double> sum = stats->is_object() ? Finite(*stats, "Sum") : std::nullopt;
    std::optional<double> min = stats->is_object() ? Finite(*stats, "Minimum") : std::nullopt;
    std::optional<double> max = stats->is_object() ? Finite(*stats, "Maximum") : std::nullopt;
    if (!n || !sum || !min || !max || *n <= 0 || *min > *max) {
      error = where +
              ".stats must hold finite SampleCount (> 0), Sum, Minimum and Maximum "
              "(Minimum <= Maximum)";
      return std::nullopt;
    }
    put.set = StatSet{*n, *sum, *min, *max};
  } else if (std::optional<double> value = Finite(item, "value")) {
    put.set = SingleValue(*value);
  } else {
    error = where + ": one of value (a finite number), values or stats is required";
    return std::nullopt;
  }
  if (auto mode = item.find("mode"); mode != item.end() && !mode->is_null()) {
    if (*mode == "add") {
      put.mode = PutMode::kAdd;
    } else if (*mode != "override") {
      error = where + ".mode must be \"override\" or \"add\"";
      return std::nullopt;
    }
  }
  return put;
}

bool IsLogGroupName(const std::string& name) {
  return !name.empty() && name.size() <= 512 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           c == '/' || c == '#';
  });
}

std::optional<json> ParseBody(const httplib::Request& request, httplib::Response& response) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    WriteMessage(response, 400, "the request body is not valid JSON");
    return std::nullopt;
  }
  return body;
}

}  // namespace

void ControlApi::Handle(const httplib::Request& request, httplib::Response& response) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto route = [&](const char* route_path, const char* route_method) {
    return path == route_path && method == route_method;
  };
  if (route("/_sandbox/health", "GET")) {
    WriteJson(response, 200,
              {{"status", "ok"},
               {"page_id", t_.page_id},
               {"region", t_.region},
               {"seed", t_.cloudwatch.seed()},
               {"traffic_shape", TrafficShapeName(t_.logs.shape())},
               {"strict_metrics", t_.statuspage.strict()}});
  } else if (route("/_sandbox/points", "GET")) {
    std::optional<std::string> id;
    if (request.has_param("metric_id")) {
      id = request.get_param_value("metric_id");
    }
    json body = json::object();
    for (const auto& [metric_id, points] : t_.statuspage.Points(id)) {
      json list = json::array();
      for (const StoredPoint& p : points) {
        list.push_back({{"timestamp", p.timestamp}, {"value", p.value}});
      }
      body[metric_id] = std::move(list);
    }
    WriteJson(response, 200, body);
  } else if (route("/_sandbox/requests", "GET")) {
    WriteJson(response, 200, t_.log.Snapshot(request.get_param_value("api")));
  } else if (route("/_sandbox/stats", "GET")) {
    WriteJson(response, 200, t_.stats.ToJson());
  } else if (route("/_sandbox/faults", "GET")) {
    WriteJson(response, 200, t_.faults.Pending());
  } else if (route("/_sandbox/faults", "POST")) {
    QueueFault(request, response);
  } else if (route("/_sandbox/faults", "DELETE")) {
    WriteJson(response, 200, {{"cleared", t_.faults.Clear()}});
  } else if (route("/_sandbox/cloudwatch/data", "POST")) {
    PutCloudWatchData(request, response);
  } else if (route("/_sandbox/logs/events", "POST")) {
    PutLogEvents(request, response);
  } else if (route("/_sandbox/statuspage/metrics", "POST")) {
    RegisterMetrics(request, response);
  } else if (route("/_sandbox/credentials", "POST")) {
    RegisterCredentials(request, response);
  } else if (route("/_sandbox/reset", "POST")) {
    Reset(response);
  } else if (path == "/_sandbox/health" || path == "/_sandbox/points" ||
             path == "/_sandbox/requests" || path == "/_sandbox/stats" ||
             path == "/_sandbox/faults" || path == "/_sandbox/cloudwatch/data" ||
             path == "/_sandbox/logs/events" || path == "/_sandbox/statuspage/metrics" ||
             path == "/_sandbox/reset" || path == "/_sandbox/credentials") {
    WriteMessage(response, 405, "Method not allowed");
  } else {
    WriteMessage(response, 404, "Unknown control endpoint " + path);
  }
}

void ControlApi::QueueFault(const httplib::Request& request, httplib::Response& response) {
  std::optional<json> body = ParseBody(request, response);
  if (!body) {
    return;
  }
  std::string error;
  std::optional<FaultSpec> spec = ParseFaultSpec(*body, error);
  if (!spec) {
    WriteMessage(response, 400, error);
    return;
  }
  t_.faults.Push(*spec);
  WriteJson(response, 200, {{"queued", spec->count}, {"pending", t_.faults.Pending()}});
}

void ControlApi::PutCloudWatchData(const httplib::Request& request, httplib::Response& response) {
  std::optional<json> body = ParseBody(request, response);
  if (!body) {
    return;
  }
  json items;
  if (body->is_array()) {
    items = *body;
  } else if (body->is_object() && body->contains("data")) {
    items = (*body)["data"];
  } else {
    items = json::array({*body});
  }
  if (!items.is_array()) {
    WriteMessage(response, 400, "data must be an array");
    return;
  }
  // Validate everything first, so a bad item stores nothing.
  std::vector<CloudWatchPut> puts;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string error;
    std::optional<CloudWatchPut> put = ParsePut(items[i], i, error);
    if (!put) {
      WriteMessage(response, 400, error);
      return;
    }
    puts.push_back(std::move(*put));
  }
  for (const CloudWatchPut& put : puts) {
    t_.cloudwatch.Put(put.metric, put.timestamp, put.set, put.mode, put.values);
  }
  WriteJson(response, 200, {{"stored", puts.size()}});
}

void ControlApi::PutLogEvents(const httplib::Request& request, httplib::Response& response) {
  std::optional<json> body = ParseBody(request, response);
  if (!body) {
    return;
  }
  if (!body->is_object()) {
    WriteMessage(response, 400, "expected {\"log_group\":..,\"events\":[...]}");
    return;
  }
  auto group = body->find("log_group");
  if (group == body->end() || !group->is_string() || !IsLogGroupName(group->get<std::string>())) {
    WriteMessage(response, 400,
                 "log_group must be a log group name: 1..512 characters of [.-_/#A-Za-z0-9]");
    return;
  }
  std::string stream = "sandbox";
  if (auto it = body->find("log_stream"); it != body->end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > 512 ||
        it->get<std::string>().find_first_of(":*") != std::string::npos) {
      WriteMessage(response, 400, "log_stream must be 1..512 characters without ':' or '*'");
      return;
    }
    stream = it->get<std::string>();
  }
  auto events = body->find("events");
  if (events == body->end() || !events->is_array()) {
    WriteMessage(response, 400, "events must be an array of {\"timestamp\":ms,\"message\":..}");
    return;
  }
  std::vector<LogsData::PutEvent> puts;
  for (size_t i = 0; i < events->size(); ++i) {
    const json& event = (*events)[i];
    const std::string where = "events[" + std::to_string(i) + "]";
    auto ts = event.is_object() ? event.find("timestamp") : event.end();
    auto message = event.is_object() ? event.find("message") : event.end();
    if (ts == event.end() || !ts->is_number_integer() || ts->get<int64_t>() < 0) {
      WriteMessage(response, 400, where + ".timestamp must be epoch milliseconds (an integer)");
      return;
    }
    if (message == event.end() || !message->is_string() || message->get<std::string>().empty()) {
      WriteMessage(response, 400, where + ".message must be a non-empty string");
      return;
    }
    puts.push_back({ts->get<int64_t>(), message->get<std::string>()});
  }
  t_.logs.Put(group->get<std::string>(), stream, puts, ToUnixSeconds(t_.clock.Now()) * 1000);
  WriteJson(response, 200, {{"stored", puts.size()}});
}

void ControlApi::RegisterMetrics(const httplib::Request& request, httplib::Response& response) {
  std::optional<json> body = ParseBody(request, response);
  if (!body) {
    return;
  }
  auto ids = body->is_object() ? body->find("ids") : body->end();
  if (!body->is_object() || ids == body->end() || !ids->is_array()) {
    WriteMessage(response, 400, "expected {\"ids\":[\"<metric_id>\",...]}");
    return;
  }
  std::vector<std::string> list;
  for (const json& id : *ids) {
    if (!id.is_string() || id.get<std::string>().empty()) {
      WriteMessage(response, 400, "ids must be non-empty strings");
      return;
    }
    list.push_back(id.get<std::string>());
  }
  t_.statuspage.Register(list, t_.clock.Now());
  WriteJson(response, 200, {{"registered", list}});
}

void ControlApi::RegisterCredentials(const httplib::Request& request, httplib::Response& response) {
  std::optional<json> body = ParseBody(request, response);
  if (!body) return;
  const json& b = *body;
  if (!b.is_object() || !b.contains("access_key_id") || !b["access_key_id"].is_string() ||
      !b.contains("secret_access_key") || !b["secret_access_key"].is_string() ||
      !b.contains("session_token") || !b["session_token"].is_string() ||
      !b.contains("expiration") || !b["expiration"].is_number_integer()) {
    WriteMessage(response, 400,
                 "expected {\"access_key_id\", \"secret_access_key\", \"session_token\" (strings), "
                 "\"expiration\" (epoch seconds)}");
    return;
  }
  std::string id = b["access_key_id"].get<std::string>();
  t_.credentials.Add(id,
                     TemporaryCredentials::Entry{b["secret_access_key"].get<std::string>(),
                                                 b["session_token"].get<std::string>(),
                                                 FromUnixSeconds(b["expiration"].get<int64_t>())});
  WriteJson(response, 200, {{"registered", id}});
}

void ControlApi::Reset(httplib::Response& response) {
  t_.statuspage.Clear();
  t_.cloudwatch.ClearPuts();
  t_.logs.ClearPuts();
  t_.logs_service.Clear();
  t_.log.Clear();
  t_.stats.Reset();
  t_.faults.Clear();
  t_.limiter.Reset();
  WriteJson(response, 200, {{"reset", true}});
}

}  // namespace statusbridge::sandbox
