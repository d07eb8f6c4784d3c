#include "runtime/kind_params.hpp"

#include <algorithm>

#include "config/duration.hpp"
#include "config/suggest.hpp"
#include "runtime/error.hpp"

namespace tfarm::runtime::params_detail {

namespace {

template <class T>
std::string integer_from_text(const std::string& text, T& x, int64_t max) {
  std::string why;
  auto v = config::parse_integer(text, 0, max, why);
  if (!v)
    return "an integer from 0 to " + std::to_string(max);
  x = static_cast<T>(*v);
  return {};
}

} // namespace

std::string to_text(const std::string& x) {
  return x;
}

std::string to_text(bool x) {
  return x ? "true" : "false";
}

std::string to_text(int64_t x) {
  return std::to_string(x);
}

std::string to_text(uint32_t x) {
  return std::to_string(x);
}

std::string to_text(uint64_t x) {
  return std::to_string(x);
}

std::string to_text(std::chrono::milliseconds x) {
  return std::to_string(x.count()) + "ms";
}

std::string to_text(const std::vector<std::string>& x) {
  return config::join(x, ",");
}

std::string from_text(const std::string& text, std::string& x) {
  x = text;
  return {};
}

std::string from_text(const std::string& text, bool& x) {
  if (text != "true" && text != "false")
    return "true or false";
  x = text == "true";
  return {};
}

std::string from_text(const std::string& text, int64_t& x) {
  return integer_from_text(text, x, INT64_MAX);
}

std::string from_text(const std::string& text, uint32_t& x) {
  return integer_from_text(text, x, UINT32_MAX);
}

std::string from_text(const std::string& text, uint64_t& x) {
  return integer_from_text(text, x, INT64_MAX);
}

std::string from_text(const std::string& text, std::chrono::milliseconds& x) {
  std::string why;
  auto d = config::parse_duration(text, why);
  static const std::string expected = "expected ";
  if (!d)
    return why.compare(0, expected.size(), expected) == 0 ? why.substr(expected.size())
                                                          : "a duration: " + why;
  x = *d;
  return {};
}

std::string from_text(const std::string& text, std::vector<std::string>& x) {
  x.clear();
  size_t begin = 0;
  while (begin <= text.size() && !text.empty()) {
    auto end = text.find(',', begin);
    auto item = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (item.empty())
      return "a comma-separated list without empty items";
    x.push_back(std::move(item));
    if (end == std::string::npos)
      break;
    begin = end + 1;
  }
  return {};
}

caf::error bad_value(const std::string& key, const std::string& text, const std::string& why) {
  return caf::error{runtime_errc::bad_parameter,
                    "parameter '" + key + "' = '" + text + "' must be " + why};
}

caf::error unknown_key(const std::map<std::string, std::string>& params,
                       const std::vector<std::string>& known) {
  for (auto& [key, value] : params) {
    if (std::find(known.begin(), known.end(), key) != known.end())
      continue;
    auto near = config::nearest(key, known);
    return caf::error{runtime_errc::bad_parameter,
                      "unknown parameter '" + key + "'" +
                          (near ? "; did you mean '" + *near + "'?" : "") +
                          " (known: " + config::join(known) + ")"};
  }
  return {};
}

} // namespace tfarm::runtime::params_detail
