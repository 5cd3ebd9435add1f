#include "logs_service.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "aws/logs_client.h"

namespace statusbridge::sandbox {

using nlohmann::json;

struct LogsService::Query {
  // Set by StartQuery, then read only.
  std::string id;
  std::string query_string;
  std::vector<std::string> log_groups;  // names, deduplicated, in request order
  int64_t create_time_ms = 0;
  MonotonicTime started;
  std::shared_ptr<const LogsQueryProgram> program;
  int limit = 0;
  LogsScan scan;  // its `stop` points at `stop` below

  // Set (under mu_) by StopQuery, Clear() and the destructor; read by the scan without the lock.
  std::atomic<bool> stop{false};
  // What the scan has counted so far, stored by the scan thread as it goes.
  std::atomic<int64_t> matched{0};
  std::atomic<int64_t> scanned{0};
  std::atomic<int64_t> bytes{0};

  // Protected by mu_.
  enum class ScanState {
    kQueued,
    kScanning,
    kFinished,
    kFailed,
    kStopped
  } state = ScanState::kQueued;
  std::optional<Counts> cancelled;  // the statistics StopQuery froze
  LogsQueryOutput output;           // when kFinished
  int64_t bytes_counted = 0;        // what the query added to stats_.logs_bytes_scanned
};

namespace {

constexpr size_t kMaxKeptQueries = 500;
// Epoch seconds StartQuery accepts: up to the end of year 9999, so milliseconds never overflow.
constexpr int64_t kMaxEpochSeconds = 253402300799;
constexpr int kMaxDescribeResults = 1000;

AwsErrorReply Error(std::string code, std::string message) {
  return AwsErrorReply{400, std::move(code), std::move(message)};
}

AwsErrorReply Invalid(std::string message) {
  return Error("InvalidParameterException", std::move(message));
}

// "1 validation error detected: Value '<v>' at '<where>' failed to satisfy constraint: <what>"
AwsErrorReply Constraint(const std::string& value, const std::string& where,
                         const std::string& what) {
  return Invalid("1 validation error detected: Value " + value + " at '" + where +
                 "' failed to satisfy constraint: " + what);
}

AwsErrorReply WrongType(const std::string& where, const char* expected) {
  return Error("SerializationException",
               "Unexpected value type for '" + where + "': expected " + expected + ".");
}

LogsOutcome Fail(AwsErrorReply error) {
  LogsOutcome outcome;
  outcome.error = std::move(error);
  return outcome;
}

LogsOutcome Reply(const json& body) {
  LogsOutcome outcome;
  outcome.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return outcome;
}

const json* Member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

std::optional<AwsErrorReply> ParseObject(std::string_view text, json& out) {
  out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded() || !out.is_object()) {
    return Error("SerializationException", "The request body is not a valid JSON object.");
  }
  return std::nullopt;
}

bool IsLogGroupName(std::string_view name) {
  if (name.empty() || name.size() > aws::kMaxLogGroupNameLength) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           c == '/' || c == '#';
  });
}

