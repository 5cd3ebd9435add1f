#pragma once

// The error document the sandbox's CloudWatch answers with, in the shape of an AWS JSON 1.0
// query-compatible service (../shared/docs/research/aws.md §1.7):
//   HTTP <status>
//   x-amzn-query-error: <Code>;Sender        (";Receiver" for 5xx)
//   x-amzn-RequestId: <uuid-like id>
//   Content-Type: application/x-amz-json-1.0
//   {"__type":"com.amazonaws.cloudwatch#<Code>","message":"..."}
//
// Pure functions; thread-safe.

#include <string>

namespace statusbridge::sandbox {

struct AwsErrorReply {
  int http_status = 400;
  std::string code;     // "InvalidParameterValue", "SignatureDoesNotMatch", ...
  std::string message;  // for people; never carries a secret
};

// "<Code>;Sender" for 4xx, "<Code>;Receiver" for 5xx.
std::string QueryErrorHeader(const AwsErrorReply& error);

// {"__type":"com.amazonaws.cloudwatch#<Code>","message":"..."}
std::string AwsErrorBody(const AwsErrorReply& error);

// The JSON 1.0 content type every CloudWatch response carries.
inline constexpr const char* kAmzJsonContentType = "application/x-amz-json-1.0";

}  // namespace statusbridge::sandbox
