#include "actors/agent/strategies/sma_crossover.hpp"

#include "actors/agent/error.hpp"
#include "actors/wide_int.hpp"
#include "runtime/state_codec.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::sma_crossover::state, 1)

namespace tfarm::actors {

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
  // Into locals first: a refused configuration changes nothing.
  auto fast = fast_;
  auto slow = slow_;
  auto qty = qty_;
  if (auto err = only_params(params, {"fast", "slow", "qty"}, name()))
    return err;
  if (auto err = int_param(params, "fast", 1, 1'000, fast))
    return err;
  if (auto err = int_param(params, "slow", 2, 10'000, slow))
    return err;
  if (auto err = int_param(params, "qty", 1, 1'000'000, qty))
    return err;
  if (fast >= slow)
    return caf::error{agent_errc::bad_parameter, "parameter 'fast' (" + std::to_string(fast) +
                                                     ") must be less than 'slow' (" +
                                                     std::to_string(slow) + ")"};
  fast_ = fast;
  slow_ = slow;
  qty_ = qty;
  return {};
}

void sma_crossover::on_tick(const market_tick& tick, strategy_context& ctx) {
  auto mid = tick.mid();
  if (mid <= 0)
    return;
  st_.mids.push_back(mid);
  while (static_cast<int64_t>(st_.mids.size()) > slow_) // also after a restore
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
  if (signal != 0)
    st_.signal = signal;
  // Every tick, not only at a crossing: a target order still working, or
  // refused by the risk gate, must not leave the position off its signal.
  if (st_.signal != 0)
    trade_towards(st_.signal * qty_, ctx);
}

std::string sma_crossover::save() const {
  return runtime::encode_state(st_);
}

caf::error sma_crossover::restore(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, st_);
}

} // namespace tfarm::actors
