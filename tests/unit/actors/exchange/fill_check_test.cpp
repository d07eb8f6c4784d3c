// Each way a venue's fill can be wrong is refused with its reason; a good
// one, and the same one again, pass.
#include "actors/exchange/fill_check.hpp"

#include <gtest/gtest.h>

namespace tfarm::test {
namespace {

using actors::fill_problem;
using actors::fill_terms;
using actors::side;

actors::order_request order() {
  actors::order_request r;
  r.client_order_id = "a:b:1.1";
  r.symbol = "BTC-USD";
  r.s = side::buy;
  r.type = actors::order_type::limit;
  r.price = 1'000;
  r.qty = 5;
  return r;
}

actors::venue_fill fill() {
  actors::venue_fill f;
  f.fill_id = "7.1:t";
  f.client_order_id = "a:b:1.1";
  f.symbol = "BTC-USD";
  f.s = side::buy;
  f.price = 990;
  f.qty = 2;
  f.fee = 2;
  return f;
}

TEST(fill_check, a_good_fill_and_its_replay_pass) {
  auto r = order();
  EXPECT_EQ(fill_problem(fill(), r.client_order_id, &r, nullptr), "");
  fill_terms same{990, 2, 2};
  EXPECT_EQ(fill_problem(fill(), r.client_order_id, &r, &same), "");
  EXPECT_EQ(fill_problem(fill(), r.client_order_id, nullptr, nullptr), "")
      << "without the order, what can be checked is";
}

TEST(fill_check, every_bad_fill_is_named) {
  auto r = order();
  auto check = [&](actors::venue_fill f) {
    return fill_problem(f, r.client_order_id, &r, nullptr);
  };
  auto f = fill();
  f.fill_id = "";
  EXPECT_EQ(check(f), "its fill id is not 1 to 64 printable characters");
  f.fill_id = std::string(65, 'x');
  EXPECT_EQ(check(f), "its fill id is not 1 to 64 printable characters");
  f.fill_id = "a b";
  EXPECT_EQ(check(f), "its fill id is not 1 to 64 printable characters");
  f = fill();
  f.client_order_id = "other";
  EXPECT_EQ(check(f), "it names order other");
  f = fill();
  f.qty = 0;
  EXPECT_EQ(check(f), "quantity and price must be positive, the fee not negative");
  f = fill();
  f.price = -1;
  EXPECT_EQ(check(f), "quantity and price must be positive, the fee not negative");
  f = fill();
  f.fee = -1;
  EXPECT_EQ(check(f), "quantity and price must be positive, the fee not negative");
  f = fill();
  f.price = INT64_MAX / 2;
  f.qty = 3;
  EXPECT_EQ(check(f), "price x quantity exceeds 2^63 - 1");
  f = fill();
  f.fee = 1'981;
  EXPECT_EQ(check(f), "its fee exceeds its value (1980)");
  f = fill();
  f.s = side::sell;
  EXPECT_EQ(check(f), "its side or symbol is not the order's (buy BTC-USD)");
  f = fill();
  f.symbol = "ETH-USD";
  EXPECT_EQ(check(f), "its side or symbol is not the order's (buy BTC-USD)");
  f = fill();
  f.price = 1'001;
  EXPECT_EQ(check(f), "its price is beyond the order's limit 1000");
  fill_terms before{990, 1, 2};
  EXPECT_EQ(fill_problem(fill(), r.client_order_id, &r, &before),
            "it was reported before as 1 at 990, fee 2");
}

TEST(fill_check, a_new_fill_may_not_take_more_than_the_order_has_left) {
  auto r = order();
  r.qty = 5;
  EXPECT_EQ(fill_problem(fill(), r.client_order_id, &r, nullptr, 3), "");
  EXPECT_EQ(fill_problem(fill(), r.client_order_id, &r, nullptr, 4),
            "its quantity exceeds what is left of the order (1 of 5)");
  // A replay of a fill counted before is no new quantity.
  fill_terms same{990, 2, 2};
  EXPECT_EQ(fill_problem(fill(), r.client_order_id, &r, &same, 5), "");
}

TEST(fill_check, a_sell_may_not_fill_below_its_limit_and_a_market_order_has_none) {
  auto r = order();
  r.s = side::sell;
  auto f = fill();
  f.s = side::sell;
  EXPECT_EQ(fill_problem(f, r.client_order_id, &r, nullptr),
            "its price is beyond the order's limit 1000");
  r.type = actors::order_type::market;
  r.price = 0;
  EXPECT_EQ(fill_problem(f, r.client_order_id, &r, nullptr), "");
}

} // namespace
} // namespace tfarm::test
