#pragma once

// The sandbox's CloudWatch endpoint, `POST /` in the AWS JSON 1.0 protocol. Only GetMetricData is
// served. Checks, in order:
//   Content-Type application/x-amz-json-1.0 and
//   X-Amz-Target GraniteServiceVersion20100801.GetMetricData    else 400 UnknownOperationException
//   SigV4 (sigv4_verifier.h)                                      else 403, counted in
//   auth_failures the GetMetricData input (get_metric_data.h)                   else 400
// Every response carries x-amzn-RequestId; errors are in the shape of aws_error_reply.h.
//
// Thread-safe.

#include <httplib.h>

#include <atomic>
#include <cstdint>

#include "aws_error_reply.h"
#include "cloudwatch_data.h"
#include "core/clock.h"
#include "request_log.h"
#include "sigv4_verifier.h"

namespace statusbridge::sandbox {

inline constexpr const char* kGetMetricDataTarget = "GraniteServiceVersion20100801.GetMetricData";

struct CloudWatchConfig {
  SigV4Config sigv4;
  int64_t max_datapoints_per_page = 100800;
};

class CloudWatchEmulator {
 public:
  // The collaborators must outlive the emulator.
  CloudWatchEmulator(CloudWatchConfig config, const CloudWatchData& data, SandboxStats& stats,
                     const Clock& clock);

  // Serves one request to `POST /`; fills the record's target, status and queries.
  void Handle(const httplib::Request& request, httplib::Response& response, RequestRecord& record);

  // Writes `error` as the response (status, headers, body), with a fresh request id.
  void WriteError(httplib::Response& response, const AwsErrorReply& error);

 private:
  std::string NextRequestId();

  const CloudWatchConfig config_;
  const CloudWatchData& data_;
  SandboxStats& stats_;
  const Clock& clock_;
  std::atomic<uint64_t> request_counter_{0};
};

}  // namespace statusbridge::sandbox
