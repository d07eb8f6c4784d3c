// A venue's tops and trades reach agents only when sane: each way they can
// be wrong is refused with its reason; one-sided and empty books pass.
#include "actors/exchange/market_data_check.hpp"

#include <gtest/gtest.h>

namespace tfarm::test {
namespace {

using actors::top_problem;
using actors::trade_problem;

actors::book_top top(int64_t bid, int64_t bid_qty, int64_t ask, int64_t ask_qty) {
  actors::book_top x;
  x.venue = "sim-a";
  x.symbol = "BTC-USD";
  x.bid = bid;
  x.bid_qty = bid_qty;
  x.ask = ask;
  x.ask_qty = ask_qty;
  x.last = 100;
  return x;
}

TEST(market_data_check, sane_tops_pass_even_with_an_empty_side) {
  EXPECT_EQ(top_problem(top(99, 3, 101, 2)), "");
  EXPECT_EQ(top_problem(top(0, 0, 101, 2)), "");
  EXPECT_EQ(top_problem(top(99, 3, 0, 0)), "");
  EXPECT_EQ(top_problem(top(0, 0, 0, 0)), "");
}

TEST(market_data_check, insane_tops_are_refused_with_their_reason) {
  EXPECT_EQ(top_problem(top(-1, 3, 101, 2)), "BTC-USD: bid 3 at -1 is negative");
  EXPECT_EQ(top_problem(top(99, 0, 101, 2)),
            "BTC-USD: bid 0 at 99: a price needs a quantity and a quantity a price");
  EXPECT_EQ(top_problem(top(99, 3, 0, 2)),
            "BTC-USD: ask 2 at 0: a price needs a quantity and a quantity a price");
  EXPECT_EQ(top_problem(top(101, 3, 101, 2)), "BTC-USD: bid 101 is not under ask 101");
  auto x = top(99, 3, 101, 2);
  x.last = -5;
  EXPECT_EQ(top_problem(x), "BTC-USD: last price -5 is negative");
  x.symbol.clear();
  EXPECT_EQ(top_problem(x), "a top without a symbol");
}

TEST(market_data_check, a_trade_needs_a_positive_price_size_and_a_known_side) {
  actors::trade_tick t;
  t.venue = "sim-a";
  t.symbol = "BTC-USD";
  t.price = 100;
  t.qty = 1;
  EXPECT_EQ(trade_problem(t), "");
  t.qty = 0;
  EXPECT_EQ(trade_problem(t), "BTC-USD: trade of 0 at 100 is not positive");
  t.qty = 1;
  t.aggressor = static_cast<actors::side>(9);
  EXPECT_EQ(trade_problem(t), "BTC-USD: unknown aggressor side 9");
  t.symbol.clear();
  EXPECT_EQ(trade_problem(t), "a trade without a symbol");
}

} // namespace
} // namespace tfarm::test
