#include "logs_emulator.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace statusbridge::sandbox {
namespace {

// The Query protocol's SigV4 codes as JSON services name them.
std::string JsonAuthCode(const std::string& code) {
  if (code == "SignatureDoesNotMatch") return "InvalidSignatureException";
  if (code == "IncompleteSignature") return "IncompleteSignatureException";
  if (code == "MissingAuthenticationToken") return "MissingAuthenticationTokenException";
  return code;
}

}  // namespace

LogsEmulator::LogsEmulator(SigV4Config sigv4, LogsService& service, SandboxStats& stats,
                           const Clock& clock)
    : sigv4_(std::move(sigv4)), service_(service), stats_(stats), clock_(clock) {
  sigv4_.service = "logs";
}

std::string LogsEmulator::NextRequestId() {
  char id[40];
  std::snprintf(id, sizeof(id), "7c3e9a10-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(++request_counter_));
  return id;
}

void LogsEmulator::WriteError(httplib::Response& response, const AwsErrorReply& error,
                              const std::optional<LogsQueryError>& compile_error) {
  nlohmann::json body = {{"__type", error.code}, {"message", error.message}};
  if (compile_error) {
    body["queryCompileError"] = {
        {"location",
         {{"startCharOffset", compile_error->start}, {"endCharOffset", compile_error->end}}},
        {"message", compile_error->message}};
  }
  response.status = error.http_status;
  response.set_header("x-amzn-RequestId", NextRequestId());
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       kAmzJson11ContentType);
}

void LogsEmulator::Handle(const httplib::Request& request, httplib::Response& response,
                          RequestRecord& record) {
  const std::string target = request.get_header_value("X-Amz-Target");
  record.target = target;
  const std::string operation = target.rfind(kLogsTargetPrefix, 0) == 0
                                    ? target.substr(std::string(kLogsTargetPrefix).size())
                                    : std::string();
  if (request.get_header_value("Content-Type").rfind(kAmzJson11ContentType, 0) != 0) {
    WriteError(response, {400, "UnknownOperationException",
                          "CloudWatch Logs speaks the AWS JSON 1.1 protocol: send Content-Type: "
                          "application/x-amz-json-1.1."});
    return;
  }
  if (operation != "StartQuery" && operation != "GetQueryResults" && operation != "StopQuery" &&
      operation != "DescribeQueries") {
    WriteError(response, {400, "UnknownOperationException",
                          "Unknown operation '" + target +
                              "': the sandbox's CloudWatch Logs serves StartQuery, "
                              "GetQueryResults, StopQuery and DescribeQueries."});
    return;
  }
  if (auto error = VerifySigV4(AsSignedRequest(request), sigv4_, clock_.Now())) {
    ++stats_.auth_failures;
    error->code = JsonAuthCode(error->code);
    WriteError(response, *error);
    return;
  }
  LogsOutcome outcome;
  if (operation == "StartQuery") {
    outcome = service_.StartQuery(request.body);
  } else if (operation == "GetQueryResults") {
    outcome = service_.GetQueryResults(request.body);
  } else if (operation == "StopQuery") {
    outcome = service_.StopQuery(request.body);
  } else {
    outcome = service_.DescribeQueries(request.body);
  }
  if (outcome.error) {
    WriteError(response, *outcome.error, outcome.compile_error);
    return;
  }
  response.status = 200;
  response.set_header("x-amzn-RequestId", NextRequestId());
  response.set_content(outcome.body, kAmzJson11ContentType);
}

}  // namespace statusbridge::sandbox
