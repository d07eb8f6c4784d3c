#include "config/path_syntax.hpp"

#include <cctype>

#include "config/limits.hpp"

namespace tfarm::config {

bool valid_path_segment(std::string_view x) {
  if (x.empty() || x.size() > path_segment_chars_max || x == "." || x == "..")
    return false;
  for (auto c : x)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

bool valid_actor_path(std::string_view x, bool allow_wildcards, std::string& why) {
  if (x.empty() || x.front() != '/') {
    why = "must be an absolute path starting with '/'";
    return false;
  }
  if (x.size() > actor_path_chars_max) {
    why = "is longer than " + std::to_string(actor_path_chars_max) + " characters";
    return false;
  }
  if (x == "/")
    return true;
  if (x.back() == '/') {
    why = "must not end with '/'";
    return false;
  }
  size_t pos = 1;
  while (pos <= x.size()) {
    auto next = x.find('/', pos);
    if (next == std::string_view::npos)
      next = x.size();
    auto segment = x.substr(pos, next - pos);
    if (!(allow_wildcards && segment == "*") && !valid_path_segment(segment)) {
      why = "has an invalid segment '" + std::string{segment} + "' (segments are 1 to " +
            std::to_string(path_segment_chars_max) + " characters of A-Z a-z 0-9 _ . -" +
            (allow_wildcards ? ", or *" : "") + ")";
      return false;
    }
    pos = next + 1;
  }
  return true;
}

} // namespace tfarm::config
