#include "get_metric_data.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "aws/sigv4.h"
#include "metric_math.h"

namespace statusbridge::sandbox {
namespace {

using nlohmann::json;

struct Query {
  std::string id;
  std::string label;
  bool return_data = true;
  MetricIdentity metric;
  int64_t period = 0;
  Statistic stat = Statistic::kSum;
  std::optional<ExtendedStatistic> extended;  // set for pNN / tmNN; `stat` is then unused
  std::optional<MathExpression> expression;   // set for an Expression query (no metric then)
  std::optional<int64_t> expression_period;   // an Expression query's Period
};

constexpr size_t kMaxExpressionLength = 2048;

struct Request {
  std::vector<Query> queries;
  double start_time = 0;
  double end_time = 0;
  bool ascending = false;
  int64_t max_datapoints = kMaxDatapointsPerCall;
  std::string next_token;
  std::string fingerprint;  // identifies the request apart from NextToken
};

// Where a page starts: query index, and the last timestamp already returned for that query.
struct Cursor {
  size_t query = 0;
  std::optional<int64_t> after;
};

AwsErrorReply Error(std::string code, std::string message) {
  return AwsErrorReply{400, std::move(code), std::move(message)};
}

AwsErrorReply Missing(const std::string& name) {
  return Error("MissingParameter", "The parameter " + name + " is required.");
}

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 255 || id[0] < 'a' || id[0] > 'z') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

const json* Member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

std::optional<AwsErrorReply> ParseMetric(const json& metric_json, const std::string& where,
                                         MetricIdentity& metric) {
  if (!metric_json.is_object()) {
    return Error("ValidationError", "Value at '" + where + "' must be a structure.");
  }
  const json* ns = Member(metric_json, "Namespace");
  const json* name = Member(metric_json, "MetricName");
  if (ns == nullptr || !ns->is_string() || ns->get<std::string>().empty()) {
    return Missing(where + ".Namespace");
  }
  if (name == nullptr || !name->is_string() || name->get<std::string>().empty()) {
    return Missing(where + ".MetricName");
  }
  metric.namespace_name = ns->get<std::string>();
  metric.metric_name = name->get<std::string>();
  if (const json* dims = Member(metric_json, "Dimensions")) {
    if (!dims->is_array() || dims->size() > 30) {
      return Error("ValidationError",
                   "Value at '" + where + ".Dimensions' must be a list of at most 30 entries.");
    }
    for (size_t i = 0; i < dims->size(); ++i) {
      const json& dim = (*dims)[i];
      std::string dim_where = where + ".Dimensions.member." + std::to_string(i + 1);
      const json* dim_name = dim.is_object() ? Member(dim, "Name") : nullptr;
      const json* dim_value = dim.is_object() ? Member(dim, "Value") : nullptr;
      if (dim_name == nullptr || !dim_name->is_string() || dim_name->get<std::string>().empty()) {
        return Missing(dim_where + ".Name");
      }
      if (dim_value == nullptr || !dim_value->is_string() ||
          dim_value->get<std::string>().empty()) {
        return Missing(dim_where + ".Value");
      }
      metric.dimensions.emplace_back(dim_name->get<std::string>(), dim_value->get<std::string>());
    }
  }
  return std::nullopt;
}

std::optional<AwsErrorReply> ParseExpressionQuery(const json& query_json, const json& expression,
                                                  const std::string& where, Query& query) {
  if (!expression.is_string() || expression.get<std::string>().empty() ||
      expression.get<std::string>().size() > kMaxExpressionLength) {
    return Error("ValidationError", "1 validation error detected: Value at '" + where +
                                        ".expression' failed to satisfy constraint: Member must "
                                        "be a string of 1 to 2048 characters");
  }
  if (const json* period = Member(query_json, "Period")) {
    if (!period->is_number_integer() || period->get<int64_t>() < 1 ||
        period->get<int64_t>() % 60 != 0) {
      return Error("InvalidParameterValue",
                   "The parameter " + where +
                       ".Period must be a positive multiple of 60 (the sandbox serves "
                       "standard-resolution metrics only), got " +
                       period->dump() + ".");
    }
    query.expression_period = period->get<int64_t>();
  }
  std::string error;
  query.expression = MathExpression::Parse(expression.get<std::string>(), error);
  if (!query.expression) {
    return Error("ValidationError", "Error in expression " + query.id + ": " + error);
  }
  if (query.label.empty()) {
    query.label = query.id;
  }
  return std::nullopt;
}

// Every id an expression reads exists, and no expression depends on itself.
std::optional<AwsErrorReply> CheckReferences(const std::vector<Query>& queries) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < queries.size(); ++i) {
    index[queries[i].id] = i;
  }
  for (const Query& query : queries) {
    if (!query.expression) continue;
    for (const std::string& id : query.expression->references()) {
      if (index.count(id) == 0) {
        return Error("ValidationError", "Error in expression " + query.id +
                                            ": Unrecognized metric or expression id " + id);
      }
    }
  }
  // Depth-first search; state 1 = on the current path, 2 = done.
  std::vector<int> state(queries.size(), 0);
  std::vector<std::string> path;
  std::function<std::optional<AwsErrorReply>(size_t)> visit =
      [&](size_t i) -> std::optional<AwsErrorReply> {
    if (state[i] == 2 || !queries[i].expression) return std::nullopt;
    path.push_back(queries[i].id);
    if (state[i] == 1) {
      std::string cycle;
      auto first = std::find(path.begin(), path.end(), queries[i].id);
      for (auto it = first; it != path.end(); ++it) {
        cycle += (it == first ? "" : " -> ") + *it;
      }
      return Error("ValidationError",
                   "Error in expression " + queries[i].id + ": circular reference " + cycle);
    }
    state[i] = 1;
    for (const std::string& id : queries[i].expression->references()) {
      if (auto error = visit(index.at(id))) return error;
    }
    state[i] = 2;
    path.pop_back();
    return std::nullopt;
  };
  for (size_t i = 0; i < queries.size(); ++i) {
    if (auto error = visit(i)) return error;
  }
  return std::nullopt;
}

