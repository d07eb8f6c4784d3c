#include "actors/exchange/matching_engine.hpp"

namespace tfarm::actors {

matching_engine::matching_engine(int64_t taker_fee_bps, int64_t maker_fee_bps)
    : taker_fee_bps_(taker_fee_bps), maker_fee_bps_(maker_fee_bps) {
  // nop
}

int64_t matching_engine::fee(int64_t price, int64_t qty, int64_t bps) {
  if (bps <= 0)
    return 0;
  __extension__ using wide = __int128;
  auto num = static_cast<wide>(price) * qty * bps;
  auto fee = (num + 9'999) / 10'000;
  return fee > INT64_MAX ? INT64_MAX : static_cast<int64_t>(fee);
}

engine_result matching_engine::submit(const std::string& symbol, const book_order& x) {
  engine_result out;
  if (symbol.empty()) {
    out.rejection = "invalid_order";
    out.detail = "order " + x.id + " names no symbol";
    return out;
  }
  auto i = books_.find(symbol);
  if (i == books_.end())
    i = books_.emplace(symbol, order_book{symbol}).first;
  auto r = i->second.submit(x);
  for (auto& f : r.fills) {
    engine_fill ef;
    ef.seq = next_fill_seq_++;
    ef.symbol = symbol;
    ef.taker_fee = fee(f.price, f.qty, taker_fee_bps_);
    ef.maker_fee = fee(f.price, f.qty, maker_fee_bps_);
    ef.fill = std::move(f);
    out.fills.push_back(std::move(ef));
  }
  out.rested = r.rested;
  out.cancelled = r.cancelled;
  out.rejection = std::move(r.rejection);
  out.detail = std::move(r.detail);
  return out;
}

engine_result matching_engine::cancel(const std::string& symbol, const std::string& order_id) {
  engine_result out;
  auto i = books_.find(symbol);
  auto qty = i == books_.end() ? 0 : i->second.cancel(order_id);
  if (qty == 0) {
    out.rejection = "unknown_order";
    out.detail = "order " + order_id + " does not rest in the " + symbol +
                 " book (unknown, filled or cancelled)";
    return out;
  }
  out.cancelled = qty;
  return out;
}

const order_book* matching_engine::book(const std::string& symbol) const {
  auto i = books_.find(symbol);
  return i == books_.end() ? nullptr : &i->second;
}

} // namespace tfarm::actors
