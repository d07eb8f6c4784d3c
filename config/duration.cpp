#include "config/duration.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace tfarm::config {

namespace {

constexpr std::string_view duration_hint =
    "a duration such as \"250ms\", \"5s\", \"2m\", \"1h\" or \"7d\"";

std::string_view trim(std::string_view x) {
  while (!x.empty() && std::isspace(static_cast<unsigned char>(x.front())))
    x.remove_prefix(1);
  while (!x.empty() && std::isspace(static_cast<unsigned char>(x.back())))
    x.remove_suffix(1);
  return x;
}

// Reads a non-negative decimal prefix; returns the rest in `tail`.
std::optional<int64_t> leading_count(std::string_view x, std::string_view& tail) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(x.data(), x.data() + x.size(), value);
  if (ec != std::errc{} || end == x.data() || value < 0)
    return std::nullopt;
  tail = x.substr(static_cast<size_t>(end - x.data()));
  return value;
}

} // namespace

bool operator==(const rate& x, const rate& y) {
  return x.count == y.count && x.per == y.per;
}

std::optional<milliseconds> parse_duration(std::string_view text, std::string& why) {
  auto x = trim(text);
  std::string_view unit;
  auto count = leading_count(x, unit);
  if (!count || trim(unit).empty()) {
    why = "expected " + std::string{duration_hint};
    return std::nullopt;
  }
  // The documented spelling has no space ("500ms"); one is refused once
  // the unit is known, with the spelling to use.
  auto spaced = unit.front() != trim(unit).front();
  unit = trim(unit);
  int64_t factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1'000;
  else if (unit == "m" || unit == "min")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else if (unit == "d")
    factor = 86'400'000;
  if (factor == 0) {
    why =
        "unknown duration unit '" + std::string{unit} + "'; expected " + std::string{duration_hint};
    return std::nullopt;
  }
  if (spaced) {
    why = "no space between the number and its unit: write \"" + std::to_string(*count) +
          std::string{unit} + "\"; expected " + std::string{duration_hint};
    return std::nullopt;
  }
  if (*count > std::numeric_limits<int64_t>::max() / factor) {
    why = "duration is too large";
    return std::nullopt;
  }
  return milliseconds{*count * factor};
}

std::string format_duration(milliseconds x) {
  auto ms = x.count();
  if (ms != 0 && ms % 86'400'000 == 0)
    return std::to_string(ms / 86'400'000) + "d";
  if (ms != 0 && ms % 3'600'000 == 0)
    return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0)
    return std::to_string(ms / 60'000) + "m";
  if (ms % 1'000 == 0)
    return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

std::optional<rate> parse_rate(std::string_view text, std::string& why) {
  auto x = trim(text);
  std::string_view tail;
  auto count = leading_count(x, tail);
  auto spaced = !tail.empty() && tail.front() != trim(tail).front();
  tail = trim(tail);
  if (!count) {
    why = "expected a rate such as \"20/min\", \"5/s\" or \"100/h\"";
    return std::nullopt;
  }
  milliseconds per{0};
  if (tail.empty() || tail == "/min" || tail == "/m")
    per = milliseconds{60'000};
  else if (tail == "/s")
    per = milliseconds{1'000};
  else if (tail == "/h")
    per = milliseconds{3'600'000};
  else {
    why = "unknown rate unit '" + std::string{tail} +
          "'; expected a rate such as \"20/min\", \"5/s\" or \"100/h\"";
    return std::nullopt;
  }
  if (spaced) {
    why = "no space between the count and its unit: write \"" + std::to_string(*count) +
          std::string{tail} + "\"; expected a rate such as \"20/min\", \"5/s\" or \"100/h\"";
    return std::nullopt;
  }
  return rate{*count, per};
}

std::string format_rate(const rate& x) {
  std::string unit = "/min";
  if (x.per == milliseconds{1'000})
    unit = "/s";
  else if (x.per == milliseconds{3'600'000})
    unit = "/h";
  else if (x.per != milliseconds{60'000})
    unit = "/" + format_duration(x.per);
  return std::to_string(x.count) + unit;
}

std::optional<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max,
                                     std::string& why) {
  auto x = trim(text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(x.data(), x.data() + x.size(), value);
  if (ec != std::errc{} || end != x.data() + x.size() || x.empty()) {
    why = "expected an integer between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  }
  if (value < min || value > max) {
    why = "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
          std::to_string(value);
    return std::nullopt;
  }
  return value;
}

} // namespace tfarm::config