// A log group name from a name or an ARN arn:<partition>:logs:<region>:<account>:log-group:<name>.
// Errors: InvalidParameterException for malformed values, ResourceNotFoundException for an ARN of
// another region or account.
std::optional<AwsErrorReply> ResolveGroup(const std::string& entry, const std::string& where,
                                          const LogsConfig& config, std::string& name) {
  if (entry.rfind("arn:", 0) != 0) {
    if (!IsLogGroupName(entry)) {
      return Constraint("'" + entry + "'", where,
                        "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ "
                        "and have length between 1 and 512");
    }
    name = entry;
    return std::nullopt;
  }
  if (entry.size() > aws::kMaxLogGroupIdentifierLength || entry.back() == '*') {
    return Invalid("The log group identifier " + entry +
                   " is not valid: use the log group ARN without a trailing ':*'.");
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < 6) {
    size_t colon = entry.find(':', start);
    if (colon == std::string::npos) {
      break;
    }
    parts.push_back(entry.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(entry.substr(start));
  if (parts.size() != 7 || parts[2] != "logs" || parts[5] != "log-group" ||
      !IsLogGroupName(parts[6])) {
    return Invalid("The log group identifier " + entry + " is not a valid log group ARN.");
  }
  const bool served_region = parts[3] == config.region ||
                             std::find(config.extra_regions.begin(), config.extra_regions.end(),
                                       parts[3]) != config.extra_regions.end();
  if (!served_region || parts[4] != kSandboxAccountId) {
    return Error("ResourceNotFoundException", "Log group '" + parts[6] +
                                                  "' does not exist for account ID '" + parts[4] +
                                                  "' in region '" + parts[3] + "'.");
  }
  name = parts[6];
  return std::nullopt;
}

std::optional<AwsErrorReply> ParseGroups(const json& body, const LogsConfig& config,
                                         std::vector<std::string>& groups) {
  const json* single = Member(body, "logGroupName");
  const json* names = Member(body, "logGroupNames");
  const json* identifiers = Member(body, "logGroupIdentifiers");
  int given = (single != nullptr) + (names != nullptr) + (identifiers != nullptr);
  if (given != 1) {
    return Invalid(
        given == 0
            ? "Specify exactly one of logGroupName, logGroupNames or logGroupIdentifiers (the "
              "sandbox has no SOURCE command)."
            : "Specify only one of logGroupName, logGroupNames or logGroupIdentifiers.");
  }
  std::vector<std::pair<std::string, std::string>> entries;  // value, where
  if (single != nullptr) {
    if (!single->is_string()) {
      return WrongType("logGroupName", "a string");
    }
    entries.emplace_back(single->get<std::string>(), "logGroupName");
  } else {
    const json& list = names != nullptr ? *names : *identifiers;
    const std::string key = names != nullptr ? "logGroupNames" : "logGroupIdentifiers";
    if (!list.is_array()) {
      return WrongType(key, "a list of strings");
    }
    if (list.empty() || list.size() > aws::kMaxLogGroupsPerQuery) {
      return Constraint(std::to_string(list.size()) + " entries", key,
                        "Member must have length between 1 and 50");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) {
        return WrongType(key + "." + std::to_string(i + 1), "a string");
      }
      if (names != nullptr && list[i].get<std::string>().rfind("arn:", 0) == 0) {
        return Invalid("logGroupNames takes log group names; pass ARNs in logGroupIdentifiers.");
      }
      entries.emplace_back(list[i].get<std::string>(), key + "." + std::to_string(i + 1));
    }
  }
  for (const auto& [value, where] : entries) {
    std::string name;
    if (auto error = ResolveGroup(value, where, config, name)) {
      return error;
    }
    if (std::find(groups.begin(), groups.end(), name) == groups.end()) {
      groups.push_back(name);
    }
  }
  return std::nullopt;
}

std::optional<AwsErrorReply> ParseTime(const json& body, const char* name, int64_t& out) {
  const json* value = Member(body, name);
  if (value == nullptr) {
    return Constraint("null", name, "Member must not be null");
  }
  if (!value->is_number_integer()) {
    return WrongType(name, "an integer (epoch seconds)");
  }
  if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{INT64_MAX}) {
    return Constraint("'" + value->dump() + "'", name,
                      "Member must have value less than or equal to " +
                          std::to_string(kMaxEpochSeconds) + " (the sandbox's limit)");
  }
  out = value->get<int64_t>();
  if (out < 0) {
    return Constraint("'" + std::to_string(out) + "'", name,
                      "Member must have value greater than or equal to 0");
  }
  if (out > kMaxEpochSeconds) {
    return Constraint("'" + std::to_string(out) + "'", name,
                      "Member must have value less than or equal to " +
                          std::to_string(kMaxEpochSeconds) + " (the sandbox's limit)");
  }
  return std::nullopt;
}

std::optional<AwsErrorReply> ParseQueryId(const json& body, std::string& id) {
  const json* value = Member(body, "queryId");
  if (value == nullptr) {
    return Constraint("null", "queryId", "Member must not be null");
  }
  if (!value->is_string()) {
    return WrongType("queryId", "a string");
  }
  id = value->get<std::string>();
  if (id.size() > 256) {
    return Constraint("'" + id.substr(0, 40) + "...'", "queryId",
                      "Member must have length less than or equal to 256");
  }
  return std::nullopt;
}

AwsErrorReply UnknownQuery(const std::string& id) {
  return Error("ResourceNotFoundException", "Query " + id + " does not exist.");
}

const char* PhaseName(int phase) {
  static constexpr const char* kNames[] = {"Scheduled", "Running", "Complete", "Failed",
                                           "Cancelled"};
  return kNames[phase];
}

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

json RowJson(const LogsResultRow& row) {
  json cells = json::array();
  for (const LogsResultField& field : row) {
    cells.push_back({{"field", field.field}, {"value", field.value}});
  }
  return cells;
}

