// Parsing and printing of the value syntaxes config files and environment
// variables share: durations ("250ms", "5s"), rates ("20/min") and bounded
// integers.
//
// One parser serves the TOML loader and the environment overrides, so a value
// means the same wherever it is written. Parsers return std::nullopt and set
// `why` to a sentence fragment saying what was expected.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tfarm::config {

using std::chrono::milliseconds;

/// A count of events per time window, e.g. 20 per minute.
struct rate {
  int64_t count = 0;
  milliseconds per{0};
};

bool operator==(const rate& x, const rate& y);

/// Parses `<integer><unit>` with unit ms, s, m or min, h, d (e.g. "250ms", "5s").
std::optional<milliseconds> parse_duration(std::string_view text, std::string& why);

/// Renders the shortest exact form: "250ms", "5s", "2m", "1h", "7d".
std::string format_duration(milliseconds x);

/// Parses "N/s", "N/min" (also "N/m"), "N/h", or a bare "N" meaning per minute.
std::optional<rate> parse_rate(std::string_view text, std::string& why);

/// Renders "20/min".
std::string format_rate(const rate& x);

/// Parses a decimal integer in [min, max].
std::optional<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max,
                                     std::string& why);

} // namespace tfarm::config
