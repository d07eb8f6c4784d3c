// The simulated venue's matching engine: one order book per symbol, fills
// numbered in the order they happen, fees in integer minor units.
//
// An order id must not be one of a resting order (like real venues, which
// check client order ids among open orders); uniqueness for ever is the
// exchange session's job, which records every client order id durably
// before submitting it. Keeping every id ever seen would cost the book a
// hash-set entry per order for ever.
//
// Deterministic and single-threaded: the replay tool drives it directly;
// the simulated venue actor (sim_venue) owns one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/exchange/order_book.hpp"

namespace tfarm::actors {

struct engine_fill {
  /// 1, 2, 3, ... across the venue.
  uint64_t seq = 0;
  std::string symbol;
  book_fill fill;
  /// Fees in minor units of the quote: ceil(price * qty * bps / 10,000).
  int64_t taker_fee = 0;
  int64_t maker_fee = 0;
};

struct engine_result {
  std::vector<engine_fill> fills;
  int64_t rested = 0;
  int64_t cancelled = 0;
  /// Empty, or the refusal's reason ("duplicate_order_id", "self_trade",
  /// "invalid_order", "unknown_order").
  std::string rejection;
  std::string detail;
};

class matching_engine {
public:
  /// Fees in basis points of the notional (price x qty, in quote units).
  explicit matching_engine(int64_t taker_fee_bps = 0, int64_t maker_fee_bps = 0);

  engine_result submit(const std::string& symbol, const book_order& x);

  /// Cancels a resting order; refuses an unknown, filled or cancelled one.
  engine_result cancel(const std::string& symbol, const std::string& order_id);

  /// The book of `symbol`, or nullptr.
  const order_book* book(const std::string& symbol) const;

  uint64_t fills() const noexcept { return next_fill_seq_ - 1; }

  /// ceil(price * qty * bps / 10,000), without overflow for realistic sizes.
  static int64_t fee(int64_t price, int64_t qty, int64_t bps);

private:
  std::map<std::string, order_book> books_;
  uint64_t next_fill_seq_ = 1;
  int64_t taker_fee_bps_;
  int64_t maker_fee_bps_;
};

} // namespace tfarm::actors
