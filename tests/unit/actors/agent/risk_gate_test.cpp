// The risk gate: each rule refuses with its name and numbers, the kill
// switch at every level, and the order rate over a sliding window.
#include <gtest/gtest.h>

#include "actors/agent/error.hpp"
#include "actors/agent/risk_gate.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {
namespace {

risk_limits limits() {
  risk_limits x;
  x.order_rate = config::rate{3, config::milliseconds{60'000}};
  x.max_order_notional = 10'000;
  x.max_position = 10;
  x.max_open_orders = 4;
  return x;
}

std::string text(const caf::error& err) {
  return err ? runtime::to_text(err) : std::string{"accepted"};
}

risk_errc code(const caf::error& err) {
  return err && err.category() == caf::atom("tfrisk") ? static_cast<risk_errc>(err.code())
                                                      : risk_errc::none;
}

class risk_gate_test : public testing::Test {
protected:
  static void SetUpTestSuite() { register_risk_error_names(); }
  risk_gate gate_{limits()};
  trading_states states_;
  risk_exposure exposure_;
};

TEST_F(risk_gate_test, an_order_within_every_limit_passes) {
  EXPECT_EQ(text(gate_.check(side::buy, 1'000, 5, exposure_, states_, 0)), "accepted");
  EXPECT_EQ(gate_.recent_orders(0), 1);
}

TEST_F(risk_gate_test, notional_names_price_qty_and_the_limit) {
  auto err = gate_.check(side::buy, 2'001, 5, exposure_, states_, 0);
  EXPECT_EQ(code(err), risk_errc::order_notional);
  EXPECT_EQ(text(err), "order_notional: max order notional: 2001 x 5 = 10005, limit 10000");
  EXPECT_EQ(gate_.recent_orders(0), 0); // a refusal does not count
  auto huge = gate_.check(side::buy, INT64_MAX / 2, 3, exposure_, states_, 0);
  EXPECT_EQ(code(huge), risk_errc::order_notional);
  EXPECT_NE(text(huge).find("overflows"), std::string::npos);
}

TEST_F(risk_gate_test, position_counts_open_orders_on_the_same_side) {
  exposure_.position = 6;
  exposure_.open_buy_qty = 3;
  auto err = gate_.check(side::buy, 100, 2, exposure_, states_, 0);
  EXPECT_EQ(code(err), risk_errc::position_limit);
  EXPECT_EQ(text(err), "position_limit: max position: position 6 with 3 open and this buy of 2 "
                       "could reach 11, limit 10");
  EXPECT_EQ(text(gate_.check(side::buy, 100, 1, exposure_, states_, 0)), "accepted");
  // Selling reduces: fine even far beyond the long limit's other side.
  EXPECT_EQ(text(gate_.check(side::sell, 100, 16, exposure_, states_, 0)), "accepted");
  exposure_.open_sell_qty = 16;
  EXPECT_EQ(code(gate_.check(side::sell, 100, 1, exposure_, states_, 0)),
            risk_errc::position_limit); // 6 - 16 - 1 = -11
}

TEST_F(risk_gate_test, over_the_limit_an_order_that_reduces_still_passes) {
  exposure_.position = 14; // the limit was lowered under an open position
  EXPECT_EQ(code(gate_.check(side::buy, 100, 1, exposure_, states_, 0)), risk_errc::position_limit);
  EXPECT_EQ(text(gate_.check(side::sell, 100, 2, exposure_, states_, 0)), "accepted");
  // ... but not through zero to a large position the other way.
  EXPECT_EQ(code(gate_.check(side::sell, 100, 27, exposure_, states_, 0)),
            risk_errc::position_limit); // 14 - 27 = -13
  EXPECT_EQ(text(gate_.check(side::sell, 100, 24, exposure_, states_, 0)), "accepted"); // -10
}

TEST_F(risk_gate_test, open_orders_limit) {
  exposure_.open_orders = 4;
  auto err = gate_.check(side::buy, 100, 1, exposure_, states_, 0);
  EXPECT_EQ(code(err), risk_errc::open_orders);
  EXPECT_EQ(text(err), "open_orders: max open orders: 4 open, limit 4");
}

TEST_F(risk_gate_test, the_order_rate_is_a_sliding_window) {
  for (int64_t t : {0, 10'000, 20'000})
    ASSERT_EQ(text(gate_.check(side::buy, 100, 1, exposure_, states_, t)), "accepted");
  auto err = gate_.check(side::buy, 100, 1, exposure_, states_, 59'999);
  EXPECT_EQ(code(err), risk_errc::order_rate);
  EXPECT_EQ(text(err),
            "order_rate: order rate limit: 3 orders in the last 1m, limit 3 (ORDER_RATE_LIMIT)");
  // The first one leaves the window at 60 s exactly.
  EXPECT_EQ(text(gate_.check(side::buy, 100, 1, exposure_, states_, 60'000)), "accepted");
  EXPECT_EQ(code(gate_.check(side::buy, 100, 1, exposure_, states_, 60'001)),
            risk_errc::order_rate);
  EXPECT_EQ(gate_.recent_orders(80'000), 1); // 60,000 only: 10,000 and 20,000 left
}

TEST_F(risk_gate_test, the_rate_budget_says_how_many_orders_may_go_and_when_the_next_one_may) {
  EXPECT_EQ(gate_.rate_budget(0), 3);
  for (int64_t t : {0, 10'000, 20'000})
    ASSERT_EQ(text(gate_.check(side::buy, 100, 1, exposure_, states_, t)), "accepted");
  EXPECT_EQ(gate_.rate_budget(30'000), 0);
  EXPECT_EQ(gate_.next_allowed_ms(30'000), 60'000); // when the first leaves the window
  EXPECT_EQ(gate_.rate_budget(60'000), 1);
  EXPECT_EQ(gate_.next_allowed_ms(60'000), 60'000);
  EXPECT_EQ(gate_.rate_budget(80'000), 3);
  risk_gate unlimited{risk_limits{config::rate{0, config::milliseconds{60'000}}, 0, 0, 0}};
  EXPECT_EQ(unlimited.rate_budget(0), -1);
  EXPECT_EQ(unlimited.next_allowed_ms(5), 5);
}

TEST_F(risk_gate_test, halted_at_any_level_refuses_every_new_order_and_names_the_level) {
  states_.farm = trading_state::halted;
  auto err = gate_.check(side::sell, 100, 1, exposure_, states_, 0);
  EXPECT_EQ(code(err), risk_errc::halted);
  EXPECT_EQ(text(err), "halted: trading state HALTED (farm-wide): only cancels are accepted");
  states_.farm = trading_state::active;
  states_.user = trading_state::halted;
  EXPECT_NE(text(gate_.check(side::sell, 100, 1, exposure_, states_, 0)).find("(user)"),
            std::string::npos);
  states_.user = trading_state::reducing;
  states_.agent = trading_state::halted;
  EXPECT_NE(text(gate_.check(side::sell, 100, 1, exposure_, states_, 0)).find("HALTED (agent)"),
            std::string::npos);
  // Refusals by the kill switch do not count against the rate.
  EXPECT_EQ(gate_.recent_orders(0), 0);
}

TEST_F(risk_gate_test, reducing_lets_through_only_what_brings_the_position_towards_zero) {
  states_.user = trading_state::reducing;
  exposure_.position = 5;
  EXPECT_EQ(code(gate_.check(side::buy, 100, 1, exposure_, states_, 0)), risk_errc::reducing);
  EXPECT_EQ(text(gate_.check(side::sell, 100, 3, exposure_, states_, 0)), "accepted");
  // Never across zero, open sells included.
  exposure_.open_sell_qty = 3;
  auto err = gate_.check(side::sell, 100, 3, exposure_, states_, 0);
  EXPECT_EQ(code(err), risk_errc::reducing);
  EXPECT_EQ(text(err), "reducing: trading state REDUCING (user): a sell of 3 with 3 open on that "
                       "side does not reduce position 5 without crossing zero");
  EXPECT_EQ(text(gate_.check(side::sell, 100, 2, exposure_, states_, 0)), "accepted");
  // Flat: nothing reduces.
  exposure_ = risk_exposure{};
  EXPECT_EQ(code(gate_.check(side::sell, 100, 1, exposure_, states_, 0)), risk_errc::reducing);
  // Short: only buys.
  exposure_.position = -4;
  EXPECT_EQ(text(gate_.check(side::buy, 100, 4, exposure_, states_, 0)), "accepted");
  EXPECT_EQ(code(gate_.check(side::buy, 100, 5, exposure_, states_, 0)), risk_errc::reducing);
}

TEST_F(risk_gate_test, malformed_orders_and_trading_state_names) {
  EXPECT_EQ(code(gate_.check(side::buy, 100, 0, exposure_, states_, 0)), risk_errc::invalid_order);
  EXPECT_EQ(code(gate_.check(side::buy, 0, 1, exposure_, states_, 0)), risk_errc::invalid_order);
  trading_state st = trading_state::active;
  EXPECT_TRUE(parse_trading_state("HALTED", st));
  EXPECT_EQ(st, trading_state::halted);
  EXPECT_TRUE(parse_trading_state("reducing", st));
  EXPECT_EQ(st, trading_state::reducing);
  EXPECT_FALSE(parse_trading_state("paused", st));
  EXPECT_EQ(most_restrictive(trading_state::reducing, trading_state::active),
            trading_state::reducing);
  EXPECT_EQ(most_restrictive(trading_state::reducing, trading_state::halted),
            trading_state::halted);
}

TEST_F(risk_gate_test, no_limit_configured_means_no_limit) {
  risk_gate open{risk_limits{config::rate{0, config::milliseconds{60'000}}, 0, 0, 0}};
  exposure_.position = 1'000'000;
  exposure_.open_orders = 1'000;
  for (int k = 0; k < 1'000; ++k)
    ASSERT_EQ(text(open.check(side::buy, 1'000'000, 1'000, exposure_, states_, 0)), "accepted");
}

} // namespace
} // namespace tfarm::actors
