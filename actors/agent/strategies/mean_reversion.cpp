#include "actors/agent/strategies/mean_reversion.hpp"

#include "actors/agent/error.hpp"
#include "actors/agent/strategies/sma_crossover.hpp"
#include "actors/wide_int.hpp"
#include "runtime/state_codec.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::mean_reversion::state, 1)

namespace tfarm::actors {

caf::error mean_reversion::configure(const std::map<std::string, std::string>& params) {
  auto window = window_;
  auto threshold = threshold_bps_;
  auto qty = qty_;
  if (auto err = only_params(params, {"window", "threshold_bps", "qty"}, name()))
    return err;
  if (auto err = int_param(params, "window", 2, 10'000, window))
    return err;
  if (auto err = int_param(params, "threshold_bps", 1, 10'000, threshold))
    return err;
  if (auto err = int_param(params, "qty", 1, 1'000'000, qty))
    return err;
  window_ = window;
  threshold_bps_ = threshold;
  qty_ = qty;
  return {};
}

void mean_reversion::on_tick(const market_tick& tick, strategy_context& ctx) {
  auto mid = tick.mid();
  if (mid <= 0)
    return;
  st_.mids.push_back(mid);
  while (static_cast<int64_t>(st_.mids.size()) > window_) // also after a restore
    st_.mids.erase(st_.mids.begin());
  if (static_cast<int64_t>(st_.mids.size()) < window_)
    return;
  wide_int sum = 0;
  for (auto m : st_.mids)
    sum += m;
  auto mean = static_cast<int64_t>(sum / window_);
  if (mean <= 0)
    return;
  // Deviation in basis points of the mean.
  auto dev = static_cast<int64_t>((static_cast<wide_int>(mid) - mean) * 10'000 / mean);
  if (dev <= -threshold_bps_)
    trade_towards(qty_, ctx);
  else if (dev >= threshold_bps_)
    trade_towards(-qty_, ctx);
  else if (dev * 4 < threshold_bps_ && dev * 4 > -threshold_bps_)
    trade_towards(0, ctx);
}

std::string mean_reversion::save() const {
  return runtime::encode_state(st_);
}

caf::error mean_reversion::restore(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, st_);
}

} // namespace tfarm::actors
