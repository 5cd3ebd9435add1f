#include "aws/logs_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "aws/aws_error.h"
#include "aws/aws_json.h"
#include "aws/sigv4.h"

namespace statusbridge::aws {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kService = "logs";
constexpr const char* kTargetPrefix = "Logs_20140328.";
constexpr const char* kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kStartQuery = "StartQuery";
constexpr std::string_view kGetQueryResults = "GetQueryResults";
constexpr std::string_view kStopQuery = "StopQuery";

// The longest timeout or wait we add to a MonotonicTime: 30 days.
constexpr Millis kMaxWait = std::chrono::hours(24 * 30);

std::string Quoted(std::string_view s, size_t max = 100) {
  return "\"" + http::Snippet(s, max) + "\"";
}

// ---- Validation ----

bool IsNameChar(char c) {
  // LogGroupName pattern [\.\-_/#A-Za-z0-9]+ (botocore logs model).
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '/' || c == '#';
}

bool IsIdentifierChar(char c) {
  // LogGroupIdentifier pattern [\w#+=/:,.@-]*.
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '#' || c == '+' ||
         c == '=' || c == '/' || c == ':' || c == ',' || c == '.' || c == '@' || c == '-';
}

bool IsArn(std::string_view s) { return s.substr(0, 4) == "arn:"; }

std::vector<std::string_view> SplitColons(std::string_view s, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos) {
      break;
    }
    parts.push_back(s.substr(0, colon));
    s.remove_prefix(colon + 1);
  }
  parts.push_back(s);
  return parts;
}

Status ValidateArn(std::string_view arn, const std::string& where) {
  if (arn.size() > kMaxLogGroupIdentifierLength) {
    return Status::InvalidArgument(where + " is longer than " +
                                   std::to_string(kMaxLogGroupIdentifierLength) + " characters");
  }
  if (!arn.empty() && arn.back() == '*') {
    return Status::InvalidArgument(
        where + " " + Quoted(arn) +
        " ends in '*'; StartQuery wants the log group ARN without it (drop the trailing \":*\")");
  }
  for (char c : arn) {
    if (!IsIdentifierChar(c)) {
      return Status::InvalidArgument(where + " " + Quoted(arn) +
                                     " has a character a log group ARN cannot have");
    }
  }
  // arn:<partition>:logs:<region>:<account>:log-group:<name>
  std::vector<std::string_view> parts = SplitColons(arn, 7);
  if (parts.size() != 7 || parts[1].empty() || parts[2] != "logs" || parts[3].empty() ||
      parts[4].empty() || parts[5] != "log-group" || parts[6].empty()) {
    return Status::InvalidArgument(
        where + " " + Quoted(arn) +
        " is not a log group ARN (arn:aws:logs:<region>:<account-id>:log-group:<name>)");
  }
  return Status::Ok();
}

Status ValidateName(std::string_view name, const std::string& where) {
  if (name.empty()) {
    return Status::InvalidArgument(where + " is empty");
  }
  if (name.size() > kMaxLogGroupNameLength) {
    return Status::InvalidArgument(where + " is longer than " +
                                   std::to_string(kMaxLogGroupNameLength) + " characters");
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return Status::InvalidArgument(
          where + " " + Quoted(name) +
          " has a character a log group name cannot have (only A-Z a-z 0-9 . - _ / #)");
    }
  }
  return Status::Ok();
}

bool AnyArn(const std::vector<std::string>& log_groups) {
  return std::any_of(log_groups.begin(), log_groups.end(),
                     [](const std::string& g) { return IsArn(g); });
}

// ---- Requests ----

Result<std::string> Dump(const ordered_json& body, std::string_view operation) {
  try {
    return body.dump();
  } catch (const json::exception& e) {
    // The only failure dump() has: a string that is not valid UTF-8.
    return Status::InvalidArgument(std::string(operation) +
                                   ": cannot encode the request: " + e.what());
  }
}

Result<std::string> StartQueryBody(const LogsQuery& query) {
  ordered_json groups = ordered_json::array();
  for (const std::string& g : query.log_groups) {
    groups.push_back(g);
  }
  ordered_json body;
  body[AnyArn(query.log_groups) ? "logGroupIdentifiers" : "logGroupNames"] = std::move(groups);
  body["startTime"] = ToUnixSeconds(query.window.start);
  body["endTime"] = ToUnixSeconds(query.window.end) - 1;  // inclusive in the API
  body["queryString"] = query.query_string;
  if (query.limit > 0) {
    body["limit"] = query.limit;
  }
  return Dump(body, kStartQuery);
}

