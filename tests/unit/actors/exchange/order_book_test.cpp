// The matching engine: price-time priority, partial fills, cancels of
// resting and partially filled orders, market orders sweeping levels,
// self-trade prevention, unique order ids, fees.
#include <gtest/gtest.h>

#include "actors/exchange/matching_engine.hpp"

using namespace tfarm::actors;

namespace {

book_order limit(std::string id, std::string account, side s, int64_t price, int64_t qty) {
  return book_order{std::move(id), std::move(account), s, order_type::limit, price, qty};
}

book_order market(std::string id, std::string account, side s, int64_t qty) {
  return book_order{std::move(id), std::move(account), s, order_type::market, 0, qty};
}

std::string fills_of(const engine_result& r) {
  std::string out;
  for (auto& f : r.fills)
    out += std::to_string(f.seq) + ":" + std::to_string(f.fill.qty) + "@" +
           std::to_string(f.fill.price) + " " + f.fill.taker_order_id + "x" +
           f.fill.maker_order_id + ";";
  return out;
}

TEST(matching_engine, price_then_time_priority_with_partial_fills) {
  matching_engine e;
  EXPECT_EQ(e.submit("X", limit("s1", "a", side::sell, 101, 5)).rested, 5);
  EXPECT_EQ(e.submit("X", limit("s2", "b", side::sell, 100, 5)).rested, 5);
  EXPECT_EQ(e.submit("X", limit("s3", "c", side::sell, 100, 5)).rested, 5);
  // Best price first (100), and at 100 the earlier order (s2) first.
  auto r = e.submit("X", limit("b1", "d", side::buy, 101, 12));
  EXPECT_EQ(fills_of(r), "1:5@100 b1xs2;2:5@100 b1xs3;3:2@101 b1xs1;");
  EXPECT_EQ(r.rested, 0);
  auto book = e.book("X");
  ASSERT_EQ(book->asks(5).size(), 1u);
  EXPECT_EQ(book->asks(5)[0].qty, 3) << "s1 is partially filled";
  // A buy below the best ask rests.
  EXPECT_EQ(e.submit("X", limit("b2", "d", side::buy, 99, 4)).rested, 4);
  EXPECT_EQ(book->bids(5)[0].price, 99);
}

TEST(matching_engine, cancels_of_resting_and_partially_filled_orders) {
  matching_engine e;
  e.submit("X", limit("s1", "a", side::sell, 100, 10));
  e.submit("X", limit("b1", "b", side::buy, 100, 4));
  auto c = e.cancel("X", "s1");
  EXPECT_EQ(c.cancelled, 6) << "what was left of the partially filled order";
  EXPECT_EQ(e.cancel("X", "s1").rejection, "unknown_order");
  EXPECT_EQ(e.cancel("X", "b1").rejection, "unknown_order") << "b1 was filled";
  EXPECT_EQ(e.cancel("Y", "s1").rejection, "unknown_order");
  EXPECT_EQ(e.book("X")->resting_orders(), 0u);
}

TEST(matching_engine, a_level_shows_the_sum_of_what_rests_there_after_fills_and_cancels) {
  matching_engine e;
  e.submit("X", limit("s1", "a", side::sell, 100, 5));
  e.submit("X", limit("s2", "b", side::sell, 100, 7));
  e.submit("X", limit("s3", "c", side::sell, 100, 2));
  auto top = [&] { return e.book("X")->asks(1).at(0); };
  EXPECT_EQ(top().qty, 14);
  EXPECT_EQ(top().orders, 3u);
  e.submit("X", limit("b1", "d", side::buy, 100, 8)); // fills s1, 3 of s2
  EXPECT_EQ(top().qty, 6);
  EXPECT_EQ(top().orders, 2u);
  EXPECT_EQ(e.cancel("X", "s2").cancelled, 4);
  EXPECT_EQ(top().qty, 2);
  EXPECT_EQ(top().orders, 1u);
  e.cancel("X", "s3");
  EXPECT_TRUE(e.book("X")->asks(1).empty()) << "an emptied level is gone";
}

TEST(matching_engine, market_orders_sweep_levels_and_never_rest) {
  matching_engine e;
  e.submit("X", limit("s1", "a", side::sell, 100, 2));
  e.submit("X", limit("s2", "a", side::sell, 105, 2));
  e.submit("X", limit("s3", "a", side::sell, 110, 2));
  auto r = e.submit("X", market("m1", "b", side::buy, 5));
  EXPECT_EQ(fills_of(r), "1:2@100 m1xs1;2:2@105 m1xs2;3:1@110 m1xs3;");
  auto rest = e.submit("X", market("m2", "b", side::buy, 4));
  EXPECT_EQ(rest.fills.size(), 1u);
  EXPECT_EQ(rest.cancelled, 3) << "no liquidity left for the rest";
  EXPECT_EQ(rest.rested, 0);
  EXPECT_EQ(e.submit("X", market("m3", "b", side::sell, 1)).cancelled, 1) << "empty bid side";
}

TEST(matching_engine, self_trade_prevention_rejects_the_incoming_order) {
  matching_engine e;
  e.submit("X", limit("s1", "b", side::sell, 100, 3));
  e.submit("X", limit("s2", "a", side::sell, 101, 3));
  e.submit("X", limit("s3", "b", side::sell, 102, 3));
  // a's buy fills s1 (b), then would meet its own s2: the rest is cancelled.
  auto r = e.submit("X", limit("b1", "a", side::buy, 102, 9));
  EXPECT_EQ(fills_of(r), "1:3@100 b1xs1;");
  EXPECT_EQ(r.rejection, "self_trade");
  EXPECT_EQ(r.cancelled, 6);
  EXPECT_EQ(r.rested, 0);
  EXPECT_TRUE(e.book("X")->resting("s2")) << "the resting order stays";
  EXPECT_FALSE(e.book("X")->resting("b1"));
}

TEST(matching_engine, an_id_of_a_resting_order_is_refused_and_bad_orders_too) {
  matching_engine e;
  e.submit("X", limit("o1", "a", side::sell, 100, 2));
  EXPECT_EQ(e.submit("X", limit("o1", "b", side::buy, 90, 1)).rejection, "duplicate_order_id");
  e.submit("X", limit("o2", "b", side::buy, 100, 2)); // fills o1
  EXPECT_EQ(e.submit("X", limit("o1", "a", side::sell, 100, 1)).rejection, "")
      << "a filled order's id is free again at the venue (sessions keep ids unique)";
  EXPECT_EQ(e.submit("X", limit("o3", "a", side::sell, 0, 1)).rejection, "invalid_order");
  EXPECT_EQ(e.submit("X", limit("o4", "a", side::sell, 10, 0)).rejection, "invalid_order");
  EXPECT_EQ(e.submit("", limit("o5", "a", side::sell, 10, 1)).rejection, "invalid_order");
}

TEST(matching_engine, fees_are_integer_and_round_up) {
  EXPECT_EQ(matching_engine::fee(100, 3, 10), 1); // 0.3 -> 1
  EXPECT_EQ(matching_engine::fee(10'000, 100, 25), 2'500);
  EXPECT_EQ(matching_engine::fee(10'000, 100, 0), 0);
  EXPECT_EQ(matching_engine::fee(INT64_MAX, 2, 10'000), INT64_MAX) << "saturates";
  matching_engine e{20, 5};
  e.submit("X", limit("s1", "a", side::sell, 1'000, 10));
  auto r = e.submit("X", limit("b1", "b", side::buy, 1'000, 10));
  ASSERT_EQ(r.fills.size(), 1u);
  EXPECT_EQ(r.fills[0].taker_fee, 20);
  EXPECT_EQ(r.fills[0].maker_fee, 5);
}

} // namespace
