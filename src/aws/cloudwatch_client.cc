#include "aws/cloudwatch_client.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <utility>

#include "aws/aws_error.h"
#include "aws/sigv4.h"

namespace statusbridge::aws {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kOperation = "GetMetricData";
constexpr const char* kTarget = "GraniteServiceVersion20100801.GetMetricData";
constexpr const char* kService = "monitoring";

// Windows and timestamps are limited to years 1970..9999, which keeps every datapoint count and
// period product in the planner far from int64 overflow.
constexpr int64_t kMaxEpochSeconds = 253402300799;  // 9999-12-31T23:59:59Z

// ---- Planning ----

// Cost of one chunk of queries [begin, end) over a window of `length` seconds.
struct ChunkPlan {
  bool fits_whole_window = false;
  int64_t step_seconds = 0;  // sub-window length when it does not fit
  int64_t calls = 0;         // 0: impossible (one LCM unit alone exceeds the limit)
};

ChunkPlan PlanChunk(const std::vector<int64_t>& periods, size_t begin, size_t end, int64_t length) {
  ChunkPlan plan;
  int64_t whole = 0;
  for (size_t i = begin; i < end; ++i) {
    whole += length / periods[i];
  }
  if (whole <= kMaxDatapointsPerCall) {
    plan.fits_whole_window = true;
    plan.calls = 1;
    return plan;
  }
  // Every period divides `length` (the window is aligned), so their LCM does too and stays
  // <= length: no overflow.
  int64_t lcm = 1;
  for (size_t i = begin; i < end; ++i) {
    lcm = std::lcm(lcm, periods[i]);
  }
  int64_t per_unit = 0;  // datapoints of the chunk in one LCM-long sub-window
  for (size_t i = begin; i < end; ++i) {
    per_unit += lcm / periods[i];
    if (per_unit > kMaxDatapointsPerCall) {
      return plan;
    }
  }
  const int64_t units_per_call = kMaxDatapointsPerCall / per_unit;
  const int64_t units = length / lcm;
  plan.step_seconds = units_per_call * lcm;
  plan.calls = (units + units_per_call - 1) / units_per_call;
  return plan;
}

struct PlanCost {
  bool feasible = true;
  int64_t calls = 0;
  int64_t metric_requests = 0;  // sum over calls of queries per call
};

PlanCost CostOfChunkSize(const std::vector<int64_t>& periods, size_t chunk, int64_t length) {
  PlanCost cost;
  for (size_t begin = 0; begin < periods.size(); begin += chunk) {
    size_t end = std::min(periods.size(), begin + chunk);
    ChunkPlan plan = PlanChunk(periods, begin, end, length);
    if (plan.calls == 0) {
      cost.feasible = false;
      return cost;
    }
    cost.calls += plan.calls;
    cost.metric_requests += plan.calls * static_cast<int64_t>(end - begin);
  }
  return cost;
}

std::string WireId(size_t index) { return "q" + std::to_string(index); }

// ---- Request ----

Result<std::string> BuildRequestBody(const std::vector<MetricQuery>& queries,
                                     const PlannedCall& call,
                                     const std::optional<std::string>& next_token) {
  ordered_json data_queries = ordered_json::array();
  for (size_t index : call.query_indices) {
    const MetricStat& stat = queries[index].stat;
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
    data_queries.push_back(
        {{"Id", WireId(index)}, {"MetricStat", std::move(metric_stat)}, {"ReturnData", true}});
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

// ---- Response ----

enum class ResultStatus { kComplete, kPartialData, kInternalError, kForbidden };

struct ParsedResult {
  size_t query_index = 0;
  ResultStatus status = ResultStatus::kComplete;
  std::vector<std::pair<SystemTime, double>> points;
  std::string messages;  // "Code: Value; ..." from the result's Messages
};

struct ParsedPage {
  std::vector<ParsedResult> results;
  std::optional<std::string> next_token;
};

Status Malformed(const std::string& what) {
  return Status::Internal(std::string(kOperation) + ": malformed response: " + what);
}

std::string Quoted(std::string_view s) { return "\"" + http::Snippet(s, 100) + "\""; }

// "an array", "a string", "null", ... for error messages.
std::string Kind(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    default:
      return "a number";
  }
}

// A member that is absent or null reads as nullptr (AWS JSON treats null as absent).
const json* Member(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

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

Result<ResultStatus> ParseResultStatus(const json* v, const std::string& where) {
  if (v == nullptr) {
    return Malformed(where + " has no StatusCode");
  }
  if (!v->is_string()) {
    return Malformed(where + ".StatusCode is " + Kind(*v) + ", not a string");
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s == "Complete") {
    return ResultStatus::kComplete;
  }
  if (s == "PartialData") {
    return ResultStatus::kPartialData;
  }
  if (s == "InternalError") {
    return ResultStatus::kInternalError;
  }
  if (s == "Forbidden") {
    return ResultStatus::kForbidden;
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

Result<ParsedResult> ParseResult(const json& r, size_t position,
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
  ParsedResult result;
  result.query_index = known->second;
  where += " (Id " + known->first + ")";
  SB_ASSIGN_OR_RETURN(result.status, ParseResultStatus(Member(r, "StatusCode"), where));
  result.messages = JoinMessages(Member(r, "Messages"));

  const json* timestamps = Member(r, "Timestamps");
  const json* values = Member(r, "Values");
  if (timestamps == nullptr && values == nullptr) {
    return result;  // no datapoints
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
  return result;
}

Result<ParsedPage> ParsePageUnchecked(std::string_view body,
                                      const std::unordered_map<std::string, size_t>& ids) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Malformed("empty body");
  }
  // Without exceptions; nlohmann parses and destroys iteratively, so deep nesting is safe.
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Malformed("not JSON: " + http::Snippet(body, 120));
  }
  if (!doc.is_object()) {
    return Malformed("expected a JSON object, got " + Kind(doc) + ": " + http::Snippet(body, 120));
  }
  ParsedPage page;
  const json* results = Member(doc, "MetricDataResults");
  if (results == nullptr) {
    return Malformed("no MetricDataResults: " + http::Snippet(body, 120));
  }
  if (!results->is_array()) {
    return Malformed("MetricDataResults is " + Kind(*results) + ", not an array");
  }
  page.results.reserve(results->size());
  for (size_t i = 0; i < results->size(); ++i) {
    SB_ASSIGN_OR_RETURN(ParsedResult r, ParseResult((*results)[i], i, ids));
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

Result<ParsedPage> ParsePage(std::string_view body,
                             const std::unordered_map<std::string, size_t>& ids) {
  try {
    return ParsePageUnchecked(body, ids);
  } catch (const std::exception& e) {
    // Every access above is type-checked; this is the adapter's last line of defence.
    return Malformed(std::string("unreadable (") + e.what() + ")");
  }
}

std::string DescribeMetric(const MetricQuery& q) {
  return "metric " + q.stat.namespace_name + "/" + q.stat.metric_name + " (query \"" + q.id + "\")";
}

// ---- Client ----

class CloudWatchClientImpl : public CloudWatchClient {
 public:
  CloudWatchClientImpl(http::HttpClient& http, CredentialsProvider& credentials, Clock& clock,
                       UniformRandom random, CloudWatchOptions options)
      : http_(http),
        credentials_(credentials),
        clock_(clock),
        random_(std::move(random)),
        options_(std::move(options)) {}

  // CloudWatchClient
  Result<std::vector<MetricSeries>> GetMetricData(const std::vector<MetricQuery>& queries,
                                                  const TimeWindow& window,
                                                  CloudWatchStats* stats) override {
    CloudWatchStats cost;
    Result<std::vector<MetricSeries>> result = Fetch(queries, window, cost);
    if (stats != nullptr) {
      stats->calls += cost.calls;
      stats->throttled += cost.throttled;
      stats->datapoints += cost.datapoints;
    }
    return result;
  }

 private:
  int MaxAttempts() const { return std::max(1, options_.max_attempts); }

  Result<std::vector<MetricSeries>> Fetch(const std::vector<MetricQuery>& queries,
                                          const TimeWindow& window, CloudWatchStats& cost) {
    SB_ASSIGN_OR_RETURN(url_, RequestUrl());
    if (options_.region.empty()) {
      return Status::InvalidArgument(std::string(kOperation) + ": no AWS region configured");
    }
    Result<std::vector<PlannedCall>> plan = PlanGetMetricDataCalls(queries, window);
    if (!plan.ok()) {
      return plan.status().WithContext(kOperation);
    }
    std::vector<MetricSeries> series(queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      series[i].id = queries[i].id;
    }
    for (const PlannedCall& call : *plan) {
      SB_RETURN_IF_ERROR(RunCall(queries, call, series, cost));
    }
    return series;
  }

  Result<std::string> RequestUrl() const {
    Result<http::Url> url = http::ParseUrl(options_.endpoint);
    if (!url.ok()) {
      return url.status().WithContext(std::string(kOperation) + ": endpoint");
    }
    if (!url->query.empty()) {
      return Status::InvalidArgument(std::string(kOperation) + ": endpoint \"" + options_.endpoint +
                                     "\" must not have a query string");
    }
    std::string base = options_.endpoint;
    while (!base.empty() && base.back() == '/') {
      base.pop_back();
    }
    return base + "/";
  }

  // One planned call: every page until NextToken runs out.
  Status RunCall(const std::vector<MetricQuery>& queries, const PlannedCall& call,
                 std::vector<MetricSeries>& series, CloudWatchStats& cost) {
    std::unordered_map<std::string, size_t> ids;
    for (size_t index : call.query_indices) {
      ids.emplace(WireId(index), index);
    }
    std::optional<std::string> token;
    int internal_error_attempts = 0;
    for (int page_number = 0;; ++page_number) {
      if (page_number >= std::max(1, options_.max_pages_per_call)) {
        return Status::Internal(std::string(kOperation) + ": still paging after " +
                                std::to_string(page_number) +
                                " pages (NextToken never ran out); giving up");
      }
      SB_ASSIGN_OR_RETURN(std::string body, BuildRequestBody(queries, call, token));
      SB_ASSIGN_OR_RETURN(http::HttpResponse response, SendWithRetries(body, cost));
      SB_ASSIGN_OR_RETURN(ParsedPage page, ParsePage(response.body, ids));

      const ParsedResult* internal_error = nullptr;
      for (const ParsedResult& r : page.results) {
        const MetricQuery& query = queries[r.query_index];
        if (r.status == ResultStatus::kForbidden) {
          return Status::PermissionDenied(std::string(kOperation) + ": access to " +
                                          DescribeMetric(query) + " is Forbidden" +
                                          (r.messages.empty() ? "" : ": " + r.messages));
        }
        if (r.status == ResultStatus::kInternalError && internal_error == nullptr) {
          internal_error = &r;
        }
        cost.datapoints += static_cast<int64_t>(r.points.size());
        auto& values = series[r.query_index].values;
        for (const auto& [t, v] : r.points) {
          if (call.window.Contains(t)) {
            values[t] = v;
          }
        }
      }

      if (internal_error != nullptr) {
        // API reference, MetricDataResult.StatusCode: "InternalError indicates that an error
        // occurred. Retry your request using NextToken, if present." Without a NextToken the
        // same page is requested again.
        ++internal_error_attempts;
        if (internal_error_attempts >= MaxAttempts()) {
          const ParsedResult& r = *internal_error;
          return Status::Unavailable(
              std::string(kOperation) + ": CloudWatch returned StatusCode InternalError for " +
              DescribeMetric(queries[r.query_index]) +
              (r.messages.empty() ? "" : " (" + r.messages + ")") + " (gave up after " +
              std::to_string(internal_error_attempts) + " attempts)");
        }
        clock_.SleepFor(BackoffDelay(options_.backoff, internal_error_attempts - 1, random_));
        if (page.next_token) {
          token = page.next_token;
        }
        continue;
      }
      internal_error_attempts = 0;
      if (!page.next_token) {
        return Status::Ok();
      }
      token = page.next_token;  // PartialData, or simply more pages
    }
  }

  // Sends `body` until a 2xx response, retrying throttling, 5xx and transport errors.
  Result<http::HttpResponse> SendWithRetries(const std::string& body, CloudWatchStats& cost) {
    for (int attempt = 0;; ++attempt) {
      SB_ASSIGN_OR_RETURN(http::HttpRequest request, SignedRequest(body));
      ++cost.calls;
      Result<http::HttpResponse> response = http_.Send(request);
      Status status;
      if (!response.ok()) {
        status = response.status().WithContext(kOperation);
      } else if (response->status >= 200 && response->status <= 299) {
        return response;
      } else {
        status = AwsErrorStatus(kOperation, *response);
      }
      if (!IsRetryable(status)) {
        return status;
      }
      if (attempt + 1 >= MaxAttempts()) {
        return Status(status.code(), status.message() + " (gave up after " +
                                         std::to_string(attempt + 1) + " attempts)");
      }
      if (status.code() == StatusCode::kResourceExhausted) {
        ++cost.throttled;
      }
      clock_.SleepFor(BackoffDelay(options_.backoff, attempt, random_));
    }
  }

  // A request for `body`, signed now with the provider's current credentials.
  Result<http::HttpRequest> SignedRequest(const std::string& body) {
    Result<Credentials> credentials = credentials_.GetCredentials();
    if (!credentials.ok()) {
      return credentials.status().WithContext(kOperation);
    }
    http::HttpRequest request;
    request.method = "POST";
    request.url = url_;
    request.headers = {
        {"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", kTarget},
        {"x-amzn-query-mode", "true"},
    };
    request.body = body;
    request.timeout = options_.timeout;
    Status signed_status =
        SignRequest(request, *credentials, SigningScope{options_.region, kService}, clock_.Now());
    if (!signed_status.ok()) {
      return signed_status.WithContext(std::string(kOperation) + ": signing");
    }
    return request;
  }

  http::HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  const UniformRandom random_;
  const CloudWatchOptions options_;
  std::string url_;  // "<endpoint>/", set by Fetch()
};

}  // namespace

int64_t DatapointsInWindow(const MetricStat& stat, const TimeWindow& window) {
  const int64_t period = stat.period.count();
  if (window.empty() || period <= 0) {
    return 0;
  }
  const int64_t length = (window.end - window.start).count();
  return length / period + (length % period != 0 ? 1 : 0);
}

Result<std::vector<PlannedCall>> PlanGetMetricDataCalls(const std::vector<MetricQuery>& queries,
                                                        const TimeWindow& window) {
  const int64_t start = ToUnixSeconds(window.start);
  const int64_t end = ToUnixSeconds(window.end);
  if (start < 0 || end < 0 || start > kMaxEpochSeconds || end > kMaxEpochSeconds) {
    return Status::InvalidArgument("window [" + std::to_string(start) + ", " + std::to_string(end) +
                                   ") is outside the years 1970..9999");
  }
  std::vector<int64_t> periods;
  periods.reserve(queries.size());
  for (const MetricQuery& q : queries) {
    const int64_t period = q.stat.period.count();
    if (period <= 0) {
      return Status::InvalidArgument("query \"" + q.id + "\": period must be positive, got " +
                                     std::to_string(period) + "s");
    }
    if (start % period != 0 || end % period != 0) {
      return Status::InvalidArgument("query \"" + q.id + "\": window " +
                                     FormatIso8601(window.start) + " .. " +
                                     FormatIso8601(window.end) + " is not aligned to its " +
                                     FormatDuration(q.stat.period) + " period");
    }
    periods.push_back(period);
  }
  std::vector<PlannedCall> plan;
  if (window.empty() || queries.empty()) {
    return plan;
  }
  const int64_t length = end - start;
  const size_t max_chunk = std::min(queries.size(), static_cast<size_t>(kMaxQueriesPerCall));

  // Full chunks over the whole window are optimal in both calls and metrics requested; only
  // when they do not fit is it worth searching the chunk size.
  size_t best_chunk = max_chunk;
  PlanCost best = CostOfChunkSize(periods, max_chunk, length);
  const int64_t min_calls = static_cast<int64_t>((queries.size() + max_chunk - 1) / max_chunk);
  if (!best.feasible || best.calls > min_calls) {
    for (size_t chunk = max_chunk - 1; chunk >= 1; --chunk) {
      PlanCost cost = CostOfChunkSize(periods, chunk, length);
      if (!cost.feasible) {
        continue;
      }
      if (!best.feasible || cost.calls < best.calls ||
          (cost.calls == best.calls && cost.metric_requests < best.metric_requests)) {
        best = cost;
        best_chunk = chunk;
      }
    }
  }
  if (best.calls > kMaxPlannedCalls) {
    return Status::InvalidArgument(
        "window " + FormatIso8601(window.start) + " .. " + FormatIso8601(window.end) + " needs " +
        std::to_string(best.calls) + " GetMetricData calls, more than the " +
        std::to_string(kMaxPlannedCalls) + " allowed; shorten it or use longer periods");
  }
  // A chunk of one query is always feasible: one period is one datapoint.
  for (size_t begin = 0; begin < queries.size(); begin += best_chunk) {
    const size_t chunk_end = std::min(queries.size(), begin + best_chunk);
    std::vector<size_t> indices(chunk_end - begin);
    std::iota(indices.begin(), indices.end(), begin);
    ChunkPlan chunk = PlanChunk(periods, begin, chunk_end, length);
    if (chunk.fits_whole_window) {
      plan.push_back(PlannedCall{std::move(indices), window});
      continue;
    }
    for (int64_t s = start; s < end; s += chunk.step_seconds) {
      const int64_t e = std::min(end, s + chunk.step_seconds);
      plan.push_back(PlannedCall{indices, TimeWindow{FromUnixSeconds(s), FromUnixSeconds(e)}});
    }
  }
  return plan;
}

std::unique_ptr<CloudWatchClient> NewCloudWatchClient(http::HttpClient& http,
                                                      CredentialsProvider& credentials,
                                                      Clock& clock, UniformRandom random,
                                                      CloudWatchOptions options) {
  return std::make_unique<CloudWatchClientImpl>(http, credentials, clock, std::move(random),
                                                std::move(options));
}

}  // namespace statusbridge::aws
