#include "aws/logs_runner.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "aws/aws_error.h"

namespace statusbridge::aws {
namespace {

// The longest timeout or wait we add to a MonotonicTime: 30 days.
constexpr Millis kMaxWait = std::chrono::hours(24 * 30);

std::string Quoted(std::string_view s) { return "\"" + http::Snippet(s, 100) + "\""; }

std::string FormatMillis(Millis d) {
  if (d.count() % 1000 == 0) {
    return FormatDuration(std::chrono::duration_cast<Seconds>(d));
  }
  return std::to_string(d.count()) + "ms";
}

Status StatusForTerminal(LogsQueryStatus status, const std::string& prefix) {
  std::string text = prefix + ": status " + std::string(LogsQueryStatusName(status));
  switch (status) {
    case LogsQueryStatus::kTimeout:
      return Status::DeadlineExceeded(text + " (the service's query time limit)");
    case LogsQueryStatus::kCancelled:
      return Status::Unavailable(text + " (stopped by someone else)");
    default:
      return Status::Unavailable(text);
  }
}

// One RunLogsQueries() call: the per-query state machine and the loop that drives it.
class LogsRun {
 public:
  LogsRun(const LogsRunEnv& env, const LogsInsightsOptions& options,
          const std::vector<LogsQuery>& queries, const LogsRunControl& control)
      : env_(env),
        options_(options),
        queries_(queries),
        control_(control),
        slots_(queries.size()) {}

  const LogsRunStats& stats() const { return stats_; }

  std::vector<Result<LogsQueryResult>> Execute() {
    const MonotonicTime begin = env_.clock.Monotonic();
    timeout_ = std::clamp(control_.timeout, Millis(0), kMaxWait);
    deadline_ = begin + timeout_;
    cycle_ends_first_ = control_.cycle_deadline < deadline_;
    deadline_ = std::min(deadline_, control_.cycle_deadline);
    next_start_at_ = begin;
    Prepare();
    Loop();
    std::vector<Result<LogsQueryResult>> out;
    out.reserve(slots_.size());
    for (Slot& slot : slots_) {
      stats_.bytes_scanned += slot.result.statistics.bytes_scanned;
      if (slot.error.ok()) {
        out.emplace_back(std::move(slot.result));
      } else {
        out.emplace_back(std::move(slot.error));
      }
    }
    return out;
  }

 private:
  enum class Phase { kPending, kInFlight, kDone };

  struct Slot {
    Phase phase = Phase::kPending;
    std::string start_body;
    int start_failures = 0;   // transient StartQuery failures
    int poll_failures = 0;    // consecutive transient GetQueryResults failures
    Status last_start_error;  // the last throttling/transient StartQuery error
    MonotonicTime next_poll;
    Millis poll_delay{0};  // the delay before next_poll
    std::optional<LogsQueryStatus> last_status;
    std::optional<std::string> next_token;  // paging a Complete query
    int pages = 0;
    LogsQueryResult result;  // query_id, rows so far, statistics, polls
    Status error;            // set when the query failed
  };

  // Fails every query at once when the setup is wrong, else each invalid one; queues the rest.
  void Prepare() {
    Status setup = Setup();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (!setup.ok()) {
        Finish(i, Status(setup.code(), Prefix(i) + ": " + setup.message()));
      } else if (Status valid = ValidateLogsQuery(queries_[i]); !valid.ok()) {
        Finish(i, Status(valid.code(), Prefix(i) + ": " + valid.message()));
      } else if (Result<std::string> body = LogsStartQueryBody(queries_[i]); !body.ok()) {
        Finish(i, body.status().WithContext(Prefix(i)));
      } else {
        slots_[i].start_body = std::move(*body);
        pending_.push_back(i);
      }
    }
  }

  Status Setup() {
    if (options_.region.empty()) {
      return Status::InvalidArgument("no AWS region configured");
    }
    Result<http::Url> url = http::ParseUrl(options_.endpoint);
    if (!url.ok()) {
      return url.status().WithContext("endpoint");
    }
    if (!url->query.empty()) {
      return Status::InvalidArgument("endpoint " + Quoted(options_.endpoint) +
                                     " must not have a query string");
    }
    url_ = options_.endpoint + "/";
    return Status::Ok();
  }

  std::string Prefix(size_t i) const {
    std::string p = "Logs Insights query " + Quoted(queries_[i].name);
    if (!slots_[i].result.query_id.empty()) {
      p += " (id " + http::Snippet(slots_[i].result.query_id, 100) + ")";
    }
    return p;
  }

  void Finish(size_t i, Status error) {
    Slot& slot = slots_[i];
    if (slot.phase == Phase::kInFlight) {
      --in_flight_;
    }
    slot.phase = Phase::kDone;
    slot.error = std::move(error);
  }

