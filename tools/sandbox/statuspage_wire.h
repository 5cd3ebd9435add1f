#pragma once

// Parsing of Statuspage metric-data request bodies, JSON or Rails-style form-urlencoded:
//   bulk JSON    {"data":{"<id>":[{"timestamp":1700000000,"value":1.5},...],...}}
//   bulk form    data[<id>][][timestamp]=1700000000&data[<id>][][value]=1.5&...
//                (a new point starts when a field repeats, as Rails builds arrays of hashes;
//                 data[<id>][<n>][field] with an explicit index is accepted too)
//   single JSON  {"data":{"timestamp":1700000000,"value":1.5}}
//   single form  data[timestamp]=1700000000&data[value]=1.5
// A timestamp must be an integer in int32 range (a JSON integer, or an integer string in a form);
// a value must be a finite number. Keys and values of forms are percent-decoded ('+' is a space).
//
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "statuspage_store.h"

namespace statusbridge::sandbox {

struct WireError {
  int status = 422;     // 400 for an unparseable body, 422 for a bad field
  std::string message;  // names the offending field, e.g. "data[m1][2].value must be a number"
};

struct ParsedBody {
  std::optional<WireError> error;
  std::vector<PointWrite> points;  // in request order
};

// `form` selects form-urlencoded parsing; otherwise the body is JSON.
ParsedBody ParseBulkBody(std::string_view body, bool form);

// The single-point endpoint's body; the point is attributed to `metric_id`.
ParsedBody ParseSingleBody(std::string_view body, bool form, const std::string& metric_id);

// Splits an application/x-www-form-urlencoded body into decoded (name, value) pairs, in order.
std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view body);

}  // namespace statusbridge::sandbox
