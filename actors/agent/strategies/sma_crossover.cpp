#include "actors/agent/strategies/sma_crossover.hpp"

#include "actors/agent/error.hpp"
#include "runtime/state_codec.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::sma_crossover::state, 1)

namespace tfarm::actors {

namespace {

// Products of prices and counts must not overflow.
__extension__ typedef __int128 wide_int;

} // namespace

void trade_towards(int64_t target, strategy_context& ctx) {
  auto delta = target - ctx.position;
  if (delta == 0 || ctx.has_open("target"))
    return;
  strategy_order o;
  o.s = delta > 0 ? side::buy : side::sell;
  o.type = order_type::market;
  o.qty = delta > 0 ? delta : -delta;
  o.tag = "target";
  ctx.place(o);
}

caf::error sma_crossover::configure(const std::map<std::string, std::string>& params) {
  if (auto err = only_params(params, {"fast", "slow", "qty"}, name()))
    return err;
  if (auto err = int_param(params, "fast", 1, 1'000, fast_))
    return err;
  if (auto err = int_param(params, "slow", 2, 10'000, slow_))
    return err;
  if (auto err = int_param(params, "qty", 1, 1'000'000, qty_))
    return err;
  if (fast_ >= slow_)
    return caf::error{agent_errc::bad_parameter, "parameter 'fast' (" + std::to_string(fast_) +
                                                     ") must be less than 'slow' (" +
                                                     std::to_string(slow_) + ")"};
  return {};
}

void sma_crossover::on_tick(const market_tick& tick, strategy_context& ctx) {
  auto mid = tick.mid();
  if (mid <= 0)
    return;
  st_.mids.push_back(mid);
  if (static_cast<int64_t>(st_.mids.size()) > slow_)
    st_.mids.erase(st_.mids.begin());
  if (static_cast<int64_t>(st_.mids.size()) < slow_)
    return;
  int64_t slow_sum = 0;
  int64_t fast_sum = 0;
  for (size_t k = 0; k < st_.mids.size(); ++k) {
    slow_sum += st_.mids[k];
    if (static_cast<int64_t>(k) >= slow_ - fast_)
      fast_sum += st_.mids[k];
  }
  // fast/fast_n vs slow/slow_n without division.
  auto lhs = static_cast<wide_int>(fast_sum) * slow_;
  auto rhs = static_cast<wide_int>(slow_sum) * fast_;
  int32_t signal = lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
  if (signal != 0 && signal != st_.signal) {
    st_.signal = signal;
    trade_towards(signal * qty_, ctx);
  }
}

std::string sma_crossover::save() const {
  return runtime::encode_state(st_);
}

caf::error sma_crossover::restore(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, st_);
}

} // namespace tfarm::actors