std::optional<AwsErrorReply> ParseQuery(const json& query_json, size_t index, Query& query) {
  const std::string where = "MetricDataQueries.member." + std::to_string(index + 1);
  if (!query_json.is_object()) {
    return Error("ValidationError", "Value at '" + where + "' must be a structure.");
  }
  const json* id = Member(query_json, "Id");
  if (id == nullptr) {
    return Missing(where + ".Id");
  }
  if (!id->is_string() || !IsValidId(id->get<std::string>())) {
    return Error("ValidationError",
                 "The value " + (id->is_string() ? id->get<std::string>() : id->dump()) +
                     " for parameter " + where +
                     ".Id is invalid: it must match ^[a-z][a-zA-Z0-9_]*$ and be at most 255 "
                     "characters.");
  }
  query.id = id->get<std::string>();
  if (const json* label = Member(query_json, "Label"); label != nullptr && label->is_string()) {
    query.label = label->get<std::string>();
  }
  if (const json* rd = Member(query_json, "ReturnData")) {
    if (!rd->is_boolean()) {
      return Error("ValidationError", "Value at '" + where + ".ReturnData' must be a boolean.");
    }
    query.return_data = rd->get<bool>();
  }

  const json* stat_json = Member(query_json, "MetricStat");
  const json* expression = Member(query_json, "Expression");
  if ((stat_json == nullptr) == (expression == nullptr)) {
    return Error("InvalidParameterValue",
                 "Exactly one of MetricStat and Expression must be "
                 "specified for " +
                     where + ".");
  }
  if (expression != nullptr) {
    return ParseExpressionQuery(query_json, *expression, where, query);
  }
  if (!stat_json->is_object()) {
    return Error("ValidationError", "Value at '" + where + ".MetricStat' must be a structure.");
  }
  const json* metric = Member(*stat_json, "Metric");
  if (metric == nullptr) {
    return Missing(where + ".MetricStat.Metric");
  }
  if (auto error = ParseMetric(*metric, where + ".MetricStat.Metric", query.metric)) {
    return error;
  }

  const json* period = Member(*stat_json, "Period");
  if (period == nullptr) {
    return Missing(where + ".MetricStat.Period");
  }
  if (!period->is_number_integer() || period->get<int64_t>() < 1) {
    return Error("InvalidParameterValue", "The parameter " + where +
                                              ".MetricStat.Period must be an integer of at "
                                              "least 1, got " +
                                              period->dump() + ".");
  }
  query.period = period->get<int64_t>();
  if (query.period % 60 != 0) {
    return Error("InvalidParameterValue",
                 "The parameter " + where + ".MetricStat.Period must be a multiple of 60, got " +
                     std::to_string(query.period) +
                     " (the sandbox serves standard-resolution metrics only).");
  }

  const json* stat = Member(*stat_json, "Stat");
  if (stat == nullptr) {
    return Missing(where + ".MetricStat.Stat");
  }
  std::optional<Statistic> parsed =
      stat->is_string() ? ParseStatistic(stat->get<std::string>()) : std::nullopt;
  if (parsed) {
    query.stat = *parsed;
  } else if (stat->is_string()) {
    query.extended = ParseExtendedStatistic(stat->get<std::string>());
  }
  if (!parsed && !query.extended) {
    return Error("InvalidParameterValue",
                 "The parameter " + where +
                     ".MetricStat.Stat must be one of Sum, Average, Minimum, Maximum, "
                     "SampleCount, or an extended statistic the sandbox computes (pNN, pNN.N, "
                     "pNN.NN, tmNN), got " +
                     stat->dump() + ".");
  }
  if (query.label.empty()) {
    query.label = query.metric.metric_name;
  }
  return std::nullopt;
}

