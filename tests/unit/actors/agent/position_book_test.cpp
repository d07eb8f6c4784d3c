// Average-cost PnL in integers: adds, partial closes, crossing through
// flat, shorts, fees, and exactness over a round trip.
#include <random>

#include <gtest/gtest.h>

#include "actors/agent/position_book.hpp"

namespace tfarm::actors {
namespace {

TEST(position_book, adds_average_and_partial_closes_realize_at_average_cost) {
  position_book b;
  b.apply(side::buy, 100, 2, 0);
  b.apply(side::buy, 110, 2, 0);
  EXPECT_EQ(b.position, 4);
  EXPECT_EQ(b.average_price(), 105);
  b.apply(side::sell, 120, 3, 0);
  EXPECT_EQ(b.position, 1);
  EXPECT_EQ(b.realized, 3 * 120 - 315);
  EXPECT_EQ(b.average_price(), 105);
  EXPECT_EQ(b.unrealized(130), 25);
}

TEST(position_book, crossing_through_flat_closes_then_opens_the_other_way) {
  position_book b;
  b.apply(side::buy, 105, 1, 0);
  b.apply(side::sell, 100, 3, 0); // closes 1 at -5, opens short 2 at 100
  EXPECT_EQ(b.position, -2);
  EXPECT_EQ(b.realized, -5);
  EXPECT_EQ(b.average_price(), 100);
  EXPECT_EQ(b.unrealized(90), 20); // short gains when the price falls
  b.apply(side::buy, 90, 2, 0);
  EXPECT_EQ(b.position, 0);
  EXPECT_EQ(b.realized, 15);
  EXPECT_EQ(b.open_cost, 0);
  EXPECT_EQ(b.unrealized(1'000), 0);
}

TEST(position_book, fees_are_realized_as_paid) {
  position_book b;
  b.apply(side::buy, 100, 1, 3);
  EXPECT_EQ(b.realized, -3);
  b.apply(side::sell, 101, 1, 2);
  EXPECT_EQ(b.realized, 1 - 5);
  EXPECT_EQ(b.fees, 5);
  EXPECT_EQ(b.fills, 2);
}

TEST(position_book, a_round_trip_realizes_exactly_the_cash_it_made) {
  // Whatever the path, once flat: realized == cash in - cash out - fees.
  std::mt19937_64 rng{11};
  position_book b;
  int64_t cash = 0;
  for (int k = 0; k < 10'000; ++k) {
    auto s = rng() % 2 == 0 ? side::buy : side::sell;
    auto price = static_cast<int64_t>(1'000 + rng() % 997);
    auto qty = static_cast<int64_t>(1 + rng() % 7);
    auto fee = static_cast<int64_t>(rng() % 3);
    b.apply(s, price, qty, fee);
    cash += (s == side::buy ? -price * qty : price * qty) - fee;
  }
  // Flatten at one price.
  auto flat_price = int64_t{1'500};
  if (b.position != 0) {
    auto s = b.position > 0 ? side::sell : side::buy;
    auto qty = b.position > 0 ? b.position : -b.position;
    cash += s == side::buy ? -flat_price * qty : flat_price * qty;
    b.apply(s, flat_price, qty, 0);
  }
  EXPECT_EQ(b.position, 0);
  EXPECT_EQ(b.open_cost, 0);
  EXPECT_EQ(b.realized, cash);
}

TEST(position_book, nonsense_quantities_book_nothing) {
  position_book b;
  b.apply(side::buy, 100, 0, 5);
  b.apply(side::buy, 100, -3, 5);
  EXPECT_EQ(b.position, 0);
  EXPECT_EQ(b.realized, 0);
  EXPECT_EQ(b.fills, 0);
}

} // namespace
} // namespace tfarm::actors