Result<std::string> QueryIdBody(const std::string& query_id, const std::string* next_token,
                                std::string_view operation) {
  ordered_json body = {{"queryId", query_id}};
  if (next_token != nullptr) {
    body["nextToken"] = *next_token;
  }
  return Dump(body, operation);
}

// ---- Responses ----

using json_util::Kind;
using json_util::Malformed;
using json_util::Member;
using json_util::ParseObject;

Result<std::string> ParseQueryId(std::string_view body) {
  SB_ASSIGN_OR_RETURN(json doc, ParseObject(body, kStartQuery));
  const json* id = Member(doc, "queryId");
  if (id == nullptr) {
    return Malformed(kStartQuery, "no queryId: " + http::Snippet(body, 120));
  }
  if (!id->is_string()) {
    return Malformed(kStartQuery, "queryId is " + Kind(*id) + ", not a string");
  }
  const std::string& s = id->get_ref<const std::string&>();
  if (s.empty() || s.size() > 256) {
    return Malformed(kStartQuery, "queryId " + Quoted(s) + " is not 1..256 characters");
  }
  return s;
}

std::optional<LogsQueryStatus> StatusFromName(std::string_view s) {
  static constexpr LogsQueryStatus kAll[] = {LogsQueryStatus::kScheduled, LogsQueryStatus::kRunning,
                                             LogsQueryStatus::kComplete,  LogsQueryStatus::kFailed,
                                             LogsQueryStatus::kCancelled, LogsQueryStatus::kTimeout,
                                             LogsQueryStatus::kUnknown};
  for (LogsQueryStatus status : kAll) {
    if (LogsQueryStatusName(status) == s) {
      return status;
    }
  }
  return std::nullopt;
}

double Statistic(const json* stats, const char* key) {
  if (stats == nullptr || !stats->is_object()) {
    return 0;
  }
  const json* v = Member(*stats, key);
  if (v == nullptr || !v->is_number()) {
    return 0;
  }
  double d = v->get<double>();
  return std::isfinite(d) && d >= 0 ? d : 0;
}

struct ResultsPage {
  LogsQueryStatus status = LogsQueryStatus::kUnknown;
  LogsQueryStatistics statistics;
  std::vector<LogsRow> rows;  // only read when status is Complete
  std::optional<std::string> next_token;
};

Result<LogsRow> ParseRow(const json& row, size_t index) {
  const std::string where = "results[" + std::to_string(index) + "]";
  if (!row.is_array()) {
    return Malformed(kGetQueryResults, where + " is " + Kind(row) + ", not an array");
  }
  LogsRow out;
  for (size_t j = 0; j < row.size(); ++j) {
    const json& cell = row[j];
    const std::string at = where + "[" + std::to_string(j) + "]";
    if (!cell.is_object()) {
      return Malformed(kGetQueryResults, at + " is " + Kind(cell) + ", not an object");
    }
    const json* field = Member(cell, "field");
    const json* value = Member(cell, "value");
    if (field != nullptr && !field->is_string()) {
      return Malformed(kGetQueryResults, at + ".field is " + Kind(*field) + ", not a string");
    }
    if (value != nullptr && !value->is_string()) {
      return Malformed(kGetQueryResults, at + ".value is " + Kind(*value) + ", not a string");
    }
    if (field == nullptr || value == nullptr) {
      continue;  // a field without a value (or a value without a name) carries nothing
    }
    out.emplace(field->get<std::string>(), value->get<std::string>());  // first one wins
  }
  return out;
}

