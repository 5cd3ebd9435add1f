#include "aws_error_reply.h"

#include <nlohmann/json.hpp>

namespace statusbridge::sandbox {

std::string QueryErrorHeader(const AwsErrorReply& error) {
  return error.code + (error.http_status >= 500 ? ";Receiver" : ";Sender");
}

std::string AwsErrorBody(const AwsErrorReply& error) {
  nlohmann::json body = {{"__type", "com.amazonaws.cloudwatch#" + error.code},
                         {"message", error.message}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace statusbridge::sandbox
