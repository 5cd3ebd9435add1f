// Fuzzes the small grammars of the config, through their public entry points. The first byte
// picks one (fuzz_support.h):
//   0  ParseDuration ("30s", "1h30m"); a duration it accepts formats (FormatDuration) to a text
//      it parses back to the same value
//   1  ParseLogsInsightsDuration (a bin() length: "5m", "300s", "1hr", "500ms"); accepted
//      lengths are positive
//   2  a CloudWatch statistic ("Sum", "p99", "tm90", "TM(10%:90%)", "PR(:300)") as `stat:` of a
//      minimal config, so ParseConfig's statistic check decides; a printable statistic it
//      accepts is kept verbatim
//   3  a duration as a metric's `period:` (ParseConfig: ParseDuration plus the period's rules)

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "aws/logs_query.h"
#include "core/env.h"
#include "core/time.h"
#include "fuzz/fuzz_support.h"
#include "pipeline/config.h"

namespace statusbridge::fuzz {
namespace {

// `text` as a YAML double-quoted scalar: quote and backslash escaped, bytes outside printable
// ASCII as \xNN (YAML reads those as U+00NN, so such a statistic is not kept byte for byte).
std::string YamlQuoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return false;
    }
  }
  return true;
}

Result<pipeline::Config> ConfigWith(const std::string& stat, const std::string& period) {
  const std::string yaml =
      "statuspage: {page_id: p1, api_key: k}\n"
      "metrics:\n"
      "  - name: m\n"
      "    statuspage_metric_id: id1\n"
      "    period: " +
      period +
      "\n"
      "    cloudwatch: {namespace: NS, metric: M, stat: " +
      stat + "}\n";
  return pipeline::ParseConfig(yaml, MapEnv({}), "/nonexistent/statusbridge-fuzz");
}

}  // namespace
}  // namespace statusbridge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statusbridge;
  const auto [mode, text] = fuzz::TakeMode(fuzz::AsText(data, size), 4);
  switch (mode) {
    case 0: {
      Result<Seconds> d = ParseDuration(text);
      if (d.ok()) {
        const std::string formatted = FormatDuration(*d);
        Result<Seconds> again = ParseDuration(formatted);
        FUZZ_CHECK(again.ok() && *again == *d,
                   "ParseDuration(FormatDuration(d)) != d for \"" + formatted + "\"");
      }
      break;
    }
    case 1: {
      Result<Seconds> d = aws::ParseLogsInsightsDuration(text);
      FUZZ_CHECK(!d.ok() || d->count() > 0, "a bin() length that is not positive");
      break;
    }
    case 2: {
      Result<pipeline::Config> config = fuzz::ConfigWith(fuzz::YamlQuoted(text), "1m");
      if (config.ok() && fuzz::IsPrintableAscii(text)) {
        FUZZ_CHECK(config->metrics.size() == 1 && config->metrics[0].queries.size() == 1 &&
                       config->metrics[0].queries[0].cloudwatch.stat == text,
                   "the accepted statistic was not kept verbatim");
      }
      break;
    }
    default: {
      Result<pipeline::Config> config = fuzz::ConfigWith("Sum", fuzz::YamlQuoted(text));
      if (config.ok()) {
        const Seconds period = config->metrics.at(0).period;
        FUZZ_CHECK(period.count() >= 60 && period.count() % 60 == 0,
                   "period " + std::to_string(period.count()) + "s accepted");
      }
      break;
    }
  }
  return 0;
}