Result<ResultsPage> ParseResultsPageUnchecked(std::string_view body) {
  SB_ASSIGN_OR_RETURN(json doc, ParseObject(body, kGetQueryResults));
  ResultsPage page;
  const json* status = Member(doc, "status");
  if (status == nullptr) {
    return Malformed(kGetQueryResults, "no status: " + http::Snippet(body, 120));
  }
  if (!status->is_string()) {
    return Malformed(kGetQueryResults, "status is " + Kind(*status) + ", not a string");
  }
  std::optional<LogsQueryStatus> parsed = StatusFromName(status->get_ref<const std::string&>());
  if (!parsed) {
    return Malformed(kGetQueryResults,
                     "unknown status " + Quoted(status->get_ref<const std::string&>()));
  }
  page.status = *parsed;
  const json* stats = Member(doc, "statistics");
  page.statistics.records_matched = Statistic(stats, "recordsMatched");
  page.statistics.records_scanned = Statistic(stats, "recordsScanned");
  page.statistics.bytes_scanned = Statistic(stats, "bytesScanned");
  if (page.status != LogsQueryStatus::kComplete) {
    return page;  // partial results of a running query are not read
  }
  if (const json* results = Member(doc, "results")) {
    if (!results->is_array()) {
      return Malformed(kGetQueryResults, "results is " + Kind(*results) + ", not an array");
    }
    page.rows.reserve(results->size());
    for (size_t i = 0; i < results->size(); ++i) {
      SB_ASSIGN_OR_RETURN(LogsRow row, ParseRow((*results)[i], i));
      page.rows.push_back(std::move(row));
    }
  }
  if (const json* token = Member(doc, "nextToken")) {
    if (!token->is_string()) {
      return Malformed(kGetQueryResults, "nextToken is " + Kind(*token) + ", not a string");
    }
    if (!token->get_ref<const std::string&>().empty()) {
      page.next_token = token->get<std::string>();
    }
  }
  return page;
}

