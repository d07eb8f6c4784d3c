#include "actors/agent/strategies/market_maker.hpp"

#include <algorithm>

#include "actors/agent/error.hpp"
#include "actors/wide_int.hpp"
#include "runtime/state_codec.hpp"

CEREAL_CLASS_VERSION(tfarm::actors::market_maker::state, 1)

namespace tfarm::actors {

caf::error market_maker::configure(const std::map<std::string, std::string>& params) {
  auto spread = spread_bps_;
  auto qty = qty_;
  auto max_inventory = max_inventory_;
  auto skew = skew_bps_;
  auto requote = requote_bps_;
  if (auto err = only_params(
          params, {"spread_bps", "qty", "max_inventory", "skew_bps", "requote_bps"}, name()))
    return err;
  if (auto err = int_param(params, "spread_bps", 1, 10'000, spread))
    return err;
  if (auto err = int_param(params, "qty", 1, 1'000'000, qty))
    return err;
  if (auto err = int_param(params, "max_inventory", 1, 1'000'000'000, max_inventory))
    return err;
  if (auto err = int_param(params, "skew_bps", 0, 10'000, skew))
    return err;
  if (auto err = int_param(params, "requote_bps", 0, 10'000, requote))
    return err;
  spread_bps_ = spread;
  qty_ = qty;
  max_inventory_ = max_inventory;
  skew_bps_ = skew;
  requote_bps_ = requote;
  return {};
}

void market_maker::on_tick(const market_tick& tick, strategy_context& ctx) {
  auto mid = tick.mid();
  if (mid <= 0)
    return;
  auto quoting = ctx.has_open("bid") || ctx.has_open("ask");
  auto moved =
      st_.quoted_mid == 0 || static_cast<wide_int>(std::abs(mid - st_.quoted_mid)) * 10'000 >
                                 static_cast<wide_int>(requote_bps_) * st_.quoted_mid;
  if (quoting && !moved)
    return;
  ctx.cancel();
  auto half = std::max<int64_t>(mid * spread_bps_ / 20'000, 1);
  // Clamped to the mid itself: a large inventory must not overflow.
  auto raw_skew = static_cast<wide_int>(mid) * skew_bps_ * ctx.position / 10'000;
  auto skew = static_cast<int64_t>(std::clamp<wide_int>(raw_skew, -mid, mid));
  auto bid = mid - half - skew;
  auto ask = mid + half - skew;
  // Never cross the market: a skewed quote rests at the touch instead.
  if (tick.ask > 0)
    bid = std::min(bid, tick.ask - 1);
  if (tick.bid > 0)
    ask = std::max(ask, tick.bid + 1);
  if (ctx.position + qty_ <= max_inventory_ && bid > 0)
    ctx.place(strategy_order{side::buy, order_type::limit, bid, qty_, "bid"});
  if (ctx.position - qty_ >= -max_inventory_ && ask > 0)
    ctx.place(strategy_order{side::sell, order_type::limit, ask, qty_, "ask"});
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
