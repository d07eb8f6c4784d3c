// Folding venue reports that arrive out of order.
#include <gtest/gtest.h>

#include "actors/exchange/order_progress.hpp"

namespace tfarm::actors {
namespace {

order_report report(order_state s, int64_t filled, int64_t notional = 0) {
  order_report r;
  r.state = s;
  r.qty = 10;
  r.filled = filled;
  r.notional = notional;
  return r;
}

TEST(order_progress, a_late_acknowledgement_never_undoes_a_fill) {
  order_progress known;
  auto fill = report(order_state::filled, 10, 1'000);
  EXPECT_TRUE(merge_report(known, fill));
  auto ack = report(order_state::open, 0);
  EXPECT_FALSE(merge_report(known, ack));
  EXPECT_EQ(ack.state, order_state::filled);
  EXPECT_EQ(ack.filled, 10);
  EXPECT_EQ(ack.notional, 1'000);
  EXPECT_EQ(known.state, order_state::filled);
}

TEST(order_progress, partial_fills_move_forward_only) {
  order_progress known;
  auto ack = report(order_state::open, 0);
  EXPECT_TRUE(merge_report(known, ack));
  auto p2 = report(order_state::partially_filled, 2, 200);
  EXPECT_TRUE(merge_report(known, p2));
  auto p5 = report(order_state::partially_filled, 5, 500);
  EXPECT_TRUE(merge_report(known, p5));
  auto stale = report(order_state::partially_filled, 2, 200);
  EXPECT_FALSE(merge_report(known, stale));
  EXPECT_EQ(stale.filled, 5);
  EXPECT_EQ(known.filled, 5);
  EXPECT_EQ(known.notional, 500);
}

TEST(order_progress, a_final_state_stays_final) {
  order_progress known;
  auto cancelled = report(order_state::cancelled, 3, 300);
  EXPECT_TRUE(merge_report(known, cancelled));
  auto open = report(order_state::partially_filled, 3, 300);
  EXPECT_FALSE(merge_report(known, open));
  EXPECT_EQ(open.state, order_state::cancelled);
  EXPECT_EQ(known.state, order_state::cancelled);
}

TEST(order_progress, the_venues_word_replaces_the_sessions_guess) {
  order_progress known;
  known.state = order_state::unknown;
  auto found = report(order_state::open, 0);
  EXPECT_TRUE(merge_report(known, found));
  EXPECT_EQ(known.state, order_state::open);
  // ... but the session's own guesses never replace the venue's word.
  auto guess = report(order_state::unknown, 0);
  EXPECT_FALSE(merge_report(known, guess));
  EXPECT_EQ(known.state, order_state::open);
}

} // namespace
} // namespace tfarm::actors
