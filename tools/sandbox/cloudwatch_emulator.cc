#include "cloudwatch_emulator.h"

#include <cstdio>

#include "get_metric_data.h"

namespace statusbridge::sandbox {

CloudWatchEmulator::CloudWatchEmulator(CloudWatchConfig config, const CloudWatchData& data,
                                       SandboxStats& stats, const Clock& clock)
    : config_(std::move(config)), data_(data), stats_(stats), clock_(clock) {}

std::string CloudWatchEmulator::NextRequestId() {
  char id[40];
  std::snprintf(id, sizeof(id), "5b5d1c0e-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(++request_counter_));
  return id;
}

void CloudWatchEmulator::WriteError(httplib::Response& response, const AwsErrorReply& error) {
  response.status = error.http_status;
  response.set_header("x-amzn-RequestId", NextRequestId());
  response.set_header("x-amzn-query-error", QueryErrorHeader(error));
  response.set_content(AwsErrorBody(error), kAmzJsonContentType);
}

void CloudWatchEmulator::Handle(const httplib::Request& request, httplib::Response& response,
                                RequestRecord& record) {
  std::string target = request.get_header_value("X-Amz-Target");
  record.target = target;
  std::string content_type = request.get_header_value("Content-Type");
  if (content_type.rfind(kAmzJsonContentType, 0) != 0) {
    WriteError(response, {400, "UnknownOperationException",
                          "The sandbox speaks the AWS JSON 1.0 protocol only: send Content-Type: "
                          "application/x-amz-json-1.0."});
    return;
  }
  if (target != kGetMetricDataTarget) {
    WriteError(response, {400, "UnknownOperationException",
                          "Unknown operation '" + target + "': the sandbox serves only " +
                              kGetMetricDataTarget + "."});
    return;
  }

  const SystemTime now = clock_.Now();
  if (auto error = VerifySigV4(AsSignedRequest(request), config_.sigv4, now)) {
    ++stats_.auth_failures;
    WriteError(response, *error);
    return;
  }

  ++stats_.getmetricdata_calls;
  GetMetricDataOutcome outcome =
      RunGetMetricData(request.body, data_, now, config_.max_datapoints_per_page);
  if (outcome.queries > 0) {
    record.queries = outcome.queries;
  }
  if (outcome.error) {
    WriteError(response, *outcome.error);
    return;
  }
  response.status = 200;
  response.set_header("x-amzn-RequestId", NextRequestId());
  response.set_content(outcome.body, kAmzJsonContentType);
}

}  // namespace statusbridge::sandbox
