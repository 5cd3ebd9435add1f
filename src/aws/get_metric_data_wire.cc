#include "aws/get_metric_data_wire.h"

#include <cmath>
#include <exception>
#include <nlohmann/json.hpp>

#include "aws/aws_json.h"
#include "http/http_client.h"

namespace statusbridge::aws {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kOperation = kGetMetricData;

ordered_json MetricStatJson(const MetricStat& stat) {
  ordered_json metric = {{"Namespace", stat.namespace_name}, {"MetricName", stat.metric_name}};
  if (!stat.dimensions.empty()) {
    ordered_json dimensions = ordered_json::array();
    for (const Dimension& d : stat.dimensions) {
      dimensions.push_back({{"Name", d.name}, {"Value", d.value}});
    }
    metric["Dimensions"] = std::move(dimensions);
  }
  ordered_json metric_stat = {
      {"Metric", std::move(metric)}, {"Period", stat.period.count()}, {"Stat", stat.stat}};
  if (!stat.unit.empty()) {
    metric_stat["Unit"] = stat.unit;
  }
  return metric_stat;
}

Status Malformed(const std::string& what) { return json_util::Malformed(kOperation, what); }

std::string Quoted(std::string_view s) { return "\"" + http::Snippet(s, 100) + "\""; }

using json_util::Kind;
using json_util::Member;

// Reads epoch seconds (an integer, or a float whose fraction is truncated) into `out`. Returns
// what is wrong with `v`, or "" when it is fine; called per datapoint, so nothing is built on
// success.
std::string ParseTimestamp(const json& v, SystemTime& out) {
  int64_t seconds = 0;
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(kMaxEpochSeconds)) {
      return "is out of range: " + std::to_string(u);
    }
    seconds = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    seconds = v.get<int64_t>();
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxEpochSeconds)) {
      return "is out of range: " + http::Snippet(v.dump(), 40);
    }
    seconds = static_cast<int64_t>(d);
  } else {
    return "is " + Kind(v) + ", not epoch seconds";
  }
  if (seconds < 0 || seconds > kMaxEpochSeconds) {
    return "is out of range: " + std::to_string(seconds);
  }
  out = FromUnixSeconds(seconds);
  return "";
}

Result<MetricDataStatus> ParseResultStatus(const json* v, const std::string& where) {
  if (v == nullptr) {
    return Malformed(where + " has no StatusCode");
  }
  if (!v->is_string()) {
    return Malformed(where + ".StatusCode is " + Kind(*v) + ", not a string");
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s == "Complete") {
    return MetricDataStatus::kComplete;
  }
  if (s == "PartialData") {
    return MetricDataStatus::kPartialData;
  }
  if (s == "InternalError") {
    return MetricDataStatus::kInternalError;
  }
  if (s == "Forbidden") {
    return MetricDataStatus::kForbidden;
  }
  return Malformed(where + " has unknown StatusCode " + Quoted(s));
}

// Messages: [{"Code": "...", "Value": "..."}] -> "Code: Value; ...". Informational; junk is
// skipped rather than rejected.
std::string JoinMessages(const json* messages) {
  std::string out;
  if (messages == nullptr || !messages->is_array()) {
    return out;
  }
  for (const json& m : *messages) {
    if (!m.is_object()) {
      continue;
    }
    std::string text;
    const json* code = Member(m, "Code");
    const json* value = Member(m, "Value");
    if (code != nullptr && code->is_string()) {
      text = code->get<std::string>();
    }
    if (value != nullptr && value->is_string()) {
      text += (text.empty() ? "" : ": ") + value->get<std::string>();
    }
    if (!text.empty()) {
      out += (out.empty() ? "" : "; ") + text;
    }
  }
  return http::Snippet(out, 300);
}

// The datapoints of result `where`: Timestamps and Values, both present or both absent.
Status ParsePoints(const json* timestamps, const json* values, const std::string& where,
                   MetricDataResult& result) {
  if (timestamps == nullptr && values == nullptr) {
    return Status::Ok();  // no datapoints
  }
  if (timestamps == nullptr || values == nullptr) {
    return Malformed(where + " has " +
                     (timestamps ? "Timestamps but no Values" : "Values but no Timestamps"));
  }
  if (!timestamps->is_array()) {
    return Malformed(where + ".Timestamps is " + Kind(*timestamps) + ", not an array");
  }
  if (!values->is_array()) {
    return Malformed(where + ".Values is " + Kind(*values) + ", not an array");
  }
  if (timestamps->size() != values->size()) {
    return Malformed(where + " has " + std::to_string(timestamps->size()) + " Timestamps but " +
                     std::to_string(values->size()) + " Values");
  }
  result.points.reserve(values->size());
  for (size_t i = 0; i < values->size(); ++i) {
    auto at = [&](const char* field) {
      return where + "." + field + "[" + std::to_string(i) + "] ";
    };
    SystemTime t;
    if (std::string problem = ParseTimestamp((*timestamps)[i], t); !problem.empty()) {
      return Malformed(at("Timestamps") + problem);
    }
    const json& v = (*values)[i];
    if (!v.is_number()) {
      return Malformed(at("Values") + "is " + Kind(v) + ", not a number");
    }
    double value = v.get<double>();
    if (!std::isfinite(value)) {
      return Malformed(at("Values") + "is not a finite number");
    }
    result.points.emplace_back(t, value);
  }
  return Status::Ok();
}

