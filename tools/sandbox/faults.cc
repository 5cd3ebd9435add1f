#include "faults.h"

#include <sys/socket.h>

#include "connections.h"

namespace statusbridge::sandbox {
namespace {

using nlohmann::json;

const char* ApiName(Api api) {
  switch (api) {
    case Api::kCloudWatch:
      return "cloudwatch";
    case Api::kLogs:
      return "logs";
    case Api::kStatuspage:
      break;
  }
  return "statuspage";
}

}  // namespace

std::optional<FaultSpec> ParseFaultSpec(const json& body, std::string& error) {
  if (!body.is_object()) {
    error = "the body must be a JSON object";
    return std::nullopt;
  }
  FaultSpec spec;
  auto api = body.find("api");
  if (api == body.end() || !api->is_string() ||
      (*api != "statuspage" && *api != "cloudwatch" && *api != "logs")) {
    error = "api must be \"statuspage\", \"cloudwatch\" or \"logs\"";
    return std::nullopt;
  }
  spec.api = *api == "cloudwatch" ? Api::kCloudWatch
             : *api == "logs"     ? Api::kLogs
                                  : Api::kStatuspage;
  if (auto count = body.find("count"); count != body.end()) {
    if (!count->is_number_integer() || count->get<int64_t>() < 1 ||
        count->get<int64_t>() > 1000000) {
      error = "count must be an integer from 1 to 1000000";
      return std::nullopt;
    }
    spec.count = count->get<int>();
  }
  if (auto status = body.find("status"); status != body.end() && !status->is_null()) {
    if (!status->is_number_integer() || status->get<int>() < 100 || status->get<int>() > 599) {
      error = "status must be an HTTP status code (100..599)";
      return std::nullopt;
    }
    spec.fault.status = status->get<int>();
  }
  if (auto retry = body.find("retry_after"); retry != body.end() && !retry->is_null()) {
    if (retry->is_string()) {
      spec.fault.retry_after = retry->get<std::string>();
    } else if (retry->is_number_integer()) {
      spec.fault.retry_after = std::to_string(retry->get<int64_t>());
    } else {
      error = "retry_after must be a string or an integer";
      return std::nullopt;
    }
  }
  if (auto code = body.find("aws_error"); code != body.end() && !code->is_null()) {
    if (!code->is_string() || code->get<std::string>().empty()) {
      error = "aws_error must be a non-empty string";
      return std::nullopt;
    }
    spec.fault.aws_error = code->get<std::string>();
  }
  if (auto delay = body.find("delay_ms"); delay != body.end() && !delay->is_null()) {
    if (!delay->is_number_integer() || delay->get<int64_t>() < 0 ||
        delay->get<int64_t>() > 600000) {
      error = "delay_ms must be an integer from 0 to 600000";
      return std::nullopt;
    }
    spec.fault.delay = Millis(delay->get<int64_t>());
  }
  if (auto drop = body.find("drop_connection"); drop != body.end() && !drop->is_null()) {
    if (!drop->is_boolean()) {
      error = "drop_connection must be a boolean";
      return std::nullopt;
    }
    spec.fault.drop_connection = drop->get<bool>();
  }
  if (auto text = body.find("body"); text != body.end() && !text->is_null()) {
    if (!text->is_string()) {
      error = "body must be a string";
      return std::nullopt;
    }
    spec.fault.body = text->get<std::string>();
  }
  if (spec.fault.status == 0 && !spec.fault.aws_error.empty()) {
    spec.fault.status = 400;
  }
  if (spec.fault.status == 0 && spec.fault.body) {
    spec.fault.status = 500;
  }
  return spec;
}

void FaultQueue::Push(const FaultSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(Entry{spec.api, spec.count, spec.fault});
}

std::optional<Fault> FaultQueue::Take(Api api) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->api != api) {
      continue;
    }
    Fault fault = it->fault;
    if (--it->remaining == 0) {
      pending_.erase(it);
    }
    return fault;
  }
  return std::nullopt;
}

int FaultQueue::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  int total = 0;
  for (const Entry& p : pending_) {
    total += p.remaining;
  }
  pending_.clear();
  return total;
}

json FaultQueue::Pending() const {
  json out = {
      {"cloudwatch", json::array()}, {"logs", json::array()}, {"statuspage", json::array()}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& p : pending_) {
    json entry = {
        {"remaining", p.remaining},           {"status", p.fault.status},
        {"retry_after", p.fault.retry_after}, {"aws_error", p.fault.aws_error},
        {"delay_ms", p.fault.delay.count()},  {"drop_connection", p.fault.drop_connection}};
    entry["body"] = p.fault.body ? json(*p.fault.body) : json(nullptr);
    out[ApiName(p.api)].push_back(std::move(entry));
  }
  return out;
}

bool DropConnection(const httplib::Request& request) {
  bool dropped = false;
  ForEachConnectedSocket([&](int fd, const SocketEnds& ends) {
    // The port pair alone is unique among this server's connections; the peer host guards
    // against a client socket of the same process (whose peer is the server's port).
    if (ends.local_port != request.local_port || ends.peer_port != request.remote_port ||
        ends.peer_host != request.remote_addr) {
      return true;
    }
    // Abortive close: no response bytes now, and an RST rather than a FIN-WAIT once httplib
    // closes the descriptor.
    linger abort_linger{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_linger, sizeof(abort_linger));
    shutdown(fd, SHUT_RDWR);
    dropped = true;
    return false;
  });
  return dropped;
}

}  // namespace statusbridge::sandbox
