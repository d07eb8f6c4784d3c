// Each way an order from a peer can be wrong is refused with its reason
// before it reaches a book; a good limit and market order pass.
#include "actors/exchange/order_check.hpp"

#include <gtest/gtest.h>

namespace tfarm::test {
namespace {

using actors::order_problem;

actors::order_request order() {
  actors::order_request r;
  r.client_order_id = "alice.a1.7";
  r.account = "alice-main";
  r.symbol = "BTC-USD";
  r.s = actors::side::sell;
  r.type = actors::order_type::limit;
  r.price = 1'000;
  r.qty = 5;
  return r;
}

TEST(order_check, good_limit_and_market_orders_pass) {
  EXPECT_EQ(order_problem(order(), "@sim"), "");
  auto m = order();
  m.type = actors::order_type::market;
  m.price = 0;
  EXPECT_EQ(order_problem(m, "@sim"), "");
}

TEST(order_check, every_bad_field_is_refused_with_its_reason) {
  auto r = order();
  r.client_order_id = "";
  EXPECT_EQ(order_problem(r, "@sim"), "client order id must be 1 to 64 characters");
  r.client_order_id = std::string(65, 'x');
  EXPECT_EQ(order_problem(r, "@sim"), "client order id must be 1 to 64 characters");
  r = order();
  r.account = "@sim-maker-1";
  EXPECT_EQ(order_problem(r, "@sim"), "order alice.a1.7 names no account");
  r = order();
  r.s = static_cast<actors::side>(7);
  EXPECT_EQ(order_problem(r, "@sim"), "order alice.a1.7: unknown side 7");
  r = order();
  r.type = static_cast<actors::order_type>(2);
  EXPECT_EQ(order_problem(r, "@sim"), "order alice.a1.7: unknown order type 2");
  r = order();
  r.qty = 0;
  EXPECT_EQ(order_problem(r, "@sim"), "order alice.a1.7: quantity must be positive, got 0");
  r = order();
  r.price = -1;
  EXPECT_EQ(order_problem(r, "@sim"), "order alice.a1.7: limit price must be positive, got -1");
}

} // namespace
} // namespace tfarm::test
