#include "actors/agent/strategies/sma_crossover.hpp"

#include "actors/agent/error.hpp"
#include "actors/vault/wide_int.hpp"
#include "runtime/state_codec.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::sma_crossover::state, 1)

namespace tfarm::actors {

caf::error sma_crossover::configure(const std::map<std::string, std::string>& params) {
  auto x = set_; // a refused configuration changes nothing
  if (auto err = only_params(params, {"fast", "slow", "qty"}, name()))
    return err;
  for (auto err :
       {int_param(params, "fast", 1, 1'000, x.fast), int_param(params, "slow", 2, 10'000, x.slow),
        int_param(params, "qty", 1, 1'000'000, x.qty)})
    if (err)
      return err;
  if (x.fast >= x.slow)
    return caf::error{agent_errc::bad_parameter, "parameter 'fast' (" + std::to_string(x.fast) +
                                                     ") must be less than 'slow' (" +
                                                     std::to_string(x.slow) + ")"};
  set_ = x;
  return {};
}

void sma_crossover::on_tick(const market_tick& tick, strategy_context& ctx) {
  auto mid = tick.mid();
  if (mid <= 0)
    return;
  st_.mids.push_back(mid);
  while (static_cast<int64_t>(st_.mids.size()) > set_.slow) // also after a restore
    st_.mids.erase(st_.mids.begin());
  if (static_cast<int64_t>(st_.mids.size()) < set_.slow)
    return;
  int64_t slow_sum = 0;
  int64_t fast_sum = 0;
  for (size_t k = 0; k < st_.mids.size(); ++k) {
    slow_sum += st_.mids[k];
    if (static_cast<int64_t>(k) >= set_.slow - set_.fast)
      fast_sum += st_.mids[k];
  }
  // fast/fast_n vs slow/slow_n without division.
  auto lhs = static_cast<wide_int>(fast_sum) * set_.slow;
  auto rhs = static_cast<wide_int>(slow_sum) * set_.fast;
  int32_t signal = lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
  if (signal != 0)
    st_.signal = signal;
  // Every tick, not only at a crossing: a target order still working, or
  // refused by the risk gate, must not leave the position off its signal.
  if (st_.signal != 0)
    ctx.trade_towards(st_.signal * set_.qty);
}

std::string sma_crossover::save() const {
  return runtime::encode_state(st_);
}

caf::error sma_crossover::restore(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, st_);
}

} // namespace tfarm::actors