// Tokens for GetQueryResults/DescribeQueries pages: base64 of "<kind>:<key>:<offset>".
std::string PageToken(const std::string& kind, const std::string& key, size_t offset) {
  return Base64(kind + ":" + key + ":" + std::to_string(offset));
}

std::optional<size_t> PageOffset(const std::string& token, const std::string& kind,
                                 const std::string& key, size_t limit) {
  for (size_t offset = 0; offset <= limit; ++offset) {
    // Offsets are small (at most 10,000 rows or 500 queries): recompute rather than decode.
    if (PageToken(kind, key, offset) == token) {
      return offset;
    }
  }
  return std::nullopt;
}

}  // namespace

LogsService::LogsService(LogsConfig config, const LogsSource& source, SandboxStats& stats,
                         const Clock& clock)
    : config_(std::move(config)), source_(source), stats_(stats), clock_(clock) {
  const int threads = std::max(1, config_.scan_threads);
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { ScanLoop(); });
  }
}

LogsService::~LogsService() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (auto& [id, query] : queries_) {
      query->stop = true;
    }
    for (auto& query : queued_) {
      query->stop = true;
    }
    queued_.clear();
  }
  work_cv_.notify_all();
  for (std::thread& thread : threads_) {
    thread.join();
  }
}

LogsService::Phase LogsService::PhaseLocked(const Query& query, MonotonicTime now) const {
  if (query.cancelled) {
    return Phase::kCancelled;
  }
  if (query.state == Query::ScanState::kFailed) {
    return Phase::kFailed;
  }
  const auto elapsed = now - query.started;
  if (query.state == Query::ScanState::kFinished && elapsed >= config_.query_latency) {
    return Phase::kComplete;
  }
  if (query.state == Query::ScanState::kQueued || elapsed < config_.query_latency / 3) {
    return Phase::kScheduled;
  }
  return Phase::kRunning;
}

LogsService::Counts LogsService::StatisticsLocked(const Query& query, MonotonicTime now) const {
  if (query.cancelled) {
    return *query.cancelled;
  }
  // The clock's share: 0 for the first L/3, then linear up to 1 at L.
  const auto elapsed = now - query.started;
  double share = 1;
  if (elapsed < config_.query_latency) {
    const double running_from = std::chrono::duration<double>(config_.query_latency / 3).count();
    const double total = std::chrono::duration<double>(config_.query_latency).count();
    const double seconds = std::chrono::duration<double>(elapsed).count();
    share = std::clamp((seconds - running_from) / (total - running_from), 0.0, 1.0);
  }
  const bool finished = query.state == Query::ScanState::kFinished;
  auto scaled = [share](int64_t total) {
    return static_cast<int64_t>(std::floor(share * static_cast<double>(total)));
  };
  Counts counts;
  counts.matched = scaled(finished ? query.output.records_matched : query.matched.load());
  counts.scanned = scaled(finished ? query.output.records_scanned : query.scanned.load());
  counts.bytes = scaled(finished ? query.output.bytes_scanned : query.bytes.load());
  counts.groups_scanned = share > 0 && query.state != Query::ScanState::kQueued;
  return counts;
}

int LogsService::InFlightLocked(MonotonicTime now) const {
  int count = 0;
  for (const auto& [id, query] : queries_) {
    Phase phase = PhaseLocked(*query, now);
    count += phase == Phase::kScheduled || phase == Phase::kRunning;
  }
  return count;
}

void LogsService::StopLocked(Query& query) {
  query.stop = true;
  auto it = std::find_if(queued_.begin(), queued_.end(),
                         [&query](const std::shared_ptr<Query>& q) { return q.get() == &query; });
  if (it != queued_.end()) {
    queued_.erase(it);
    query.state = Query::ScanState::kStopped;
    idle_cv_.notify_all();
  }
}

