// One symbol's limit order book: price-time priority, partial fills,
// cancels, market orders that sweep levels, and self-trade prevention.
//
// Self-trade prevention rejects the incoming order: when its next match
// would be against a resting order of the same account, matching stops,
// fills already made stand, and the rest of the incoming order is cancelled
// (never rested), reported as `self_trade`.
//
// Prices are integer ticks, quantities integer units. Deterministic: the
// same submissions give the same fills. Not thread-safe: one owner (the
// simulated venue's actor, or the replay tool).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace tfarm::actors {

enum class side : uint8_t { buy, sell };
enum class order_type : uint8_t { limit, market };

std::string to_string(side x);

/// "buy" or "sell" (exactly); false for anything else.
bool parse_side(const std::string& x, side& out);
std::string to_string(order_type x);

struct book_order {
  std::string id;
  std::string account;
  side s = side::buy;
  order_type type = order_type::limit;
  /// Limit price in ticks (ignored for market orders).
  int64_t price = 0;
  int64_t qty = 0;
};

struct book_fill {
  int64_t price = 0;
  int64_t qty = 0;
  std::string taker_order_id;
  std::string maker_order_id;
  std::string taker_account;
  std::string maker_account;
  /// The taker's side (the maker's is the other).
  side taker_side = side::buy;
};

/// What a submission did.
struct submit_result {
  std::vector<book_fill> fills;
  /// Quantity left resting in the book (limit orders only).
  int64_t rested = 0;
  /// Quantity cancelled: a market order's unfilled rest, or the rest of an
  /// order stopped by self-trade prevention.
  int64_t cancelled = 0;
  /// Empty, or why the order (or its rest) was refused: "duplicate_order_id",
  /// "self_trade", "invalid_order".
  std::string rejection;
  std::string detail;
};

struct level_view {
  int64_t price = 0;
  int64_t qty = 0;
  size_t orders = 0;
};

class order_book {
public:
  explicit order_book(std::string symbol);

  const std::string& symbol() const noexcept { return symbol_; }

  /// Matches `x` against the book and rests a limit order's remainder.
  submit_result submit(const book_order& x);

  /// Removes a resting (possibly partially filled) order; returns the
  /// quantity it still had, or 0 if no such order rests.
  int64_t cancel(const std::string& order_id);

  /// True if `order_id` rests in the book.
  bool resting(const std::string& order_id) const;

  /// Best price levels, best first (at most `depth`).
  std::vector<level_view> bids(size_t depth) const;
  std::vector<level_view> asks(size_t depth) const;

  size_t resting_orders() const noexcept { return index_.size(); }

private:
  struct resting_order {
    std::string id;
    std::string account;
    int64_t qty = 0;
  };
  /// One price level: its orders in time priority and their summed
  /// remaining quantity (kept on every change, so the top of book costs
  /// O(1) however many orders rest there).
  struct level {
    std::list<resting_order> orders;
    int64_t qty = 0;
  };
  using bid_levels = std::map<int64_t, level, std::greater<int64_t>>;
  using ask_levels = std::map<int64_t, level, std::less<int64_t>>;

  template <class Levels>
  void match(Levels& opposite, const book_order& x, int64_t& left, submit_result& out);

  template <class Levels>
  static std::vector<level_view> view(const Levels& levels, size_t depth);

  struct location {
    side s;
    int64_t price;
    std::list<resting_order>::iterator it;
  };

  std::string symbol_;
  bid_levels bids_;
  ask_levels asks_;
  std::unordered_map<std::string, location> index_;
};

} // namespace tfarm::actors
