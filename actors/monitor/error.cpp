#include "actors/monitor/error.hpp"

#include "runtime/error_text.hpp"

namespace tfarm::actors {

std::string to_string(monitor_errc x) {
  switch (x) {
  case monitor_errc::none:
    return "none";
  case monitor_errc::unknown_alert:
    return "unknown_alert";
  case monitor_errc::unavailable:
    return "unavailable";
  }
  return "unknown";
}

void register_monitor_error_names() {
  runtime::add_error_category_names(caf::atom("tfmonitor"), [](uint8_t code) {
    return to_string(static_cast<monitor_errc>(code));
  });
}

} // namespace tfarm::actors