std::string LogsService::NextQueryId() {
  uint64_t n = ++next_id_;
  uint64_t a = Mix(n);
  uint64_t b = Mix(a);
  char id[48];
  std::snprintf(id, sizeof(id), "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>((b >> 52) & 0xfff),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return id;
}

LogsOutcome LogsService::StartQuery(std::string_view text) {
  ++stats_.logs_start_query_calls;
  json body;
  if (auto error = ParseObject(text, body)) {
    return Fail(*error);
  }
  std::vector<std::string> groups;
  if (auto error = ParseGroups(body, config_, groups)) {
    return Fail(*error);
  }
  int64_t start_time = 0;
  int64_t end_time = 0;
  if (auto error = ParseTime(body, "startTime", start_time)) {
    return Fail(*error);
  }
  if (auto error = ParseTime(body, "endTime", end_time)) {
    return Fail(*error);
  }
  if (end_time < start_time) {
    return Fail(Invalid("endTime (" + std::to_string(end_time) +
                        ") must not be before startTime (" + std::to_string(start_time) + ")."));
  }
  const json* query_string = Member(body, "queryString");
  if (query_string == nullptr) {
    return Fail(Constraint("null", "queryString", "Member must not be null"));
  }
  if (!query_string->is_string()) {
    return Fail(WrongType("queryString", "a string"));
  }
  const std::string query_text = query_string->get<std::string>();
  if (query_text.size() > aws::kMaxQueryStringLength) {
    return Fail(Constraint(std::to_string(query_text.size()) + " characters", "queryString",
                           "Member must have length less than or equal to 10000"));
  }
  int limit = aws::kMaxQueryLimit;
  if (const json* limit_json = Member(body, "limit")) {
    if (!limit_json->is_number_integer()) {
      return Fail(WrongType("limit", "an integer"));
    }
    int64_t value = limit_json->get<int64_t>();
    if (value < 1 || value > aws::kMaxQueryLimit) {
      return Fail(Constraint("'" + std::to_string(value) + "'", "limit",
                             "Member must have value between 1 and 10000 (the sandbox does not "
                             "page beyond 10,000 rows)"));
    }
    limit = static_cast<int>(value);
  }
  if (const json* language = Member(body, "queryLanguage")) {
    if (!language->is_string()) {
      return Fail(WrongType("queryLanguage", "a string"));
    }
    if (*language != "CWLI") {
      return Fail(Invalid("queryLanguage " + language->get<std::string>() +
                          " is not supported by the sandbox; it runs Logs Insights QL (CWLI) "
                          "only."));
    }
  }
  for (const std::string& group : groups) {
    if (!source_.HasGroup(group)) {
      return Fail(Error("ResourceNotFoundException", "Log group '" + group +
                                                         "' does not exist for account ID '" +
                                                         std::string(kSandboxAccountId) + "'."));
    }
  }
  LogsQueryError compile_error;
  std::shared_ptr<const LogsQueryProgram> program = CompileLogsQuery(query_text, compile_error);
  if (program == nullptr) {
    LogsOutcome outcome;
    outcome.error = Error("MalformedQueryException", compile_error.message + " (at character " +
                                                         std::to_string(compile_error.start) + ")");
    outcome.compile_error = compile_error;
    return outcome;
  }

  const MonotonicTime arrived = clock_.Monotonic();
  const SystemTime now = clock_.Now();
  auto query = std::make_shared<Query>();
  query->query_string = query_text;
  query->log_groups = groups;
  query->create_time_ms = ToUnixSeconds(now) * 1000;
  query->started = arrived;
  query->program = std::move(program);
  query->limit = limit;
  query->scan.groups = groups;
  query->scan.start_ms = start_time * 1000;
  query->scan.end_ms = end_time * 1000 + 999;
  query->scan.now = now;
  query->scan.put_mark = source_.PutMark();
  query->scan.stop = &query->stop;

  std::lock_guard<std::mutex> lock(mu_);
  if (InFlightLocked(arrived) >= config_.max_concurrent) {
    return Fail(Error("LimitExceededException", "Account maximum query concurrency limit of [" +
                                                    std::to_string(config_.max_concurrent) +
                                                    "] reached."));
  }
  query->id = NextQueryId();
  const std::string id = query->id;
  order_.push_back(id);
  queries_.emplace(id, query);
  queued_.push_back(std::move(query));
  work_cv_.notify_one();
  // Forget the oldest queries beyond the cap, never one still in flight.
  for (auto it = order_.begin(); queries_.size() > kMaxKeptQueries && it != order_.end();) {
    Phase phase = PhaseLocked(*queries_.at(*it), arrived);
    if (phase == Phase::kScheduled || phase == Phase::kRunning) {
      ++it;
      continue;
    }
    queries_.erase(*it);
    it = order_.erase(it);
  }
  return Reply({{"queryId", id}});
}

void LogsService::ScanLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return shutting_down_ || !queued_.empty(); });
    if (shutting_down_) {
      return;
    }
    std::shared_ptr<Query> query = std::move(queued_.front());
    queued_.pop_front();
    query->state = Query::ScanState::kScanning;
    ++scanning_;
    lock.unlock();
    std::optional<LogsQueryOutput> output;
    bool failed = false;
    try {
      output = Scan(*query);
    } catch (...) {
      // A regex can throw on a pathological input; the query fails and its slot is free again.
      failed = true;
    }
    lock.lock();
    --scanning_;
    if (failed) {
      query->state = Query::ScanState::kFailed;
    } else if (!output || query->stop) {
      query->state = Query::ScanState::kStopped;
    } else {
      query->state = Query::ScanState::kFinished;
      query->output = std::move(*output);
      query->bytes_counted = query->output.bytes_scanned;
      stats_.logs_bytes_scanned += query->bytes_counted;
    }
    idle_cv_.notify_all();
  }
}

