// The risk gate every order of a trading agent passes before any money is
// reserved: order rate limit (ORDER_RATE_LIMIT), max order notional, max
// position, max open orders, and the trading state (the kill switch).
//
// Rules, in the order they are checked (the first that refuses names
// itself and its numbers):
//  1. trading state, the most restrictive of farm, user and agent:
//     HALTED lets only cancels through; REDUCING only orders that bring the
//     position towards zero without crossing it, counting the open orders
//     on the same side;
//  2. max open orders;
//  3. max order notional (price x qty; a market order is valued at the
//     reference price the caller passes);
//  4. max position: |position + open orders on the order's side + qty|;
//  5. the order rate: at most `count` accepted orders in any `per` window.
// Cancels always pass and never count against the rate.
//
// Pure and deterministic (time is passed in); not thread-safe: one owner
// (the agent). Positions and quantities are integer units, prices ticks,
// notionals minor units of the quote.
#pragma once

#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>

#include <caf/error.hpp>

#include "actors/exchange/order_book.hpp"
#include "config/duration.hpp"

namespace tfarm::actors {

enum class trading_state : uint8_t { active, reducing, halted };

std::string to_string(trading_state x);

/// Parses "active", "reducing", "halted" (any case); false if unknown.
bool parse_trading_state(const std::string& x, trading_state& out);

/// Its JSON form is its name (see runtime/status_fields.hpp).
template <class Json>
void to_json(Json& j, const trading_state& x) {
  j = to_string(x);
}

template <class Json>
void from_json(const Json& j, trading_state& x) {
  if (!parse_trading_state(j.template get<std::string>(), x))
    throw std::invalid_argument{"unknown trading state '" + j.template get<std::string>() + "'"};
}

/// The more restrictive of two states (halted > reducing > active).
trading_state most_restrictive(trading_state x, trading_state y);

struct risk_limits {
  /// ORDER_RATE_LIMIT: accepted orders per window.
  config::rate order_rate{20, config::milliseconds{60'000}};
  /// Largest price x qty of one order (0: no limit).
  int64_t max_order_notional = 0;
  /// Largest |position| the agent may reach, open orders included (0: none).
  int64_t max_position = 0;
  /// Open orders at most (0: no limit).
  int64_t max_open_orders = 0;
};

/// What the agent holds and has working, when it asks.
struct risk_exposure {
  /// Signed: long > 0, short < 0.
  int64_t position = 0;
  int64_t open_orders = 0;
  /// Unfilled quantity of open buy and sell orders.
  int64_t open_buy_qty = 0;
  int64_t open_sell_qty = 0;
};

/// Where a trading state comes from, for the refusal's wording.
struct trading_states {
  trading_state farm = trading_state::active;
  trading_state user = trading_state::active;
  trading_state agent = trading_state::active;

  trading_state effective() const { return most_restrictive(farm, most_restrictive(user, agent)); }
  /// "farm-wide", "user", "agent": the level that set the effective state.
  std::string source() const;
};

class risk_gate {
public:
  explicit risk_gate(risk_limits limits = {}) : limits_(limits) {}

  const risk_limits& limits() const noexcept { return limits_; }
  void set_limits(const risk_limits& x) { limits_ = x; }

  /// Checks a new order (s, qty at `price`; for a market order `price` is
  /// the reference price used for the notional). On acceptance the order
  /// counts against the rate at `now_ms`; a refusal changes nothing.
  caf::error check(side s, int64_t price, int64_t qty, const risk_exposure& exposure,
                   const trading_states& states, int64_t now_ms);

  /// Orders accepted within the window ending at `now_ms`.
  int64_t recent_orders(int64_t now_ms);

  /// How many more orders ORDER_RATE_LIMIT accepts at `now_ms` (-1: no
  /// limit), and when the next one may go once none is left.
  int64_t rate_budget(int64_t now_ms) const;
  int64_t next_allowed_ms(int64_t now_ms) const;

private:
  void expire(int64_t now_ms);
  std::deque<int64_t>::const_iterator first_in_window(int64_t now_ms) const;

  risk_limits limits_;
  /// Acceptance times (ms), oldest first.
  std::deque<int64_t> accepted_;
};

} // namespace tfarm::actors