  bool StopRequested() const { return control_.should_stop && control_.should_stop(); }

  bool Room() const { return in_flight_ < options_.max_concurrent_queries; }

  void Loop() {
    while (!pending_.empty() || in_flight_ > 0) {
      const MonotonicTime now = env_.clock.Monotonic();
      if (now >= deadline_ || StopRequested()) {
        EndAll(now < deadline_     ? std::string("a stop was requested")
               : cycle_ends_first_ ? std::string("the cycle's deadline passed")
                                   : "the deadline of " + FormatMillis(timeout_) + " passed");
        return;
      }
      if (!pending_.empty() && Room() && now >= next_start_at_) {
        size_t i = pending_.front();
        pending_.erase(pending_.begin());
        StartOne(i);
        continue;
      }
      if (std::optional<size_t> due = EarliestPoll(); due && slots_[*due].next_poll <= now) {
        PollOne(*due);
        continue;
      }
      SleepUntilDue(now);
    }
  }

  // Sleeps until the earliest of: the deadline, the next poll, the next StartQuery allowed.
  void SleepUntilDue(MonotonicTime now) {
    MonotonicTime wake = deadline_;
    if (std::optional<size_t> due = EarliestPoll()) {
      wake = std::min(wake, slots_[*due].next_poll);
    }
    if (!pending_.empty() && Room()) {
      wake = std::min(wake, next_start_at_);
    }
    auto wait = std::chrono::ceil<Millis>(wake - now);
    env_.clock.SleepFor(std::max(Millis(1), wait));
  }