std::optional<LogsQueryOutput> LogsService::Scan(Query& query) {
  LogsQueryRun run(query.program, query.limit);
  std::vector<std::string> log_ids;
  for (const std::string& group : query.log_groups) {
    log_ids.push_back(std::string(kSandboxAccountId) + ":" + group);
  }
  int64_t scanned = 0;
  int64_t bytes = 0;
  source_.Scan(query.scan, [&](const LogEvent& event, size_t group) {
    run.Add(event, log_ids[group]);
    ++scanned;
    bytes += static_cast<int64_t>(event.message.size());
    query.scanned.store(scanned, std::memory_order_relaxed);
    query.bytes.store(bytes, std::memory_order_relaxed);
    query.matched.store(run.records_matched(), std::memory_order_relaxed);
  });
  if (query.stop) {
    return std::nullopt;
  }
  return run.Finish();
}

bool LogsService::WaitForScans(Millis timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return queued_.empty() && scanning_ == 0; });
}

LogsOutcome LogsService::GetQueryResults(std::string_view text) {
  ++stats_.logs_get_query_results_calls;
  json body;
  if (auto error = ParseObject(text, body)) {
    return Fail(*error);
  }
  std::string id;
  if (auto error = ParseQueryId(body, id)) {
    return Fail(*error);
  }
  std::optional<size_t> max_items;
  if (const json* max = Member(body, "maxItems")) {
    if (!max->is_number_integer()) {
      return Fail(WrongType("maxItems", "an integer"));
    }
    int64_t value = max->get<int64_t>();
    if (value < 1 || value > aws::kMaxQueryLimit) {
      return Fail(Constraint("'" + std::to_string(value) + "'", "maxItems",
                             "Member must have value between 1 and 10000"));
    }
    max_items = static_cast<size_t>(value);
  }
  std::string token;
  if (const json* next = Member(body, "nextToken")) {
    if (!next->is_string()) {
      return Fail(WrongType("nextToken", "a string"));
    }
    token = next->get<std::string>();
  }

  std::lock_guard<std::mutex> lock(mu_);
  auto it = queries_.find(id);
  if (it == queries_.end()) {
    return Fail(UnknownQuery(id));
  }
  const Query& query = *it->second;
  const MonotonicTime now = clock_.Monotonic();
  const Phase phase = PhaseLocked(query, now);
  const Counts counts = StatisticsLocked(query, now);
  const auto& rows = query.output.rows;
  size_t offset = 0;
  if (!token.empty()) {
    std::optional<size_t> decoded = PageOffset(token, "results", id, rows.size());
    if (!decoded) {
      return Fail(Invalid("The nextToken is not valid for query " + id + "."));
    }
    offset = *decoded;
  }
  json results = json::array();
  std::optional<std::string> next_token;
  if (phase == Phase::kComplete) {
    size_t end = max_items ? std::min(rows.size(), offset + *max_items) : rows.size();
    for (size_t i = offset; i < end; ++i) {
      results.push_back(RowJson(rows[i]));
    }
    if (end < rows.size()) {
      next_token = PageToken("results", id, end);
    }
  }
  json response = {{"queryLanguage", "CWLI"},
                   {"results", std::move(results)},
                   {"statistics",
                    {{"recordsMatched", static_cast<double>(counts.matched)},
                     {"recordsScanned", static_cast<double>(counts.scanned)},
                     {"estimatedRecordsSkipped", 0.0},
                     {"bytesScanned", static_cast<double>(counts.bytes)},
                     {"estimatedBytesSkipped", 0.0},
                     {"logGroupsScanned",
                      counts.groups_scanned ? static_cast<double>(query.log_groups.size()) : 0.0}}},
                   {"status", PhaseName(static_cast<int>(phase))}};
  if (next_token) {
    response["nextToken"] = *next_token;
  }
  return Reply(response);
}

