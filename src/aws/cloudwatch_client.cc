#include "aws/cloudwatch_client.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "aws/aws_error.h"
#include "aws/aws_json.h"
#include "aws/sigv4.h"

namespace statusbridge::aws {
namespace {

constexpr std::string_view kOperation = kGetMetricData;
constexpr const char* kTarget = "GraniteServiceVersion20100801.GetMetricData";
constexpr const char* kService = "monitoring";

std::string Quoted(std::string_view s) { return "\"" + http::Snippet(s, 100) + "\""; }

std::string DescribeMetric(const MetricQuery& q) {
  if (IsMathQuery(q)) {
    return "math query \"" + q.id + "\" (expression " + Quoted(q.expression) + ")";
  }
  return "metric " + q.stat.namespace_name + "/" + q.stat.metric_name + " (query \"" + q.id + "\")";
}

// What one planned call is reading, across its pages.
struct CallState {
  const std::vector<MetricQuery>& queries;
  const std::vector<std::string>& expressions;  // WireExpression() of each math query
  const PlannedCall& call;
  std::vector<MetricSeries>& series;  // the results of every query, filled in place
  // The label of each math query's series seen so far: a different one on a later page is a
  // second series.
  std::unordered_map<size_t, std::string> math_labels;
};

// A math query gets one series. An expression returning several (SEARCH, GROUP BY) comes back
// as several results with the same Id, told apart by Label; whether CloudWatch repeats a math
// result on later pages is not documented, so a repeat with the same label is accepted.
Status CheckOneSeriesPerMathQuery(const std::vector<MetricQuery>& queries,
                                  const MetricDataPage& page,
                                  std::unordered_map<size_t, std::string>& labels) {
  std::unordered_map<size_t, int> on_page;
  for (const MetricDataResult& r : page.results) {
    if (r.query_index == kNotReturned || !IsMathQuery(queries[r.query_index])) {
      continue;
    }
    const std::string label = r.label.value_or("");
    auto [seen, first] = labels.emplace(r.query_index, label);
    const bool second_on_page = ++on_page[r.query_index] > 1;
    const bool new_label =
        !first && !label.empty() && !seen->second.empty() && seen->second != label;
    if (second_on_page || new_label) {
      std::string labels_seen;
      if (!seen->second.empty() && !label.empty() && seen->second != label) {
        labels_seen = " (" + Quoted(seen->second) + ", " + Quoted(label) + ", ...)";
      }
      return Status::InvalidArgument(
          std::string(kOperation) + ": " + DescribeMetric(queries[r.query_index]) +
          " returned more than one time series" + labels_seen +
          "; a math query must return exactly one: aggregate in the expression (e.g. "
          "SUM(SEARCH(...))) or narrow it to one metric");
    }
    if (seen->second.empty()) {
      seen->second = label;
    }
  }
  return Status::Ok();
}

// Merges the points of `page` that fall inside the call's window into the series, counting them
// in `cost`. Returns the first result with StatusCode InternalError (nullptr when none) through
// `internal_error`. Error: PermissionDenied for a Forbidden result.
Status ApplyPage(CallState& state, const MetricDataPage& page, CloudWatchStats& cost,
                 const MetricDataResult** internal_error) {
  *internal_error = nullptr;
  for (const MetricDataResult& r : page.results) {
    if (r.query_index == kNotReturned) {
      continue;  // a math input CloudWatch returned although we asked it not to
    }
    const MetricQuery& query = state.queries[r.query_index];
    if (r.status == MetricDataStatus::kForbidden) {
      return Status::PermissionDenied(std::string(kOperation) + ": access to " +
                                      DescribeMetric(query) + " is Forbidden" +
                                      (r.messages.empty() ? "" : ": " + r.messages));
    }
    if (r.status == MetricDataStatus::kInternalError && *internal_error == nullptr) {
      *internal_error = &r;
    }
    cost.datapoints += static_cast<int64_t>(r.points.size());
    auto& values = state.series[r.query_index].values;
    for (const auto& [t, v] : r.points) {
      if (state.call.window.Contains(t)) {
        values[t] = v;
      }
    }
  }
  return Status::Ok();
}

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
                                                  const TimeWindow& window, CloudWatchStats* stats,
                                                  const Deadline& deadline) override {
    CloudWatchStats cost;
    Result<std::vector<MetricSeries>> result = Fetch(queries, window, cost, deadline);
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
                                          const TimeWindow& window, CloudWatchStats& cost,
                                          const Deadline& deadline) {
    SB_ASSIGN_OR_RETURN(url_, RequestUrl());
    if (options_.region.empty()) {
      return Status::InvalidArgument(std::string(kOperation) + ": no AWS region configured");
    }
    Result<std::vector<PlannedCall>> plan = PlanGetMetricDataCalls(queries, window);
    if (!plan.ok()) {
      return plan.status().WithContext(kOperation);
    }
    std::vector<std::string> expressions(queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      if (IsMathQuery(queries[i])) {
        Result<std::string> expression = WireExpression(queries[i], i);
        if (!expression.ok()) {
          return expression.status().WithContext(kOperation);
        }
        expressions[i] = std::move(expression).value();
      }
    }
    std::vector<MetricSeries> series(queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      series[i].id = queries[i].id;
    }
    for (const PlannedCall& call : *plan) {
      CallState state{queries, expressions, call, series, {}};
      SB_RETURN_IF_ERROR(RunCall(state, cost, deadline));
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
  Status RunCall(CallState& state, CloudWatchStats& cost, const Deadline& deadline) {
    const std::unordered_map<std::string, size_t> ids =
        GetMetricDataWireIds(state.queries, state.call);
    std::optional<std::string> token;
    std::unordered_set<std::string> tokens_seen;
    int internal_error_attempts = 0;
    for (int page_number = 0;; ++page_number) {
      if (page_number >= std::max(1, options_.max_pages_per_call)) {
        return Status::Internal(std::string(kOperation) + ": still paging after " +
                                std::to_string(page_number) +
                                " pages (NextToken never ran out); giving up");
      }
      if (deadline.Expired(clock_)) {
        return deadline.ExpiredStatus(std::string(kOperation) + " (after " +
                                      std::to_string(page_number) + " pages of a call)");
      }
      SB_ASSIGN_OR_RETURN(std::string body, BuildGetMetricDataBody(state.queries, state.expressions,
                                                                   state.call, token));
      SB_ASSIGN_OR_RETURN(http::HttpResponse response, SendWithRetries(body, cost, deadline));
      SB_ASSIGN_OR_RETURN(MetricDataPage page, ParseGetMetricDataPage(response.body, ids));
      SB_RETURN_IF_ERROR(CheckOneSeriesPerMathQuery(state.queries, page, state.math_labels));
      const MetricDataResult* internal_error = nullptr;
      SB_RETURN_IF_ERROR(ApplyPage(state, page, cost, &internal_error));
      if (internal_error != nullptr) {
        ++internal_error_attempts;
        SB_RETURN_IF_ERROR(
            WaitToRetryInternalError(state, *internal_error, internal_error_attempts, deadline));
        if (page.next_token) {
          token = page.next_token;
        }
        continue;
      }
      internal_error_attempts = 0;
      if (!page.next_token) {
        return Status::Ok();
      }
      // A token we already followed would loop for ever (a broken or hostile server).
      if (!tokens_seen.insert(*page.next_token).second) {
        return Status::Internal(std::string(kOperation) + ": the response repeats a NextToken (" +
                                http::Snippet(*page.next_token, 64) +
                                ") already followed on page " + std::to_string(page_number + 1) +
                                "; giving up instead of looping");
      }
      token = page.next_token;  // PartialData, or simply more pages
    }
  }

  // API reference, MetricDataResult.StatusCode: "InternalError indicates that an error occurred.
  // Retry your request using NextToken, if present." Without a NextToken the same page is
  // requested again. Waits before attempt number `attempts` + 1, or fails when they are used up
  // or the deadline passes.
  Status WaitToRetryInternalError(const CallState& state, const MetricDataResult& r, int attempts,
                                  const Deadline& deadline) {
    if (attempts >= MaxAttempts()) {
      return Status::Unavailable(std::string(kOperation) +
                                 ": CloudWatch returned StatusCode InternalError for " +
                                 DescribeMetric(state.queries[r.query_index]) +
                                 (r.messages.empty() ? "" : " (" + r.messages + ")") +
                                 " (gave up after " + std::to_string(attempts) + " attempts)");
    }
    if (!deadline.SleepFor(BackoffDelay(options_.backoff, attempts - 1, random_), clock_)) {
      return deadline.ExpiredStatus(std::string(kOperation) +
                                    " (retrying a result with StatusCode InternalError)");
    }
    return Status::Ok();
  }

  // Sends `body` until a 2xx response, retrying throttling, 5xx and transport errors.
  Result<http::HttpResponse> SendWithRetries(const std::string& body, CloudWatchStats& cost,
                                             const Deadline& deadline) {
    for (int attempt = 0;; ++attempt) {
      SB_ASSIGN_OR_RETURN(http::HttpRequest request, SignedRequest(body));
      request.timeout = deadline.Cap(request.timeout, clock_);
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
      if (!deadline.SleepFor(BackoffDelay(options_.backoff, attempt, random_), clock_) ||
          deadline.Expired(clock_)) {
        return Status(StatusCode::kDeadlineExceeded,
                      status.message() + " (no time left to retry: " +
                          deadline.ExpiredStatus("cycle").message() + ")");
      }
    }
  }

  // A request for `body`, signed now with the provider's current credentials.
  Result<http::HttpRequest> SignedRequest(const std::string& body) {
    SB_ASSIGN_OR_RETURN(
        http::HttpRequest request,
        json_util::SignedPost(credentials_, clock_, SigningScope{options_.region, kService}, url_,
                              {{"Content-Type", "application/x-amz-json-1.0"},
                               {"X-Amz-Target", kTarget},
                               {"x-amzn-query-mode", "true"}},
                              body, options_.timeout, kOperation));
    request.max_response_bytes = kMaxGetMetricDataResponseBytes;
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

std::unique_ptr<CloudWatchClient> NewCloudWatchClient(http::HttpClient& http,
                                                      CredentialsProvider& credentials,
                                                      Clock& clock, UniformRandom random,
                                                      CloudWatchOptions options) {
  return std::make_unique<CloudWatchClientImpl>(http, credentials, clock, std::move(random),
                                                std::move(options));
}

}  // namespace statusbridge::aws