  std::optional<size_t> EarliestPoll() const {
    std::optional<size_t> best;
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].phase == Phase::kInFlight &&
          (!best || slots_[i].next_poll < slots_[*best].next_poll)) {
        best = i;
      }
    }
    return best;
  }

  // The deadline passed or a stop was requested: stop what runs, fail what is left.
  void EndAll(const std::string& why) {
    for (size_t i : pending_) {
      std::string text = Prefix(i) + ": " + why + " before it could start";
      if (in_flight_ >= options_.max_concurrent_queries) {
        text += " (" + std::to_string(in_flight_) + " queries were in flight)";
      }
      if (!slots_[i].last_start_error.ok()) {
        text += "; last StartQuery error: " + slots_[i].last_start_error.message();
      } else if (!last_throttle_.ok()) {
        text += "; last StartQuery error: " + last_throttle_.message();
      }
      Finish(i, Status::DeadlineExceeded(std::move(text)));
    }
    pending_.clear();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].phase != Phase::kInFlight) {
        continue;
      }
      const Slot& slot = slots_[i];
      std::string text = Prefix(i) + ": " + why + " (";
      if (slot.last_status) {
        text += "last status " + std::string(LogsQueryStatusName(*slot.last_status)) + " after " +
                std::to_string(slot.result.polls) + " polls)";
      } else {
        text += "no status yet after " + std::to_string(slot.result.polls) + " polls)";
      }
      text += StopQuery(i, options_.stop_query_timeout);
      Finish(i, Status::DeadlineExceeded(std::move(text)));
    }
  }

  // Sends StopQuery once; returns a clause for the error message.
  std::string StopQuery(size_t i, Millis timeout) {
    Result<std::string> body =
        LogsQueryIdBody(slots_[i].result.query_id, std::nullopt, kLogsStopQuery);
    if (!body.ok()) {
      return "; StopQuery not sent: " + body.status().message();
    }
    Result<http::HttpResponse> response = Send(kLogsStopQuery, *body, timeout);
    if (!response.ok()) {
      return "; StopQuery failed: " + response.status().message();
    }
    return "; sent StopQuery";
  }

  // One StartQuery attempt for pending query i.
  void StartOne(size_t i) {
    Slot& slot = slots_[i];
    Result<http::HttpResponse> response = Send(kLogsStartQuery, slot.start_body, RequestTimeout());
    if (!response.ok()) {
      StartFailed(i, response.status());
      return;
    }
    start_throttle_streak_ = 0;
    Result<std::string> id = ParseLogsQueryId(response->body);
    if (!id.ok()) {
      Finish(i, id.status().WithContext(Prefix(i)));
      return;
    }
    slot.result.query_id = std::move(*id);
    slot.phase = Phase::kInFlight;
    ++in_flight_;
    stats_.max_in_flight = std::max(stats_.max_in_flight, in_flight_);
    slot.poll_delay = options_.first_poll_delay;
    slot.next_poll = env_.clock.Monotonic() + slot.poll_delay;
  }

  // A StartQuery that failed: queue it again after a backoff, or fail the query.
  void StartFailed(size_t i, const Status& error) {
    Slot& slot = slots_[i];
    if (error.code() == StatusCode::kResourceExhausted) {
      // LimitExceededException (the concurrent-query quota is full) or throttling: wait and
      // retry, in order, until the deadline.
      ++stats_.throttled;
      slot.last_start_error = error;
      last_throttle_ = error;
      next_start_at_ = env_.clock.Monotonic() + StartBackoff(start_throttle_streak_);
      start_throttle_streak_ = std::min(start_throttle_streak_ + 1, 30);
      pending_.insert(pending_.begin(), i);
      return;
    }
    if (IsRetryable(error) && ++slot.start_failures < options_.max_attempts) {
      slot.last_start_error = error;
      next_start_at_ = env_.clock.Monotonic() + StartBackoff(slot.start_failures - 1);
      pending_.insert(pending_.begin(), i);
      return;
    }
    std::string suffix =
        IsRetryable(error) ? " (gave up after " + std::to_string(slot.start_failures) + " attempts)"
                           : "";
    Finish(i, Status(error.code(), Prefix(i) + ": " + error.message() + suffix));
  }

  // Equal jitter: uniform in [c/2, c], c = min(cap, base * 2^n).
  Millis StartBackoff(int n) const {
    Millis ceiling = BackoffDelay(options_.start_backoff, n, [] { return 1.0; });
    double r = std::clamp(env_.random(), 0.0, 1.0);
    Millis half = ceiling / 2;
    return std::max(
        Millis(1),
        half + Millis(static_cast<int64_t>(static_cast<double>((ceiling - half).count()) * r)));
  }

  void SchedulePoll(Slot& slot, bool grow) {
    if (grow) {
      double next = static_cast<double>(slot.poll_delay.count()) * options_.poll_backoff_factor;
      next = std::min(next, static_cast<double>(options_.max_poll_delay.count()));
      slot.poll_delay = Millis(static_cast<int64_t>(std::llround(next)));
    }
    slot.next_poll = env_.clock.Monotonic() + slot.poll_delay;
  }

  // One GetQueryResults for in-flight query i.
  void PollOne(size_t i) {
    Slot& slot = slots_[i];
    Result<std::string> body =
        LogsQueryIdBody(slot.result.query_id, slot.next_token, kLogsGetQueryResults);
    if (!body.ok()) {
      Finish(i, body.status().WithContext(Prefix(i)));  // cannot happen: the id came as JSON
      return;
    }
    ++slot.result.polls;
    Result<http::HttpResponse> response = Send(kLogsGetQueryResults, *body, RequestTimeout());
    if (!response.ok()) {
      PollFailed(i, response.status());
      return;
    }
    slot.poll_failures = 0;
    Result<LogsResultsPage> page = ParseLogsResultsPage(response->body);
    if (!page.ok()) {
      Abandon(i, page.status().code(), Prefix(i) + ": " + page.status().message());
      return;
    }
    OnPage(i, std::move(*page));
  }

  // A GetQueryResults that failed: poll again later, or give the query up.
  void PollFailed(size_t i, const Status& error) {
    Slot& slot = slots_[i];
    if (error.code() == StatusCode::kResourceExhausted) {
      ++stats_.throttled;
      SchedulePoll(slot, /*grow=*/true);
      return;
    }
    if (IsRetryable(error) && ++slot.poll_failures < options_.max_attempts) {
      SchedulePoll(slot, /*grow=*/true);
      return;
    }
    std::string text = Prefix(i) + ": " + error.message();
    if (IsRetryable(error)) {
      text += " (gave up after " + std::to_string(slot.poll_failures) + " attempts)";
    }
    Abandon(i, error.code(), std::move(text));
  }

  // Fails in-flight query i with `text`, sending StopQuery first unless the query completed
  // (its pages were being read).
  void Abandon(size_t i, StatusCode code, std::string text) {
    const Slot& slot = slots_[i];
    if (!slot.last_status || *slot.last_status != LogsQueryStatus::kComplete) {
      text += StopQuery(i, RequestTimeout());
    }
    Finish(i, Status(code, std::move(text)));
  }

  // A GetQueryResults answer for in-flight query i.
  void OnPage(size_t i, LogsResultsPage page) {
    Slot& slot = slots_[i];
    slot.last_status = page.status;
    slot.result.statistics = page.statistics;
    switch (page.status) {
      case LogsQueryStatus::kScheduled:
      case LogsQueryStatus::kRunning:
        if (slot.next_token) {
          // The service went back to Running while we were paging: start over.
          slot.next_token.reset();
          slot.result.rows.clear();
          slot.pages = 0;
        }
        SchedulePoll(slot, /*grow=*/true);
        return;
      case LogsQueryStatus::kComplete:
        break;
      default:
        Finish(i, StatusForTerminal(page.status, Prefix(i)));
        return;
    }
    ++slot.pages;
    for (LogsRow& row : page.rows) {
      slot.result.rows.push_back(std::move(row));
    }
    if (!page.next_token) {
      slot.next_token.reset();
      --in_flight_;
      slot.phase = Phase::kDone;
      return;
    }
    if (slot.pages >= options_.max_result_pages) {
      Finish(i, Status::Internal(Prefix(i) + ": GetQueryResults still returned a nextToken after " +
                                 std::to_string(slot.pages) + " pages; giving up"));
      return;
    }
    slot.next_token = std::move(page.next_token);
    slot.next_poll = env_.clock.Monotonic();  // the next page at once
  }

  // Per-request HTTP timeout: options.timeout, but no longer than the time left (>= 1 s).
  Millis RequestTimeout() const {
    auto left = std::chrono::floor<Millis>(deadline_ - env_.clock.Monotonic());
    return std::clamp(left, Millis(1000), std::max(Millis(1000), options_.timeout));
  }

  // Sends one signed request; non-2xx answers become the AWS error's Status.
  Result<http::HttpResponse> Send(std::string_view operation, const std::string& body,
                                  Millis timeout) {
    Result<http::HttpRequest> request =
        LogsRequest(env_.credentials, env_.clock, options_.region, url_, operation, body, timeout);
    if (!request.ok()) {
      return request.status();
    }
    if (operation == kLogsStartQuery) {
      ++stats_.start_query_calls;
    } else if (operation == kLogsGetQueryResults) {
      ++stats_.get_query_results_calls;
    } else {
      ++stats_.stop_query_calls;
    }
    Result<http::HttpResponse> response = env_.http.Send(*request);
    if (!response.ok()) {
      return response.status().WithContext(operation);
    }
    if (response->status < 200 || response->status > 299) {
      return AwsErrorStatus(operation, *response);
    }
    return response;
  }

  const LogsRunEnv& env_;
  const LogsInsightsOptions& options_;
  const std::vector<LogsQuery>& queries_;
  const LogsRunControl& control_;
  std::vector<Slot> slots_;
  std::vector<size_t> pending_;  // not yet started, in order
  int in_flight_ = 0;
  Millis timeout_{0};
  bool cycle_ends_first_ = false;  // control_.cycle_deadline comes before begin + timeout
  MonotonicTime deadline_;
  MonotonicTime next_start_at_;  // no StartQuery before this (throttling backoff)
  int start_throttle_streak_ = 0;
  Status last_throttle_;
  std::string url_;
  LogsRunStats stats_;
};

}  // namespace