std::optional<AwsErrorReply> ParseTime(const json& body, const char* name, double& out) {
  const json* value = Member(body, name);
  if (value == nullptr) {
    return Missing(name);
  }
  if (!value->is_number() || !std::isfinite(value->get<double>())) {
    return Error("InvalidParameterValue",
                 std::string("The parameter ") + name +
                     " must be a timestamp in epoch seconds (a number), got " + value->dump() +
                     ".");
  }
  out = value->get<double>();
  return std::nullopt;
}

std::optional<AwsErrorReply> ParseRequest(std::string_view text, Request& request) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Error("SerializationException", "The request body is not a valid JSON object.");
  }
  const json* queries = Member(body, "MetricDataQueries");
  if (queries == nullptr) {
    return Missing("MetricDataQueries");
  }
  if (!queries->is_array() || queries->empty() ||
      queries->size() > static_cast<size_t>(kMaxQueriesPerCall)) {
    return Error("ValidationError",
                 "1 validation error detected: Value at 'metricDataQueries' failed to satisfy "
                 "constraint: Member must be a list of 1 to 500 MetricDataQuery entries, got " +
                     (queries->is_array() ? std::to_string(queries->size()) + " entries"
                                          : std::string("a ") + queries->type_name()) +
                     ".");
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < queries->size(); ++i) {
    Query query;
    if (auto error = ParseQuery((*queries)[i], i, query)) {
      return error;
    }
    if (!ids.insert(query.id).second) {
      return Error("InvalidParameterValue",
                   "The values for parameter Id in MetricDataQueries are not unique: '" + query.id +
                       "' appears more than once.");
    }
    request.queries.push_back(std::move(query));
  }
  if (auto error = CheckReferences(request.queries)) {
    return error;
  }
  if (auto error = ParseTime(body, "StartTime", request.start_time)) {
    return error;
  }
  if (auto error = ParseTime(body, "EndTime", request.end_time)) {
    return error;
  }
  if (request.start_time >= request.end_time) {
    return Error("InvalidParameterValue",
                 "The parameter StartTime must be less than the parameter EndTime.");
  }
  if (const json* scan_by = Member(body, "ScanBy")) {
    if (*scan_by == "TimestampAscending") {
      request.ascending = true;
    } else if (*scan_by != "TimestampDescending") {
      return Error("ValidationError",
                   "1 validation error detected: Value " + scan_by->dump() +
                       " at 'scanBy' failed to satisfy constraint: Member must satisfy enum "
                       "value set: [TimestampDescending, TimestampAscending]");
    }
  }
  if (const json* max = Member(body, "MaxDatapoints")) {
    if (!max->is_number_integer() || max->get<int64_t>() < 1) {
      return Error(
          "ValidationError",
          "The parameter MaxDatapoints must be a positive integer, got " + max->dump() + ".");
    }
    request.max_datapoints = max->get<int64_t>();
  }
  if (const json* token = Member(body, "NextToken")) {
    if (!token->is_string()) {
      return Error("InvalidNextToken", "The NextToken is not valid.");
    }
    request.next_token = token->get<std::string>();
  }
  body.erase("NextToken");
  request.fingerprint = aws::Sha256Hex(body.dump()).substr(0, 16);
  return std::nullopt;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Tokens are hex of "v1:<fingerprint>:<query>:<after or ->", opaque to clients.
