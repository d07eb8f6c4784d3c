// An agent's position in one symbol, with average-cost accounting of its
// realized and unrealized PnL, in integer units (quantities in units,
// prices in ticks, money in minor units of the quote asset).
//
// Average cost: closing part of a position takes the same share of its
// cost; the rounding left by integer division stays in the cost of what is
// still open and is realized exactly when the position closes, so that
// over a round trip realized PnL is exact. Fees are realized as they are
// paid. Plain data; serializable with cereal for the agent's checkpoint.
#pragma once

#include <cstdint>

#include "actors/exchange/order_book.hpp"

namespace tfarm::actors {

struct position_book {
  /// Signed: long > 0, short < 0.
  int64_t position = 0;
  /// Signed cost of the open position: sum of price x signed qty of what is
  /// still open (negative for a short: what selling brought in).
  int64_t open_cost = 0;
  /// Closed trades' PnL, fees already subtracted.
  int64_t realized = 0;
  int64_t fees = 0;
  int64_t fills = 0;

  /// Books a fill of this agent.
  void apply(side s, int64_t price, int64_t qty, int64_t fee);

  /// Average price of the open position (0 when flat).
  int64_t average_price() const;

  /// PnL of the open position marked at `mark`.
  int64_t unrealized(int64_t mark) const;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(position, open_cost, realized, fees, fills);
  }
};

} // namespace tfarm::actors
