#include "actors/agent/error.hpp"

#include "runtime/error_text.hpp"

namespace tfarm::actors {

std::string to_string(risk_errc x) {
  switch (x) {
  case risk_errc::none:
    return "none";
  case risk_errc::order_rate:
    return "order_rate";
  case risk_errc::order_notional:
    return "order_notional";
  case risk_errc::position_limit:
    return "position_limit";
  case risk_errc::open_orders:
    return "open_orders";
  case risk_errc::halted:
    return "halted";
  case risk_errc::reducing:
    return "reducing";
  case risk_errc::invalid_order:
    return "invalid_order";
  }
  return "unknown";
}

std::string to_string(agent_errc x) {
  switch (x) {
  case agent_errc::none:
    return "none";
  case agent_errc::bad_parameter:
    return "bad_parameter";
  case agent_errc::unknown_strategy:
    return "unknown_strategy";
  case agent_errc::bad_state:
    return "bad_state";
  case agent_errc::bad_request:
    return "bad_request";
  case agent_errc::unavailable:
    return "unavailable";
  }
  return "unknown";
}

void register_risk_error_names() {
  runtime::add_error_category_names(
      caf::atom("tfagent"), [](uint8_t code) { return to_string(static_cast<agent_errc>(code)); });
  runtime::add_error_category_names(
      caf::atom("tfrisk"), [](uint8_t code) { return to_string(static_cast<risk_errc>(code)); });
}

} // namespace tfarm::actors
