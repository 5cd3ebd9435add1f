#include "statuspage_wire.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "http/http_client.h"

namespace statusbridge::sandbox {
namespace {

using nlohmann::json;

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

ParsedBody Fail(int status, std::string message) {
  ParsedBody out;
  out.error = WireError{status, std::move(message)};
  return out;
}

std::optional<int64_t> ParseIntText(const std::string& s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> ParseDoubleText(const std::string& s) {
  if (s.empty()) {
    return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// Checks one JSON point and appends it; `where` names it in messages, e.g. "data[m1][2]".
std::optional<WireError> JsonPoint(const json& point, const std::string& where,
                                   const std::string& metric_id, std::vector<PointWrite>& out) {
  if (!point.is_object()) {
    return WireError{422, where + " must be an object with timestamp and value"};
  }
  auto ts = point.find("timestamp");
  if (ts == point.end() || !ts->is_number_integer() ||
      (ts->is_number_unsigned() && ts->get<uint64_t>() > static_cast<uint64_t>(kInt32Max)) ||
      (!ts->is_number_unsigned() &&
       (ts->get<int64_t>() < kInt32Min || ts->get<int64_t>() > kInt32Max))) {
    return WireError{422, where + ".timestamp must be an integer (Unix seconds, int32), got " +
                              (ts == point.end() ? std::string("nothing") : ts->dump())};
  }
  auto value = point.find("value");
  if (value == point.end() || !value->is_number() || !std::isfinite(value->get<double>())) {
    return WireError{422, where + ".value must be a finite number, got " +
                              (value == point.end() ? std::string("nothing") : value->dump())};
  }
  out.push_back(PointWrite{metric_id, ts->get<int64_t>(), value->get<double>()});
  return std::nullopt;
}

std::optional<WireError> FormPoint(const std::map<std::string, std::string>& fields,
                                   const std::string& where, const std::string& metric_id,
                                   std::vector<PointWrite>& out) {
  auto ts = fields.find("timestamp");
  std::optional<int64_t> t = ts == fields.end() ? std::nullopt : ParseIntText(ts->second);
  if (!t || *t < kInt32Min || *t > kInt32Max) {
    return WireError{422, where + "[timestamp] must be an integer (Unix seconds, int32)"};
  }
  auto value = fields.find("value");
  std::optional<double> v = value == fields.end() ? std::nullopt : ParseDoubleText(value->second);
  if (!v) {
    return WireError{422, where + "[value] must be a finite number"};
  }
  out.push_back(PointWrite{metric_id, *t, *v});
  return std::nullopt;
}

// Splits "data[a][][b]" into {"data", "a", "", "b"}; nullopt if the brackets are malformed.
std::optional<std::vector<std::string>> KeyParts(const std::string& key) {
  std::vector<std::string> parts;
  size_t open = key.find('[');
  parts.push_back(key.substr(0, open));
  while (open != std::string::npos) {
    size_t close = key.find(']', open);
    if (close == std::string::npos) {
      return std::nullopt;
    }
    parts.push_back(key.substr(open + 1, close - open - 1));
    open = close + 1;
    if (open == key.size()) {
      break;
    }
    if (key[open] != '[') {
      return std::nullopt;
    }
  }
  return parts;
}

ParsedBody ParseBulkForm(std::string_view body) {
  // Points per metric, each a field map, in order of first appearance.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::map<std::string, std::string>>> points;
  std::map<std::string, std::map<std::string, size_t>> indexed;  // explicit [n] -> position
  for (auto& [key, value] : ParseForm(body)) {
    std::optional<std::vector<std::string>> parts = KeyParts(key);
    if (!parts || parts->size() != 4 || (*parts)[0] != "data" || (*parts)[1].empty() ||
        ((*parts)[3] != "timestamp" && (*parts)[3] != "value")) {
      return Fail(422, "unexpected form field '" + key +
                           "': expected data[<metric_id>][][timestamp] or "
                           "data[<metric_id>][][value]");
    }
    const std::string& id = (*parts)[1];
    const std::string& index = (*parts)[2];
    const std::string& field = (*parts)[3];
    auto [it, inserted] = points.try_emplace(id);
    if (inserted) {
      order.push_back(id);
    }
    std::vector<std::map<std::string, std::string>>& list = it->second;
    if (index.empty()) {
      if (list.empty() || list.back().count(field) != 0) {
        list.emplace_back();
      }
      list.back()[field] = value;
    } else {
      auto [pos, fresh] = indexed[id].try_emplace(index, list.size());
      if (fresh) {
        list.emplace_back();
      }
      list[pos->second][field] = value;
    }
  }
  if (order.empty()) {
    return Fail(422,
                "data is missing: send data[<metric_id>][][timestamp] and "
                "data[<metric_id>][][value]");
  }
  ParsedBody out;
  for (const std::string& id : order) {
    const auto& list = points[id];
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto error =
              FormPoint(list[i], "data[" + id + "][" + std::to_string(i) + "]", id, out.points)) {
        out.error = error;
        return out;
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    std::string_view pair = body.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out.emplace_back(
          http::UrlDecode(pair.substr(0, eq), /*plus_is_space=*/true),
          eq == std::string_view::npos ? "" : http::UrlDecode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    start = amp + 1;
  }
  return out;
}

ParsedBody ParseBulkBody(std::string_view body, bool form) {
  if (form) {
    return ParseBulkForm(body);
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Fail(400, "the request body is not valid JSON");
  }
  if (!doc.is_object() || !doc.contains("data")) {
    return Fail(422, "data is missing");
  }
  const json& data = doc["data"];
  if (!data.is_object()) {
    return Fail(422, "data must be an object mapping metric ids to arrays of points");
  }
  ParsedBody out;
  for (const auto& [id, points] : data.items()) {
    if (!points.is_array()) {
      return Fail(422, "data[" + id + "] must be an array of points");
    }
    for (size_t i = 0; i < points.size(); ++i) {
      if (auto error =
              JsonPoint(points[i], "data[" + id + "][" + std::to_string(i) + "]", id, out.points)) {
        out.error = error;
        return out;
      }
    }
  }
  return out;
}

ParsedBody ParseSingleBody(std::string_view body, bool form, const std::string& metric_id) {
  ParsedBody out;
  if (form) {
    std::map<std::string, std::string> fields;
    for (auto& [key, value] : ParseForm(body)) {
      if (key == "data[timestamp]") {
        fields["timestamp"] = value;
      } else if (key == "data[value]") {
        fields["value"] = value;
      }
    }
    if (fields.empty()) {
      return Fail(422, "data is missing: send data[timestamp] and data[value]");
    }
    out.error = FormPoint(fields, "data", metric_id, out.points);
    return out;
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Fail(400, "the request body is not valid JSON");
  }
  if (!doc.is_object() || !doc.contains("data")) {
    return Fail(422, "data is missing");
  }
  out.error = JsonPoint(doc["data"], "data", metric_id, out.points);
  return out;
}

}  // namespace statusbridge::sandbox
