#include "actors/agent/risk_gate.hpp"

#include "actors/agent/agent_messages.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>

#include "actors/agent/error.hpp"

namespace tfarm::actors {

namespace {

caf::error refuse(risk_errc code, std::string message) {
  return caf::error{code, std::move(message)};
}

std::string state_name(trading_state x) {
  auto s = to_string(x);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// Sums that saturate instead of wrapping: limits compare against them.
int64_t add(int64_t x, int64_t y) {
  if (y > 0 && x > std::numeric_limits<int64_t>::max() - y)
    return std::numeric_limits<int64_t>::max();
  if (y < 0 && x < std::numeric_limits<int64_t>::min() - y)
    return std::numeric_limits<int64_t>::min();
  return x + y;
}

int64_t magnitude(int64_t x) {
  return x == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max()
                                                  : std::abs(x);
}

} // namespace

std::string to_string(trading_state x) {
  switch (x) {
  case trading_state::active:
    return "active";
  case trading_state::reducing:
    return "reducing";
  case trading_state::halted:
    return "halted";
  }
  return "?";
}

std::string to_string(trading_level x) {
  switch (x) {
  case trading_level::farm:
    return "farm";
  case trading_level::user:
    return "user";
  case trading_level::agent:
    return "agent";
  }
  return "level " + std::to_string(static_cast<int>(x));
}

bool parse_trading_state(const std::string& x, trading_state& out) {
  std::string s = x;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  for (auto st : {trading_state::active, trading_state::reducing, trading_state::halted}) {
    if (s == to_string(st)) {
      out = st;
      return true;
    }
  }
  return false;
}

trading_state most_restrictive(trading_state x, trading_state y) {
  return static_cast<uint8_t>(x) >= static_cast<uint8_t>(y) ? x : y;
}

std::string trading_states::source() const {
  auto eff = effective();
  if (farm == eff)
    return "farm-wide";
  if (user == eff)
    return "user";
  return "agent";
}

void risk_gate::expire(int64_t now_ms) {
  auto window = limits_.order_rate.per.count();
  while (!accepted_.empty() && now_ms - accepted_.front() >= window)
    accepted_.pop_front();
}

int64_t risk_gate::recent_orders(int64_t now_ms) {
  expire(now_ms);
  return static_cast<int64_t>(accepted_.size());
}

std::deque<int64_t>::const_iterator risk_gate::first_in_window(int64_t now_ms) const {
  // Expired: now - t >= window, i.e. t <= now - window (times ascend).
  return std::upper_bound(accepted_.begin(), accepted_.end(),
                          now_ms - limits_.order_rate.per.count());
}

int64_t risk_gate::rate_budget(int64_t now_ms) const {
  if (limits_.order_rate.count <= 0)
    return -1;
  auto recent = std::distance(first_in_window(now_ms), accepted_.end());
  return std::max<int64_t>(limits_.order_rate.count - recent, 0);
}

int64_t risk_gate::next_allowed_ms(int64_t now_ms) const {
  if (rate_budget(now_ms) != 0)
    return now_ms;
  // The oldest order in the window leaves it first.
  return *first_in_window(now_ms) + limits_.order_rate.per.count();
}

caf::error risk_gate::check(side s, int64_t price, int64_t qty, const risk_exposure& exposure,
                            const trading_states& states, int64_t now_ms) {
  if (qty <= 0)
    return refuse(risk_errc::invalid_order,
                  "quantity must be positive, got " + std::to_string(qty));
  if (price <= 0)
    return refuse(risk_errc::invalid_order, "price must be positive, got " + std::to_string(price) +
                                                " (a market order is valued at a reference price)");
  auto buy = s == side::buy;
  // 1. The kill switch.
  auto state = states.effective();
  if (state == trading_state::halted)
    return refuse(risk_errc::halted,
                  "trading state HALTED (" + states.source() + "): only cancels are accepted");
  if (state == trading_state::reducing) {
    // Towards zero, never across it, with what already works on that side.
    auto working = buy ? exposure.open_buy_qty : exposure.open_sell_qty;
    auto room = buy ? -exposure.position : exposure.position;
    if (room <= 0 || add(working, qty) > room)
      return refuse(risk_errc::reducing,
                    "trading state " + state_name(state) + " (" + states.source() + "): a " +
                        to_string(s) + " of " + std::to_string(qty) + " with " +
                        std::to_string(working) + " open on that side does not reduce position " +
                        std::to_string(exposure.position) + " without crossing zero");
  }
  // 2. Open orders.
  if (limits_.max_open_orders > 0 && exposure.open_orders >= limits_.max_open_orders)
    return refuse(risk_errc::open_orders,
                  "max open orders: " + std::to_string(exposure.open_orders) + " open, limit " +
                      std::to_string(limits_.max_open_orders));
  // 3. Notional.
  if (limits_.max_order_notional > 0) {
    auto over =
        price > limits_.max_order_notional / qty || price * qty > limits_.max_order_notional;
    if (over)
      return refuse(risk_errc::order_notional,
                    "max order notional: " + std::to_string(price) + " x " + std::to_string(qty) +
                        (price > std::numeric_limits<int64_t>::max() / qty
                             ? std::string{" overflows"}
                             : " = " + std::to_string(price * qty)) +
                        ", limit " + std::to_string(limits_.max_order_notional));
  }
  // 4. Position, counting what already works on the same side.
  if (limits_.max_position > 0) {
    auto working = buy ? exposure.open_buy_qty : exposure.open_sell_qty;
    auto signed_qty = buy ? add(working, qty) : -add(working, qty);
    auto worst = add(exposure.position, signed_qty);
    // Over the limit is refused unless the order only reduces exposure
    // (same side of zero, smaller): flipping through zero to a large
    // position the other way counts as new exposure.
    auto flips = worst != 0 && exposure.position != 0 && (worst > 0) != (exposure.position > 0);
    if (magnitude(worst) > limits_.max_position &&
        (flips || magnitude(worst) > magnitude(exposure.position)))
      return refuse(risk_errc::position_limit,
                    "max position: position " + std::to_string(exposure.position) + " with " +
                        std::to_string(working) + " open and this " + to_string(s) + " of " +
                        std::to_string(qty) + " could reach " + std::to_string(worst) + ", limit " +
                        std::to_string(limits_.max_position));
  }
  // 5. Rate.
  expire(now_ms);
  if (limits_.order_rate.count > 0 &&
      static_cast<int64_t>(accepted_.size()) >= limits_.order_rate.count)
    return refuse(risk_errc::order_rate,
                  "order rate limit: " + std::to_string(accepted_.size()) + " orders in the last " +
                      config::format_duration(limits_.order_rate.per) + ", limit " +
                      std::to_string(limits_.order_rate.count) + " (ORDER_RATE_LIMIT)");
  accepted_.push_back(now_ms);
  return {};
}

} // namespace tfarm::actors