Result<MetricDataResult> ParseResult(const json& r, size_t position,
                                     const std::unordered_map<std::string, size_t>& ids) {
  std::string where = "MetricDataResults[" + std::to_string(position) + "]";
  if (!r.is_object()) {
    return Malformed(where + " is " + Kind(r) + ", not an object");
  }
  const json* id = Member(r, "Id");
  if (id == nullptr) {
    return Malformed(where + " has no Id");
  }
  if (!id->is_string()) {
    return Malformed(where + ".Id is " + Kind(*id) + ", not a string");
  }
  auto known = ids.find(id->get_ref<const std::string&>());
  if (known == ids.end()) {
    return Malformed(where + " has Id " + Quoted(id->get_ref<const std::string&>()) +
                     ", which this request did not send");
  }
  MetricDataResult result;
  result.query_index = known->second;
  where += " (Id " + known->first + ")";
  SB_ASSIGN_OR_RETURN(result.status, ParseResultStatus(Member(r, "StatusCode"), where));
  result.messages = JoinMessages(Member(r, "Messages"));
  if (const json* label = Member(r, "Label"); label != nullptr && label->is_string()) {
    result.label = label->get<std::string>();
  }
  SB_RETURN_IF_ERROR(ParsePoints(Member(r, "Timestamps"), Member(r, "Values"), where, result));
  return result;
}

Result<MetricDataPage> ParsePageUnchecked(std::string_view body,
                                          const std::unordered_map<std::string, size_t>& ids) {
  SB_ASSIGN_OR_RETURN(json doc, json_util::ParseObject(body, kOperation));
  MetricDataPage page;
  const json* results = Member(doc, "MetricDataResults");
  if (results == nullptr) {
    return Malformed("no MetricDataResults: " + http::Snippet(body, 120));
  }
  if (!results->is_array()) {
    return Malformed("MetricDataResults is " + Kind(*results) + ", not an array");
  }
  page.results.reserve(results->size());
  for (size_t i = 0; i < results->size(); ++i) {
    SB_ASSIGN_OR_RETURN(MetricDataResult r, ParseResult((*results)[i], i, ids));
    page.results.push_back(std::move(r));
  }
  if (const json* token = Member(doc, "NextToken")) {
    if (!token->is_string()) {
      return Malformed("NextToken is " + Kind(*token) + ", not a string");
    }
    if (!token->get_ref<const std::string&>().empty()) {
      page.next_token = token->get<std::string>();
    }
  }
  return page;
}

}  // namespace

Result<std::string> BuildGetMetricDataBody(const std::vector<MetricQuery>& queries,
                                           const std::vector<std::string>& expressions,
                                           const PlannedCall& call,
                                           const std::optional<std::string>& next_token) {
  ordered_json data_queries = ordered_json::array();
  for (size_t index : call.query_indices) {
    const MetricQuery& q = queries[index];
    if (!IsMathQuery(q)) {
      data_queries.push_back(
          {{"Id", WireId(index)}, {"MetricStat", MetricStatJson(q.stat)}, {"ReturnData", true}});
      continue;
    }
    // Inputs first, as the console and the API examples order them.
    for (size_t k = 0; k < q.inputs.size(); ++k) {
      data_queries.push_back({{"Id", InputWireId(index, k)},
                              {"MetricStat", MetricStatJson(q.inputs[k].second)},
                              {"ReturnData", false}});
    }
    ordered_json expression = {{"Id", WireId(index)},
                               {"Expression", expressions[index]},
                               {"Period", q.period.count()},
                               {"ReturnData", true}};
    if (!q.label.empty()) {
      expression["Label"] = q.label;
    }
    data_queries.push_back(std::move(expression));
  }
  ordered_json body = {{"MetricDataQueries", std::move(data_queries)},
                       {"StartTime", ToUnixSeconds(call.window.start)},
                       {"EndTime", ToUnixSeconds(call.window.end)},
                       {"ScanBy", "TimestampAscending"}};
  if (next_token) {
    body["NextToken"] = *next_token;
  }
  try {
    return body.dump();
  } catch (const json::exception& e) {
    // The only failure dump() has: a string that is not valid UTF-8.
    return Status::InvalidArgument(std::string(kOperation) +
                                   ": cannot encode the request: " + e.what());
  }
}

std::unordered_map<std::string, size_t> GetMetricDataWireIds(
    const std::vector<MetricQuery>& queries, const PlannedCall& call) {
  std::unordered_map<std::string, size_t> ids;
  for (size_t index : call.query_indices) {
    ids.emplace(WireId(index), index);
    for (size_t k = 0; k < queries[index].inputs.size(); ++k) {
      ids.emplace(InputWireId(index, k), kNotReturned);
    }
  }
  return ids;
}

Result<MetricDataPage> ParseGetMetricDataPage(std::string_view body,
                                              const std::unordered_map<std::string, size_t>& ids) {
  try {
    return ParsePageUnchecked(body, ids);
  } catch (const std::exception& e) {
    // Every access above is type-checked; this is the adapter's last line of defence.
    return Malformed(std::string("unreadable (") + e.what() + ")");
  }
}

}  // namespace statusbridge::aws