LogsOutcome LogsService::StopQuery(std::string_view text) {
  ++stats_.logs_stop_query_calls;
  json body;
  if (auto error = ParseObject(text, body)) {
    return Fail(*error);
  }
  std::string id;
  if (auto error = ParseQueryId(body, id)) {
    return Fail(*error);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = queries_.find(id);
  if (it == queries_.end()) {
    return Fail(UnknownQuery(id));
  }
  Query& query = *it->second;
  const MonotonicTime now = clock_.Monotonic();
  const Phase phase = PhaseLocked(query, now);
  if (phase != Phase::kScheduled && phase != Phase::kRunning) {
    return Fail(Invalid("Query " + id + " is not running (its status is " +
                        PhaseName(static_cast<int>(phase)) + ")."));
  }
  query.cancelled = StatisticsLocked(query, now);
  stats_.logs_bytes_scanned += query.cancelled->bytes - query.bytes_counted;
  query.bytes_counted = query.cancelled->bytes;
  StopLocked(query);
  return Reply({{"success", true}});
}

LogsOutcome LogsService::DescribeQueries(std::string_view text) {
  ++stats_.logs_describe_queries_calls;
  json body;
  if (auto error = ParseObject(text, body)) {
    return Fail(*error);
  }
  std::string group_filter;
  if (const json* group = Member(body, "logGroupName")) {
    if (!group->is_string()) {
      return Fail(WrongType("logGroupName", "a string"));
    }
    group_filter = group->get<std::string>();
  }
  std::string status_filter;
  if (const json* status = Member(body, "status")) {
    if (!status->is_string()) {
      return Fail(WrongType("status", "a string"));
    }
    status_filter = status->get<std::string>();
    static constexpr const char* kStatuses[] = {"Scheduled", "Running", "Complete", "Failed",
                                                "Cancelled", "Timeout", "Unknown"};
    if (std::find(std::begin(kStatuses), std::end(kStatuses), status_filter) ==
        std::end(kStatuses)) {
      return Fail(Constraint("'" + status_filter + "'", "status",
                             "Member must satisfy enum value set: [Scheduled, Running, Complete, "
                             "Failed, Cancelled, Timeout, Unknown]"));
    }
  }
  size_t max_results = kMaxDescribeResults;
  if (const json* max = Member(body, "maxResults")) {
    if (!max->is_number_integer()) {
      return Fail(WrongType("maxResults", "an integer"));
    }
    int64_t value = max->get<int64_t>();
    if (value < 1 || value > kMaxDescribeResults) {
      return Fail(Constraint("'" + std::to_string(value) + "'", "maxResults",
                             "Member must have value between 1 and 1000"));
    }
    max_results = static_cast<size_t>(value);
  }
  std::string token;
  if (const json* next = Member(body, "nextToken")) {
    if (!next->is_string()) {
      return Fail(WrongType("nextToken", "a string"));
    }
    token = next->get<std::string>();
  }

  std::lock_guard<std::mutex> lock(mu_);
  const MonotonicTime now = clock_.Monotonic();
  std::vector<json> matching;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const Query& query = *queries_.at(*it);
    const char* status = PhaseName(static_cast<int>(PhaseLocked(query, now)));
    if (!status_filter.empty() && status_filter != status) {
      continue;
    }
    if (!group_filter.empty() && std::find(query.log_groups.begin(), query.log_groups.end(),
                                           group_filter) == query.log_groups.end()) {
      continue;
    }
    matching.push_back({{"queryLanguage", "CWLI"},
                        {"queryId", query.id},
                        {"queryString", query.query_string},
                        {"status", status},
                        {"createTime", query.create_time_ms},
                        {"logGroupName", query.log_groups.front()}});
  }
  const std::string key = group_filter + "|" + status_filter;
  size_t offset = 0;
  if (!token.empty()) {
    std::optional<size_t> decoded = PageOffset(token, "queries", key, matching.size());
    if (!decoded) {
      return Fail(Invalid("The nextToken is not valid."));
    }
    offset = *decoded;
  }
  json queries = json::array();
  size_t end = std::min(matching.size(), offset + max_results);
  for (size_t i = offset; i < end; ++i) {
    queries.push_back(std::move(matching[i]));
  }
  json response = {{"queries", std::move(queries)}};
  if (end < matching.size()) {
    response["nextToken"] = PageToken("queries", key, end);
  }
  return Reply(response);
}

void LogsService::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, query] : queries_) {
    StopLocked(*query);
  }
  queries_.clear();
  order_.clear();
}

}  // namespace statusbridge::sandbox
