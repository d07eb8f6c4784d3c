#include "config/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace tfarm::config {

std::string to_string(const diagnostic& x) {
  std::string result = x.file;
  if (x.line > 0) {
    result += ':';
    result += std::to_string(x.line);
    result += ':';
    result += std::to_string(x.column);
  }
  result += ": error: ";
  result += x.message;
  return result;
}

void sort_diagnostics(std::vector<diagnostic>& xs) {
  std::stable_sort(xs.begin(), xs.end(), [](const diagnostic& x, const diagnostic& y) {
    return std::tie(x.file, x.line, x.column) < std::tie(y.file, y.line, y.column);
  });
}

bool operator==(const diagnostic& x, const diagnostic& y) {
  return std::tie(x.file, x.line, x.column, x.message) ==
         std::tie(y.file, y.line, y.column, y.message);
}

} // namespace tfarm::config
