#include "actors/agent/strategies/market_maker.hpp"

#include <algorithm>

#include "actors/agent/error.hpp"
#include "actors/vault/wide_int.hpp"
#include "runtime/state_codec.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::market_maker::state, 1)

namespace tfarm::actors {

caf::error market_maker::configure(const std::map<std::string, std::string>& params) {
  auto x = set_; // a refused configuration changes nothing
  if (auto err = only_params(
          params, {"spread_bps", "qty", "max_inventory", "skew_bps", "requote_bps"}, name()))
    return err;
  for (auto err : {int_param(params, "spread_bps", 1, 10'000, x.spread_bps),
                   int_param(params, "qty", 1, 1'000'000, x.qty),
                   int_param(params, "max_inventory", 1, 1'000'000'000, x.max_inventory),
                   int_param(params, "skew_bps", 0, 10'000, x.skew_bps),
                   int_param(params, "requote_bps", 0, 10'000, x.requote_bps)})
    if (err)
      return err;
  set_ = x;
  return {};
}

void market_maker::on_tick(const market_tick& tick, strategy_context& ctx) {
  auto mid = tick.mid();
  if (mid <= 0)
    return;
  auto quoting = ctx.has_open("bid") || ctx.has_open("ask");
  auto moved =
      st_.quoted_mid == 0 || static_cast<wide_int>(std::abs(mid - st_.quoted_mid)) * 10'000 >
                                 static_cast<wide_int>(set_.requote_bps) * st_.quoted_mid;
  if (quoting && !moved)
    return;
  ctx.cancel();
  auto half = std::max<int64_t>(mid * set_.spread_bps / 20'000, 1);
  // Clamped to the mid itself: a large inventory must not overflow.
  auto raw_skew = static_cast<wide_int>(mid) * set_.skew_bps * ctx.position / 10'000;
  auto skew = static_cast<int64_t>(std::clamp<wide_int>(raw_skew, -mid, mid));
  auto bid = mid - half - skew;
  auto ask = mid + half - skew;
  // Never cross the market: a skewed quote rests at the touch instead.
  if (tick.ask > 0)
    bid = std::min(bid, tick.ask - 1);
  if (tick.bid > 0)
    ask = std::max(ask, tick.bid + 1);
  if (ctx.position + set_.qty <= set_.max_inventory && bid > 0)
    ctx.place(strategy_order{side::buy, order_type::limit, bid, set_.qty, "bid"});
  if (ctx.position - set_.qty >= -set_.max_inventory && ask > 0)
    ctx.place(strategy_order{side::sell, order_type::limit, ask, set_.qty, "ask"});
  st_.quoted_mid = mid;
}

void market_maker::on_fill(const venue_fill&, const std::string&, strategy_context&) {
  st_.quoted_mid = 0; // the inventory changed: requote on the next tick
}

std::string market_maker::save() const {
  return runtime::encode_state(st_);
}

caf::error market_maker::restore(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, st_);
}

} // namespace tfarm::actors
