#include "actors/agent/strategies/mean_reversion.hpp"

#include "actors/agent/error.hpp"
#include "actors/vault/wide_int.hpp"
#include "runtime/state_codec.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::mean_reversion::state, 1)

namespace tfarm::actors {

caf::error mean_reversion::configure(const std::map<std::string, std::string>& params) {
  auto x = set_; // a refused configuration changes nothing
  if (auto err = only_params(params, {"window", "threshold_bps", "qty"}, name()))
    return err;
  for (auto err : {int_param(params, "window", 2, 10'000, x.window),
                   int_param(params, "threshold_bps", 1, 10'000, x.threshold_bps),
                   int_param(params, "qty", 1, 1'000'000, x.qty)})
    if (err)
      return err;
  set_ = x;
  return {};
}

void mean_reversion::on_tick(const market_tick& tick, strategy_context& ctx) {
  auto mid = tick.mid();
  if (mid <= 0)
    return;
  st_.mids.push_back(mid);
  while (static_cast<int64_t>(st_.mids.size()) > set_.window) // also after a restore
    st_.mids.erase(st_.mids.begin());
  if (static_cast<int64_t>(st_.mids.size()) < set_.window)
    return;
  wide_int sum = 0;
  for (auto m : st_.mids)
    sum += m;
  auto mean = static_cast<int64_t>(sum / set_.window);
  if (mean <= 0)
    return;
  // Deviation in basis points of the mean.
  auto dev = static_cast<int64_t>((static_cast<wide_int>(mid) - mean) * 10'000 / mean);
  if (dev <= -set_.threshold_bps)
    ctx.trade_towards(set_.qty);
  else if (dev >= set_.threshold_bps)
    ctx.trade_towards(-set_.qty);
  else if (dev * 4 < set_.threshold_bps && dev * 4 > -set_.threshold_bps)
    ctx.trade_towards(0);
}

std::string mean_reversion::save() const {
  return runtime::encode_state(st_);
}

caf::error mean_reversion::restore(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, st_);
}

} // namespace tfarm::actors