std::string EncodeToken(const std::string& fingerprint, const Cursor& cursor) {
  std::string raw = "v1:" + fingerprint + ":" + std::to_string(cursor.query) + ":" +
                    (cursor.after ? std::to_string(*cursor.after) : "-");
  return aws::HexEncode(raw);
}

std::optional<Cursor> DecodeToken(const std::string& token, const std::string& fingerprint,
                                  size_t query_count) {
  if (token.empty() || token.size() % 2 != 0 || token.size() > 512) {
    return std::nullopt;
  }
  std::string raw;
  for (size_t i = 0; i < token.size(); i += 2) {
    int hi = HexValue(token[i]);
    int lo = HexValue(token[i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    raw.push_back(static_cast<char>(hi * 16 + lo));
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = raw.find(':', start);
    parts.push_back(raw.substr(start, pos - start));
    if (pos == std::string::npos) {
      break;
    }
    start = pos + 1;
  }
  if (parts.size() != 4 || parts[0] != "v1" || parts[1] != fingerprint) {
    return std::nullopt;
  }
  Cursor cursor;
  try {
    size_t used = 0;
    unsigned long long query = std::stoull(parts[2], &used);
    if (used != parts[2].size() || query >= query_count) {
      return std::nullopt;
    }
    cursor.query = static_cast<size_t>(query);
    if (parts[3] != "-") {
      long long after = std::stoll(parts[3], &used);
      if (used != parts[3].size()) {
        return std::nullopt;
      }
      cursor.after = after;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return cursor;
}

}  // namespace

GetMetricDataOutcome RunGetMetricData(std::string_view request_body, const CloudWatchData& data,
                                      SystemTime now, int64_t max_datapoints_per_page) {
  GetMetricDataOutcome outcome;
  Request request;
  if (auto error = ParseRequest(request_body, request)) {
    outcome.error = std::move(error);
    return outcome;
  }
  outcome.queries = static_cast<int>(request.queries.size());

  const int64_t start = static_cast<int64_t>(std::floor(request.start_time));
  const int64_t end = static_cast<int64_t>(std::ceil(request.end_time));
  int64_t requested = 0;
  for (const Query& query : request.queries) {
    if (query.expression) {
      continue;  // computed from the others' datapoints
    }
    int64_t first = FloorDiv(start, query.period) * query.period;
    requested += (end - first + query.period - 1) / query.period;
  }
  if (requested > kMaxDatapointsPerCall) {
    outcome.error = Error("InvalidParameterValue",
                          "You have requested up to " + std::to_string(requested) +
                              " datapoints, which exceeds the limit of 100800 per call. You may "
                              "reduce the datapoints requested by increasing Period, decreasing "
                              "the time range or splitting the queries.");
    return outcome;
  }

  Cursor cursor;
  if (!request.next_token.empty()) {
    std::optional<Cursor> decoded =
        DecodeToken(request.next_token, request.fingerprint, request.queries.size());
    if (!decoded) {
      outcome.error = Error("InvalidNextToken",
                            "The NextToken is not valid for this request (it must come from the "
                            "previous response to the same parameters).");
      return outcome;
    }
    cursor = *decoded;
  }

  // Every query's full series, computed once and only when needed (an expression needs the series
  // it reads, whatever their ReturnData).
  std::map<std::string, size_t> index_of;
  for (size_t q = 0; q < request.queries.size(); ++q) {
    index_of[request.queries[q].id] = q;
  }
  std::vector<std::optional<std::vector<Datapoint>>> memo(request.queries.size());
  std::function<int64_t(size_t)> period_of = [&](size_t q) -> int64_t {
    const Query& query = request.queries[q];
    if (!query.expression) return query.period;
    if (query.expression_period) return *query.expression_period;
    int64_t period = 0;
    for (const std::string& id : query.expression->references()) {
      int64_t p = period_of(index_of.at(id));
      period = period == 0 ? p : std::min(period, p);
    }
    return period == 0 ? 60 : period;
  };
  std::function<const std::vector<Datapoint>&(size_t)> series =
      [&](size_t q) -> const std::vector<Datapoint>& {
    if (!memo[q]) {
      const Query& query = request.queries[q];
      if (query.expression) {
        const int64_t period = period_of(q);
        std::vector<int64_t> grid;
        for (int64_t t = FloorDiv(start, period) * period; t < end; t += period) {
          grid.push_back(t);
        }
        memo[q] = query.expression->Evaluate(
            [&](const std::string& id) -> const std::vector<Datapoint>& {
              return series(index_of.at(id));
            },
            grid);
      } else if (query.extended) {
        memo[q] = data.QueryExtended(query.metric, *query.extended, start, end, query.period, now);
      } else {
        memo[q] = data.Query(query.metric, query.stat, start, end, query.period, now);
      }
    }
    return *memo[q];
  };

  int64_t budget = std::min(request.max_datapoints, max_datapoints_per_page);
  std::optional<Cursor> next;
  json results = json::array();
  for (size_t q = 0; q < request.queries.size(); ++q) {
    const Query& query = request.queries[q];
    if (!query.return_data) {
      continue;
    }
    json timestamps = json::array();
    json values = json::array();
    if (q >= cursor.query && !next) {
      std::vector<Datapoint> points = series(q);
      if (!request.ascending) {
        std::reverse(points.begin(), points.end());
      }
      std::optional<int64_t> last = q == cursor.query ? cursor.after : std::nullopt;
      for (const Datapoint& point : points) {
        if (last && (request.ascending ? point.timestamp <= *last : point.timestamp >= *last)) {
          continue;
        }
        if (budget == 0) {
          next = Cursor{q, last};
          break;
        }
        timestamps.push_back(point.timestamp);
        values.push_back(point.value);
        last = point.timestamp;
        --budget;
        ++outcome.datapoints;
      }
    }
    results.push_back({{"Id", query.id},
                       {"Label", query.label},
                       {"Timestamps", std::move(timestamps)},
                       {"Values", std::move(values)},
                       {"StatusCode", "Complete"}});
  }
  json response = {{"MetricDataResults", std::move(results)}, {"Messages", json::array()}};
  if (next) {
    for (json& result : response["MetricDataResults"]) {
      result["StatusCode"] = "PartialData";
    }
    response["NextToken"] = EncodeToken(request.fingerprint, *next);
  }
  outcome.body = response.dump(-1, ' ', false, json::error_handler_t::replace);
  return outcome;
}

}  // namespace statusbridge::sandbox