LogsInsightsOptions SanitisedLogsOptions(LogsInsightsOptions o) {
  o.max_concurrent_queries = std::max(1, o.max_concurrent_queries);
  // Waits are added to MonotonicTime (nanoseconds): keep them far from overflow.
  o.first_poll_delay = std::clamp(o.first_poll_delay, Millis(1), kMaxWait);
  if (!(o.poll_backoff_factor >= 1.0) || !std::isfinite(o.poll_backoff_factor)) {
    o.poll_backoff_factor = 1.0;
  }
  o.max_poll_delay = std::clamp(o.max_poll_delay, o.first_poll_delay, kMaxWait);
  o.start_backoff.base = std::clamp(o.start_backoff.base, Millis(1), kMaxWait);
  o.start_backoff.cap = std::clamp(o.start_backoff.cap, o.start_backoff.base, kMaxWait);
  o.max_attempts = std::max(1, o.max_attempts);
  o.max_result_pages = std::max(1, o.max_result_pages);
  while (!o.endpoint.empty() && o.endpoint.back() == '/') {
    o.endpoint.pop_back();
  }
  return o;
}

std::vector<Result<LogsQueryResult>> RunLogsQueries(const LogsRunEnv& env,
                                                    const LogsInsightsOptions& options,
                                                    const std::vector<LogsQuery>& queries,
                                                    const LogsRunControl& control,
                                                    LogsRunStats* stats) {
  LogsRun run(env, options, queries, control);
  std::vector<Result<LogsQueryResult>> results = run.Execute();
  if (stats != nullptr) {
    const LogsRunStats& cost = run.stats();
    stats->start_query_calls += cost.start_query_calls;
    stats->get_query_results_calls += cost.get_query_results_calls;
    stats->stop_query_calls += cost.stop_query_calls;
    stats->throttled += cost.throttled;
    stats->bytes_scanned += cost.bytes_scanned;
    stats->max_in_flight = std::max(stats->max_in_flight, cost.max_in_flight);
  }
  return results;
}

}  // namespace statusbridge::aws
