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

void register_risk_error_names() {
  runtime::add_error_category_names(
      caf::atom("tfrisk"), [](uint8_t code) { return to_string(static_cast<risk_errc>(code)); });
}

} // namespace tfarm::actors