Result<ResultsPage> ParseResultsPage(std::string_view body) {
  try {
    return ParseResultsPageUnchecked(body);
  } catch (const std::exception& e) {
    // Every access above is type-checked; this is the adapter's last line of defence.
    return Malformed(kGetQueryResults, std::string("unreadable (") + e.what() + ")");
  }
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

// ---- The runner ----

class LogsInsightsClientImpl : public LogsInsightsClient {
 public:
  LogsInsightsClientImpl(http::HttpClient& http, CredentialsProvider& credentials, Clock& clock,
                         UniformRandom random, LogsInsightsOptions options)
      : http_(http),
        credentials_(credentials),
        clock_(clock),
        random_(std::move(random)),
        options_(Sanitised(std::move(options))) {}

  // LogsInsightsClient
  std::vector<Result<LogsQueryResult>> RunQueries(const std::vector<LogsQuery>& queries,
                                                  const LogsRunControl& control,
                                                  LogsRunStats* stats) override {
    Run run(*this, queries, control);
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

 private:
  static LogsInsightsOptions Sanitised(LogsInsightsOptions o) {
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

  // One RunQueries() call: the per-query state machine and the loop that drives it.
  class Run {
   public:
    Run(LogsInsightsClientImpl& client, const std::vector<LogsQuery>& queries,
        const LogsRunControl& control)
        : client_(client),
          options_(client.options_),
          queries_(queries),
          control_(control),
          slots_(queries.size()) {}

    const LogsRunStats& stats() const { return stats_; }

    std::vector<Result<LogsQueryResult>> Execute() {
      const MonotonicTime begin = client_.clock_.Monotonic();
      timeout_ = std::clamp(control_.timeout, Millis(0), kMaxWait);
      deadline_ = begin + timeout_;
      cycle_ends_first_ = control_.cycle_deadline < deadline_;
      deadline_ = std::min(deadline_, control_.cycle_deadline);
      next_start_at_ = begin;
      Status setup = Setup();
      for (size_t i = 0; i < slots_.size(); ++i) {
        if (!setup.ok()) {
          Finish(i, Status(setup.code(), Prefix(i) + ": " + setup.message()));
        } else if (Status valid = ValidateLogsQuery(queries_[i]); !valid.ok()) {
          Finish(i, Status(valid.code(), Prefix(i) + ": " + valid.message()));
        } else if (Result<std::string> body = StartQueryBody(queries_[i]); !body.ok()) {
          Finish(i, body.status().WithContext(Prefix(i)));
        } else {
          slots_[i].start_body = std::move(*body);
          pending_.push_back(i);
        }
      }
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

    void Loop() {
      while (!pending_.empty() || in_flight_ > 0) {
        const MonotonicTime now = client_.clock_.Monotonic();
        if (now >= deadline_ || StopRequested()) {
          EndAll(now < deadline_     ? std::string("a stop was requested")
                 : cycle_ends_first_ ? std::string("the cycle's deadline passed")
                                     : "the deadline of " + FormatMillis(timeout_) + " passed");
          return;
        }
        const bool room = in_flight_ < options_.max_concurrent_queries;
        if (!pending_.empty() && room && now >= next_start_at_) {
          size_t i = pending_.front();
          pending_.erase(pending_.begin());
          StartOne(i);
          continue;
        }
        if (std::optional<size_t> due = EarliestPoll(); due && slots_[*due].next_poll <= now) {
          PollOne(*due);
          continue;
        }
        MonotonicTime wake = deadline_;
        if (std::optional<size_t> due = EarliestPoll()) {
          wake = std::min(wake, slots_[*due].next_poll);
        }
        if (!pending_.empty() && room) {
          wake = std::min(wake, next_start_at_);
        }
        auto wait = std::chrono::ceil<Millis>(wake - now);
        client_.clock_.SleepFor(std::max(Millis(1), wait));
      }
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

    static std::string FormatMillis(Millis d) {
      if (d.count() % 1000 == 0) {
        return FormatDuration(std::chrono::duration_cast<Seconds>(d));
      }
      return std::to_string(d.count()) + "ms";
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
        std::string text = Prefix(i) + ": " + why + " (";
        if (slots_[i].last_status) {
          text += "last status " + std::string(LogsQueryStatusName(*slots_[i].last_status)) +
                  " after " + std::to_string(slots_[i].result.polls) + " polls)";
        } else {
          text += "no status yet after " + std::to_string(slots_[i].result.polls) + " polls)";
        }
        text += StopQuery(i, options_.stop_query_timeout);
        Finish(i, Status::DeadlineExceeded(std::move(text)));
      }
    }

    // Sends StopQuery once; returns a clause for the error message.
    std::string StopQuery(size_t i, Millis timeout) {
      Result<std::string> body = QueryIdBody(slots_[i].result.query_id, nullptr, kStopQuery);
      if (!body.ok()) {
        return "; StopQuery not sent: " + body.status().message();
      }
      Result<http::HttpResponse> response = Send(kStopQuery, *body, timeout);
      if (!response.ok()) {
        return "; StopQuery failed: " + response.status().message();
      }
      return "; sent StopQuery";
    }

    // One StartQuery attempt for pending query i.
    void StartOne(size_t i) {
      Slot& slot = slots_[i];
      Result<http::HttpResponse> response = Send(kStartQuery, slot.start_body, RequestTimeout());
      if (!response.ok()) {
        const Status& error = response.status();
        if (error.code() == StatusCode::kResourceExhausted) {
          // LimitExceededException (the concurrent-query quota is full) or throttling: wait
          // and retry, in order, until the deadline.
          ++stats_.throttled;
          slot.last_start_error = error;
          last_throttle_ = error;
          next_start_at_ = client_.clock_.Monotonic() + StartBackoff(start_throttle_streak_);
          start_throttle_streak_ = std::min(start_throttle_streak_ + 1, 30);
          pending_.insert(pending_.begin(), i);
          return;
        }
        if (IsRetryable(error) && ++slot.start_failures < options_.max_attempts) {
          slot.last_start_error = error;
          next_start_at_ = client_.clock_.Monotonic() + StartBackoff(slot.start_failures - 1);
          pending_.insert(pending_.begin(), i);
          return;
        }
        std::string suffix =
            IsRetryable(error)
                ? " (gave up after " + std::to_string(slot.start_failures) + " attempts)"
                : "";
        Finish(i, Status(error.code(), Prefix(i) + ": " + error.message() + suffix));
        return;
      }
      start_throttle_streak_ = 0;
      Result<std::string> id = ParseQueryId(response->body);
      if (!id.ok()) {
        Finish(i, id.status().WithContext(Prefix(i)));
        return;
      }
      slot.result.query_id = std::move(*id);
      slot.phase = Phase::kInFlight;
      ++in_flight_;
      stats_.max_in_flight = std::max(stats_.max_in_flight, in_flight_);
      slot.poll_delay = options_.first_poll_delay;
      slot.next_poll = client_.clock_.Monotonic() + slot.poll_delay;
    }

    // Equal jitter: uniform in [c/2, c], c = min(cap, base * 2^n).
    Millis StartBackoff(int n) const {
      Millis ceiling = BackoffDelay(options_.start_backoff, n, [] { return 1.0; });
      double r = std::clamp(client_.random_(), 0.0, 1.0);
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
      slot.next_poll = client_.clock_.Monotonic() + slot.poll_delay;
    }

    // One GetQueryResults for in-flight query i.
    void PollOne(size_t i) {
      Slot& slot = slots_[i];
      Result<std::string> body = QueryIdBody(
          slot.result.query_id, slot.next_token ? &*slot.next_token : nullptr, kGetQueryResults);
      if (!body.ok()) {
        Finish(i, body.status().WithContext(Prefix(i)));  // cannot happen: the id came as JSON
        return;
      }
      ++slot.result.polls;
      Result<http::HttpResponse> response = Send(kGetQueryResults, *body, RequestTimeout());
      if (!response.ok()) {
        const Status& error = response.status();
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
        if (!slot.last_status || *slot.last_status != LogsQueryStatus::kComplete) {
          text += StopQuery(i, RequestTimeout());  // not while paging a completed query
        }
        Finish(i, Status(error.code(), std::move(text)));
        return;
      }
      slot.poll_failures = 0;
      Result<ResultsPage> page = ParseResultsPage(response->body);
      if (!page.ok()) {
        std::string text = Prefix(i) + ": " + page.status().message();
        if (!slot.last_status || *slot.last_status != LogsQueryStatus::kComplete) {
          text += StopQuery(i, RequestTimeout());
        }
        Finish(i, Status(page.status().code(), std::move(text)));
        return;
      }
      slot.last_status = page->status;
      slot.result.statistics = page->statistics;
      switch (page->status) {
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
          Finish(i, StatusForTerminal(page->status, Prefix(i)));
          return;
      }
      ++slot.pages;
      for (LogsRow& row : page->rows) {
        slot.result.rows.push_back(std::move(row));
      }
      if (!page->next_token) {
        slot.next_token.reset();
        --in_flight_;
        slot.phase = Phase::kDone;
        return;
      }
      if (slot.pages >= options_.max_result_pages) {
        Finish(i,
               Status::Internal(Prefix(i) + ": GetQueryResults still returned a nextToken after " +
                                std::to_string(slot.pages) + " pages; giving up"));
        return;
      }
      slot.next_token = std::move(page->next_token);
      slot.next_poll = client_.clock_.Monotonic();  // the next page at once
    }

    // Per-request HTTP timeout: options.timeout, but no longer than the time left (>= 1 s).
    Millis RequestTimeout() const {
      auto left = std::chrono::floor<Millis>(deadline_ - client_.clock_.Monotonic());
      return std::clamp(left, Millis(1000), std::max(Millis(1000), options_.timeout));
    }

    // Sends one signed request; non-2xx answers become the AWS error's Status.
    Result<http::HttpResponse> Send(std::string_view operation, const std::string& body,
                                    Millis timeout) {
      Result<http::HttpRequest> request = json_util::SignedPost(
          client_.credentials_, client_.clock_, SigningScope{options_.region, kService}, url_,
          {{"Content-Type", kContentType},
           {"X-Amz-Target", std::string(kTargetPrefix) + std::string(operation)}},
          body, timeout, operation);
      if (!request.ok()) {
        return request.status();
      }
      request->max_response_bytes = kMaxLogsResponseBytes;
      if (operation == kStartQuery) {
        ++stats_.start_query_calls;
      } else if (operation == kGetQueryResults) {
        ++stats_.get_query_results_calls;
      } else {
        ++stats_.stop_query_calls;
      }
      Result<http::HttpResponse> response = client_.http_.Send(*request);
      if (!response.ok()) {
        return response.status().WithContext(operation);
      }
      if (response->status < 200 || response->status > 299) {
        return AwsErrorStatus(operation, *response);
      }
      return response;
    }

    LogsInsightsClientImpl& client_;
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

  http::HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  const UniformRandom random_;
  const LogsInsightsOptions options_;
};

// ---- Rows -> points ----

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// A finite decimal number, the whole of `text` but surrounding spaces.
std::optional<double> ParseNumber(std::string_view text) {
  text = TrimSpaces(text);
  if (text.empty()) {
    return std::nullopt;
  }
  // from_chars reads "inf"/"nan" too; a number starts with a digit, '-' or '.'.
  const char c = text.front();
  if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// A bucket start: Logs Insights' "YYYY-MM-DD HH:MM:SS.mmm" (or ISO 8601). A non-zero fraction
// of a second is reported, since the bucket is then not aligned.
Result<SystemTime> ParseBucketTime(std::string_view text) {
  text = TrimSpaces(text);
  if (text.size() > 64) {
    return Status::InvalidArgument("too long for a timestamp");
  }
  Result<SystemTime> t = ParseIso8601(text);
  if (!t.ok()) {
    return Status::InvalidArgument("not a timestamp");
  }
  if (text.size() > 19 && text[19] == '.') {
    for (size_t k = 20; k < text.size() && std::isdigit(static_cast<unsigned char>(text[k])); ++k) {
      if (text[k] != '0') {
        return Status::InvalidArgument("not a whole second");
      }
    }
  }
  return t;
}

// ---- bin() ----

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@' || c == '.' ||
         c == '$';
}

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool MatchWordAt(std::string_view s, size_t i, std::string_view word) {
  if (i + word.size() > s.size()) {
    return false;
  }
  for (size_t k = 0; k < word.size(); ++k) {
    if (Lower(s[i + k]) != word[k]) {
      return false;
    }
  }
  const bool start_ok = i == 0 || !IsWordChar(s[i - 1]);
  const bool end_ok = i + word.size() == s.size() || !IsWordChar(s[i + word.size()]);
  return start_ok && end_ok;
}

size_t SkipSpaces(std::string_view s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
    ++i;
  }
  return i;
}

std::string RemoveSpaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string_view LogsQueryStatusName(LogsQueryStatus status) {
  switch (status) {
    case LogsQueryStatus::kScheduled:
      return "Scheduled";
    case LogsQueryStatus::kRunning:
      return "Running";
    case LogsQueryStatus::kComplete:
      return "Complete";
    case LogsQueryStatus::kFailed:
      return "Failed";
    case LogsQueryStatus::kCancelled:
      return "Cancelled";
    case LogsQueryStatus::kTimeout:
      return "Timeout";
    case LogsQueryStatus::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

Result<LogsQueryResult> LogsInsightsClient::RunQuery(const LogsQuery& query,
                                                     const LogsRunControl& control,
                                                     LogsRunStats* stats) {
  std::vector<Result<LogsQueryResult>> results = RunQueries({query}, control, stats);
  return std::move(results.front());
}

std::unique_ptr<LogsInsightsClient> NewLogsInsightsClient(http::HttpClient& http,
                                                          CredentialsProvider& credentials,
                                                          Clock& clock, UniformRandom random,
                                                          LogsInsightsOptions options) {
  return std::make_unique<LogsInsightsClientImpl>(http, credentials, clock, std::move(random),
                                                  std::move(options));
}

Status ValidateLogGroups(const std::vector<std::string>& log_groups) {
  if (log_groups.empty()) {
    return Status::InvalidArgument("log_groups is empty: name at least one log group");
  }
  if (log_groups.size() > kMaxLogGroupsPerQuery) {
    return Status::InvalidArgument("log_groups has " + std::to_string(log_groups.size()) +
                                   " entries; StartQuery takes at most " +
                                   std::to_string(kMaxLogGroupsPerQuery));
  }
  for (size_t i = 0; i < log_groups.size(); ++i) {
    const std::string where = "log_groups[" + std::to_string(i) + "]";
    Status s = IsArn(log_groups[i]) ? ValidateArn(log_groups[i], where)
                                    : ValidateName(log_groups[i], where);
    SB_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status ValidateLogsQuery(const LogsQuery& query) {
  SB_RETURN_IF_ERROR(ValidateLogGroups(query.log_groups));
  if (query.query_string.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("query string is empty");
  }
  if (query.query_string.size() > kMaxQueryStringLength) {
    return Status::InvalidArgument("query string has " + std::to_string(query.query_string.size()) +
                                   " characters; StartQuery takes at most " +
                                   std::to_string(kMaxQueryStringLength));
  }
  if (ToUnixSeconds(query.window.start) < 0) {
    return Status::InvalidArgument("window starts before 1970");
  }
  if (query.window.empty()) {
    return Status::InvalidArgument("window " + FormatIso8601(query.window.start) + " .. " +
                                   FormatIso8601(query.window.end) + " is empty");
  }
  if (query.limit < 0 || query.limit > kMaxQueryLimit) {
    return Status::InvalidArgument("limit " + std::to_string(query.limit) + " is not in 1.." +
                                   std::to_string(kMaxQueryLimit) + " (0 means not sent)");
  }
  return Status::Ok();
}

Result<LogsPoints> LogsRowsToPoints(const std::vector<LogsRow>& rows, const LogsPointsSpec& spec) {
  if (spec.value_field.empty()) {
    return Status::InvalidArgument("value_field is empty");
  }
  const int64_t period = spec.period.count();
  if (period <= 0) {
    return Status::InvalidArgument("period must be positive, got " + std::to_string(period) + "s");
  }
  if (spec.window.empty()) {
    return Status::InvalidArgument("window " + FormatIso8601(spec.window.start) + " .. " +
                                   FormatIso8601(spec.window.end) + " is empty");
  }
  if (AlignDown(spec.window.start, spec.period) != spec.window.start ||
      AlignDown(spec.window.end, spec.period) != spec.window.end) {
    return Status::InvalidArgument("window " + FormatIso8601(spec.window.start) + " .. " +
                                   FormatIso8601(spec.window.end) + " is not aligned to the " +
                                   FormatDuration(spec.period) + " period");
  }
  LogsPoints points;
  if (spec.time_field.empty()) {
    if (rows.size() > 1) {
      return Status::InvalidArgument(
          "the query returned " + std::to_string(rows.size()) +
          " rows, but without time_field it must return at most one (use stats ... by bin() "
          "and set time_field for one row per bucket)");
    }
    if (spec.window.end - spec.window.start != spec.period) {
      return Status::InvalidArgument("without time_field the window must be one " +
                                     FormatDuration(spec.period) + " period long, but " +
                                     FormatIso8601(spec.window.start) + " .. " +
                                     FormatIso8601(spec.window.end) + " spans several");
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const LogsRow& row = rows[i];
    const std::string where = "rows[" + std::to_string(i) + "]";
    SystemTime bucket = spec.window.start;
    if (!spec.time_field.empty()) {
      auto t = row.find(spec.time_field);
      if (t == row.end()) {
        return Status::InvalidArgument(where + " has no field " + Quoted(spec.time_field) +
                                       " (time_field)");
      }
      Result<SystemTime> parsed = ParseBucketTime(t->second);
      if (!parsed.ok()) {
        return Status::InvalidArgument(where + "." + http::Snippet(spec.time_field, 100) + " " +
                                       Quoted(t->second, 40) + " is " + parsed.status().message());
      }
      bucket = *parsed;
      if (AlignDown(bucket, spec.period) != bucket) {
        return Status::InvalidArgument(where + "." + http::Snippet(spec.time_field, 100) + " " +
                                       FormatIso8601(bucket) + " is not a multiple of the " +
                                       FormatDuration(spec.period) +
                                       " period: does the query's bin() match it?");
      }
    }
    if (!spec.window.Contains(bucket)) {
      ++points.rows_outside_window;  // its value is not even looked at
      continue;
    }
    auto v = row.find(spec.value_field);
    if (v == row.end() || TrimSpaces(v->second).empty()) {
      ++points.rows_without_value;
      continue;
    }
    std::optional<double> value = ParseNumber(v->second);
    if (!value) {
      return Status::InvalidArgument(where + "." + http::Snippet(spec.value_field, 100) + " " +
                                     Quoted(v->second, 40) + " is not a finite number");
    }
    if (!points.values.emplace(bucket, *value).second) {
      return Status::InvalidArgument(where + ": a second row for bucket " + FormatIso8601(bucket) +
                                     ": does the query group by more than bin()?");
    }
  }
  return points;
}

Result<Seconds> ParseLogsInsightsDuration(std::string_view text) {
  const std::string shown = Quoted(text, 40);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return Status::InvalidArgument("duration " + shown + " does not start with a number");
  }
  std::string_view unit = text.substr(digits);
  if (unit.empty()) {
    return Status::InvalidArgument("duration " + shown + " has no unit (e.g. 5m)");
  }
  if (digits > 9) {
    return Status::InvalidArgument("duration " + shown + " is too long");
  }
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  if (n == 0) {
    return Status::InvalidArgument("duration " + shown + " is zero");
  }
  struct Unit {
    std::string_view name;
    int64_t millis;  // 0: no fixed length
  };
  static constexpr Unit kUnits[] = {
      {"ms", 1},         {"msec", 1},       {"millisecond", 1}, {"s", 1000},
      {"sec", 1000},     {"second", 1000},  {"m", 60000},       {"min", 60000},
      {"minute", 60000}, {"h", 3600000},    {"hr", 3600000},    {"hour", 3600000},
      {"d", 86400000},   {"day", 86400000}, {"w", 604800000},   {"week", 604800000},
      {"mo", 0},         {"mon", 0},        {"month", 0},       {"q", 0},
      {"qtr", 0},        {"quarter", 0},    {"y", 0},           {"yr", 0},
      {"year", 0},
  };
  const Unit* found = nullptr;
  for (const Unit& u : kUnits) {
    // The guide: a unit of more than one character may take a plural 's'.
    if (unit == u.name || (u.name.size() > 1 && unit.size() == u.name.size() + 1 &&
                           unit.back() == 's' && unit.substr(0, u.name.size()) == u.name)) {
      found = &u;
      break;
    }
  }
  if (found == nullptr) {
    return Status::InvalidArgument("duration " + shown + " has an unknown unit " +
                                   Quoted(unit, 20) +
                                   " (Logs Insights units: ms, s, m, h, d, w and their long "
                                   "forms, lower case)");
  }
  if (found->millis == 0) {
    return Status::InvalidArgument("duration " + shown +
                                   " is in months, quarters or years, which have no fixed "
                                   "length; use s, m, h, d or w");
  }
  const int64_t millis = n * found->millis;  // n < 10^9, unit <= 6.1e8: fits in int64
  if (millis % 1000 != 0) {
    return Status::InvalidArgument("duration " + shown + " is not a whole number of seconds");
  }
  return Seconds(millis / 1000);
}

Result<std::optional<QueryBin>> FindQueryBin(std::string_view q) {
  std::optional<QueryBin> found;
  for (size_t i = 0; i < q.size(); ++i) {
    const char c = q[i];
    if (c == '\'' || c == '"' || c == '`') {
      size_t close = q.find(c, i + 1);
      if (close == std::string_view::npos) {
        break;  // an unclosed quote: the rest is one string
      }
      i = close;
      continue;
    }
    if (!MatchWordAt(q, i, "bin")) {
      continue;
    }
    size_t open = SkipSpaces(q, i + 3);
    if (open >= q.size() || q[open] != '(') {
      continue;  // a field or word named "bin", not a call
    }
    if (found) {
      return Status::InvalidArgument("the query has more than one bin() call; use one");
    }
    size_t close = q.find(')', open + 1);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("the query's bin( at offset " + std::to_string(i) +
                                     " is not closed");
    }
    QueryBin bin;
    bin.duration = std::string(TrimSpaces(q.substr(open + 1, close - open - 1)));
    Result<Seconds> period = ParseLogsInsightsDuration(bin.duration);
    if (!period.ok()) {
      return period.status().WithContext("bin()");
    }
    bin.period = *period;
    bin.column = std::string(q.substr(i, close + 1 - i));
    size_t after = SkipSpaces(q, close + 1);
    if (MatchWordAt(q, after, "as")) {
      size_t name = SkipSpaces(q, after + 2);
      if (name < q.size() && q[name] == '`') {
        size_t end = q.find('`', name + 1);
        if (end != std::string_view::npos) {
          bin.alias = std::string(q.substr(name + 1, end - name - 1));
        }
      } else {
        size_t end = name;
        while (end < q.size() && IsWordChar(q[end])) {
          ++end;
        }
        bin.alias = std::string(q.substr(name, end - name));
      }
    }
    if (!bin.alias.empty()) {
      bin.column = bin.alias;
    }
    found = std::move(bin);
    i = close;
  }
  return found;
}

Status CheckQueryBin(std::string_view query_string, Seconds period, std::string_view time_field) {
  SB_ASSIGN_OR_RETURN(std::optional<QueryBin> bin, FindQueryBin(query_string));
  if (!bin) {
    if (!time_field.empty()) {
      return Status::InvalidArgument(
          "time_field " + Quoted(time_field) +
          " is set but the query has no bin() (only bin() is recognised: stats ... by bin(" +
          FormatDuration(period) + ") as " + http::Snippet(time_field, 100) + ")");
    }
    return Status::Ok();
  }
  if (bin->period != period) {
    return Status::InvalidArgument("the query bins by " + FormatDuration(bin->period) + " (bin(" +
                                   http::Snippet(bin->duration, 40) + ")) but the period is " +
                                   FormatDuration(period));
  }
  if (time_field.empty()) {
    return Status::InvalidArgument("the query groups by " + Quoted(bin->column) +
                                   ": set time_field to " + Quoted(bin->column));
  }
  const bool matches = bin->alias.empty() ? RemoveSpaces(time_field) == RemoveSpaces(bin->column)
                                          : time_field == bin->alias;
  if (!matches) {
    return Status::InvalidArgument("time_field " + Quoted(time_field) +
                                   " does not name the query's bin column " + Quoted(bin->column));
  }
  return Status::Ok();
}

}  // namespace statusbridge::aws
