// Error codes of the risk gate (category "tfrisk"): which rule refused an
// order. The message carries the numbers.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::actors {

enum class risk_errc : uint8_t {
  none = 0,
  /// More orders in the window than ORDER_RATE_LIMIT allows.
  order_rate,
  /// price x qty above the agent's max order notional.
  order_notional,
  /// The position (with open orders on that side) would pass max position.
  position_limit,
  /// As many open orders as the agent may have.
  open_orders,
  /// Trading state HALTED: only cancels pass.
  halted,
  /// Trading state REDUCING: only orders that reduce the position pass.
  reducing,
  /// The order itself is malformed (quantity, price).
  invalid_order,
};

std::string to_string(risk_errc x);

/// Registers the "tfrisk" category with runtime::to_text() (idempotent).
void register_risk_error_names();

} // namespace tfarm::actors

CAF_ERROR_CODE_ENUM(tfarm::actors::risk_errc, "tfrisk")
