#include "config/error.hpp"

namespace tfarm::config {

std::string to_string(config_errc x) {
  switch (x) {
  case config_errc::none:
    return "none";
  case config_errc::unreadable_file:
    return "unreadable_file";
  case config_errc::syntax_error:
    return "syntax_error";
  case config_errc::invalid_config:
    return "invalid_config";
  case config_errc::invalid_environment:
    return "invalid_environment";
  }
  return "unknown";
}

} // namespace tfarm::config
