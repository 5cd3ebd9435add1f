#pragma once

// Fault injection: scripted failures for the next requests to one emulated API, queued through
// POST /_sandbox/faults and applied before normal handling (before auth and rate limiting).
//
// A fault is queued for `count` requests; faults for the same API are consumed in the order they
// were queued. Applying one means, in order:
//   1. wait delay_ms (real time; cut short when the server stops);
//   2. drop_connection: close the TCP connection without writing a response byte;
//   3. otherwise, if it has a response (a status, an aws_error or a body): answer with it;
//   4. otherwise (a delay-only fault): handle the request normally.
// The response status defaults to 400 when aws_error is set, to 500 when only a body is set.
//
// Thread-safe.

#include <httplib.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/time.h"

namespace statusbridge::sandbox {

enum class Api { kCloudWatch, kStatuspage, kLogs };

struct Fault {
  int status = 0;           // 0: no response of its own (delay-only or drop)
  std::string retry_after;  // Retry-After header value; empty: none
  std::string aws_error;    // AWS error code, e.g. "Throttling"; empty: none
  Millis delay{0};
  bool drop_connection = false;
  std::optional<std::string> body;  // replaces the default error body

  bool responds() const { return status != 0; }
};

// Parses a POST /_sandbox/faults body:
//   {"api":"statuspage"|"cloudwatch"|"logs","count":N,"status":503,"retry_after":"5",
//    "aws_error":"Throttling","delay_ms":2000,"drop_connection":false,"body":"..."}
// `api` is required; count defaults to 1 (>= 1); retry_after may be a string or a number.
// Errors name the bad field.
struct FaultSpec {
  Api api = Api::kStatuspage;
  int count = 1;
  Fault fault;
};
std::optional<FaultSpec> ParseFaultSpec(const nlohmann::json& body, std::string& error);

class FaultQueue {
 public:
  void Push(const FaultSpec& spec);

  // The fault for the next request to `api`, if any is pending (consumes one of its count).
  std::optional<Fault> Take(Api api);

  // Drops every pending fault; returns how many requests they would still have affected.
  int Clear();

  // Pending faults as JSON: {"cloudwatch":[{...,"remaining":N}],"logs":[...],"statuspage":[...]}.
  nlohmann::json Pending() const;

 private:
  struct Entry {
    Api api;
    int remaining;
    Fault fault;
  };
  mutable std::mutex mu_;
  std::deque<Entry> pending_;
};

// Closes the client connection that carried `request` without sending a response: finds the
// accepted socket by its local and peer address, and shuts it down, so the client reads EOF
// before any byte of a status line ("Empty reply from server"). The handler's response is then
// written into a dead socket and discarded. Returns false if the socket was not found.
bool DropConnection(const httplib::Request& request);

}  // namespace statusbridge::sandbox
