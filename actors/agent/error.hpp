// Error codes of trading agents: the risk gate's (category "tfrisk":
// which rule refused an order, the message carries the numbers) and the
// agents' own (category "tfagent").
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

enum class agent_errc : uint8_t {
  none = 0,
  /// A strategy parameter is missing, malformed or out of range.
  bad_parameter,
  /// No strategy is registered under that name.
  unknown_strategy,
  /// A saved strategy state cannot be restored.
  bad_state,
  /// A request to an agent or the risk control is malformed.
  bad_request,
  /// What the agent needs (session, vault, risk control, store) does not
  /// answer.
  unavailable,
};

std::string to_string(agent_errc x);

/// Registers the "tfrisk" and "tfagent" categories with runtime::to_text()
/// (idempotent).
void register_risk_error_names();

} // namespace tfarm::actors

CAF_ERROR_CODE_ENUM(tfarm::actors::risk_errc, "tfrisk")
CAF_ERROR_CODE_ENUM(tfarm::actors::agent_errc, "tfagent")
