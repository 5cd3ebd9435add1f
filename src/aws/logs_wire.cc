#include "aws/logs_wire.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "aws/aws_json.h"
#include "aws/sigv4.h"

namespace statusbridge::aws {
namespace {

using json_util::Kind;
using json_util::Malformed;
using json_util::Member;
using json_util::ParseObject;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kService = "logs";
constexpr const char* kTargetPrefix = "Logs_20140328.";
constexpr const char* kContentType = "application/x-amz-json-1.1";

std::string Quoted(std::string_view s) { return "\"" + http::Snippet(s, 100) + "\""; }

Result<std::string> Dump(const ordered_json& body, std::string_view operation) {
  try {
    return body.dump();
  } catch (const json::exception& e) {
    // The only failure dump() has: a string that is not valid UTF-8.
    return Status::InvalidArgument(std::string(operation) +
                                   ": cannot encode the request: " + e.what());
  }
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

Result<LogsRow> ParseRow(const json& row, size_t index) {
  const std::string where = "results[" + std::to_string(index) + "]";
  if (!row.is_array()) {
    return Malformed(kLogsGetQueryResults, where + " is " + Kind(row) + ", not an array");
  }
  LogsRow out;
  for (size_t j = 0; j < row.size(); ++j) {
    const json& cell = row[j];
    const std::string at = where + "[" + std::to_string(j) + "]";
    if (!cell.is_object()) {
      return Malformed(kLogsGetQueryResults, at + " is " + Kind(cell) + ", not an object");
    }
    const json* field = Member(cell, "field");
    const json* value = Member(cell, "value");
    if (field != nullptr && !field->is_string()) {
      return Malformed(kLogsGetQueryResults, at + ".field is " + Kind(*field) + ", not a string");
    }
    if (value != nullptr && !value->is_string()) {
      return Malformed(kLogsGetQueryResults, at + ".value is " + Kind(*value) + ", not a string");
    }
    if (field == nullptr || value == nullptr) {
      continue;  // a field without a value (or a value without a name) carries nothing
    }
    out.emplace(field->get<std::string>(), value->get<std::string>());  // first one wins
  }
  return out;
}

Result<LogsQueryStatus> ReadStatus(const json& doc, std::string_view body) {
  const json* status = Member(doc, "status");
  if (status == nullptr) {
    return Malformed(kLogsGetQueryResults, "no status: " + http::Snippet(body, 120));
  }
  if (!status->is_string()) {
    return Malformed(kLogsGetQueryResults, "status is " + Kind(*status) + ", not a string");
  }
  std::optional<LogsQueryStatus> parsed = StatusFromName(status->get_ref<const std::string&>());
  if (!parsed) {
    return Malformed(kLogsGetQueryResults,
                     "unknown status " + Quoted(status->get_ref<const std::string&>()));
  }
  return *parsed;
}

// The rows and nextToken of a Complete query's page.
Status ReadRows(const json& doc, LogsResultsPage& page) {
  if (const json* results = Member(doc, "results")) {
    if (!results->is_array()) {
      return Malformed(kLogsGetQueryResults, "results is " + Kind(*results) + ", not an array");
    }
    page.rows.reserve(results->size());
    for (size_t i = 0; i < results->size(); ++i) {
      SB_ASSIGN_OR_RETURN(LogsRow row, ParseRow((*results)[i], i));
      page.rows.push_back(std::move(row));
    }
  }
  if (const json* token = Member(doc, "nextToken")) {
    if (!token->is_string()) {
      return Malformed(kLogsGetQueryResults, "nextToken is " + Kind(*token) + ", not a string");
    }
    if (!token->get_ref<const std::string&>().empty()) {
      page.next_token = token->get<std::string>();
    }
  }
  return Status::Ok();
}

Result<LogsResultsPage> ParseResultsPageUnchecked(std::string_view body) {
  SB_ASSIGN_OR_RETURN(json doc, ParseObject(body, kLogsGetQueryResults));
  LogsResultsPage page;
  SB_ASSIGN_OR_RETURN(page.status, ReadStatus(doc, body));
  const json* stats = Member(doc, "statistics");
  page.statistics.records_matched = Statistic(stats, "recordsMatched");
  page.statistics.records_scanned = Statistic(stats, "recordsScanned");
  page.statistics.bytes_scanned = Statistic(stats, "bytesScanned");
  if (page.status != LogsQueryStatus::kComplete) {
    return page;  // partial results of a running query are not read
  }
  SB_RETURN_IF_ERROR(ReadRows(doc, page));
  return page;
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

Result<http::HttpRequest> LogsRequest(CredentialsProvider& credentials, const Clock& clock,
                                      const std::string& region, std::string url,
                                      std::string_view operation, std::string body,
                                      Millis timeout) {
  SB_ASSIGN_OR_RETURN(
      http::HttpRequest request,
      json_util::SignedPost(credentials, clock, SigningScope{region, kService}, std::move(url),
                            {{"Content-Type", kContentType},
                             {"X-Amz-Target", std::string(kTargetPrefix) + std::string(operation)}},
                            std::move(body), timeout, operation));
  request.max_response_bytes = kMaxLogsResponseBytes;
  return request;
}

Result<std::string> LogsStartQueryBody(const LogsQuery& query) {
  ordered_json groups = ordered_json::array();
  for (const std::string& g : query.log_groups) {
    groups.push_back(g);
  }
  const bool any_arn = std::any_of(query.log_groups.begin(), query.log_groups.end(),
                                   [](const std::string& g) { return IsLogGroupArn(g); });
  ordered_json body;
  body[any_arn ? "logGroupIdentifiers" : "logGroupNames"] = std::move(groups);
  body["startTime"] = ToUnixSeconds(query.window.start);
  body["endTime"] = ToUnixSeconds(query.window.end) - 1;  // inclusive in the API
  body["queryString"] = query.query_string;
  if (query.limit > 0) {
    body["limit"] = query.limit;
  }
  return Dump(body, kLogsStartQuery);
}

Result<std::string> LogsQueryIdBody(const std::string& query_id,
                                    const std::optional<std::string>& next_token,
                                    std::string_view operation) {
  ordered_json body = {{"queryId", query_id}};
  if (next_token) {
    body["nextToken"] = *next_token;
  }
  return Dump(body, operation);
}

Result<std::string> ParseLogsQueryId(std::string_view body) {
  SB_ASSIGN_OR_RETURN(json doc, ParseObject(body, kLogsStartQuery));
  const json* id = Member(doc, "queryId");
  if (id == nullptr) {
    return Malformed(kLogsStartQuery, "no queryId: " + http::Snippet(body, 120));
  }
  if (!id->is_string()) {
    return Malformed(kLogsStartQuery, "queryId is " + Kind(*id) + ", not a string");
  }
  const std::string& s = id->get_ref<const std::string&>();
  if (s.empty() || s.size() > 256) {
    return Malformed(kLogsStartQuery, "queryId " + Quoted(s) + " is not 1..256 characters");
  }
  return s;
}

Result<LogsResultsPage> ParseLogsResultsPage(std::string_view body) {
  try {
    return ParseResultsPageUnchecked(body);
  } catch (const std::exception& e) {
    // Every access above is type-checked; this is the adapter's last line of defence.
    return Malformed(kLogsGetQueryResults, std::string("unreadable (") + e.what() + ")");
  }
}

}  // namespace statusbridge::aws
