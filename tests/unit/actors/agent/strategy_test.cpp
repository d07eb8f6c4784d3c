// The built-in strategies alone: what they ask for on given ticks, their
// parameters, and their saved state.
#include <gtest/gtest.h>

#include "actors/agent/error.hpp"
#include "actors/agent/strategy.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {
namespace {

market_tick tick(int64_t mid) {
  market_tick t;
  t.symbol = "BTC-USD";
  t.bid = mid - 1;
  t.ask = mid + 1;
  return t;
}

std::unique_ptr<strategy> make(const std::string& name,
                               const std::map<std::string, std::string>& params) {
  auto s = strategy_registry::instance().make(name);
  EXPECT_NE(s, nullptr) << name;
  if (s) {
    auto err = s->configure(params);
    EXPECT_FALSE(err) << runtime::to_text(err);
  }
  return s;
}

class strategy_test : public testing::Test {
protected:
  static void SetUpTestSuite() { register_risk_error_names(); }
};

TEST_F(strategy_test, the_registry_knows_the_built_ins_and_user_strategies) {
  auto names = strategy_registry::instance().names();
  for (auto n : {"market_maker", "mean_reversion", "sma_crossover"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_EQ(strategy_registry::instance().make("no_such"), nullptr);
  struct noop : strategy {
    std::string name() const override { return "noop"; }
    caf::error configure(const std::map<std::string, std::string>&) override { return {}; }
    void on_tick(const market_tick&, strategy_context&) override {}
    std::string save() const override { return {}; }
    caf::error restore(const std::string&, uint32_t) override { return {}; }
  };
  register_strategy<noop> reg{"noop"};
  EXPECT_NE(strategy_registry::instance().make("noop"), nullptr);
}

TEST_F(strategy_test, parameters_are_checked_by_name_and_range) {
  auto s = strategy_registry::instance().make("sma_crossover");
  auto err = s->configure({{"fast", "x"}});
  EXPECT_EQ(runtime::to_text(err),
            "bad_parameter: parameter 'fast' must be an integer from 1 to 1000, got 'x'");
  err = s->configure({{"fasst", "3"}});
  EXPECT_EQ(runtime::to_text(err), "bad_parameter: strategy sma_crossover has no parameter "
                                   "'fasst'; did you mean 'fast'? (known: fast, slow, qty)");
  err = s->configure({{"fast", "20"}, {"slow", "10"}});
  EXPECT_EQ(runtime::to_text(err),
            "bad_parameter: parameter 'fast' (20) must be less than 'slow' (10)");
  // A refused configuration changed nothing: defaults 5/20 still apply
  // (20 ticks before any signal).
  strategy_context ctx;
  for (int k = 0; k < 19; ++k)
    s->on_tick(tick(100 + k), ctx);
  EXPECT_TRUE(ctx.orders().empty());
  s->on_tick(tick(200), ctx);
  EXPECT_EQ(ctx.orders().size(), 1u);
}

TEST_F(strategy_test, a_signal_missed_while_an_order_works_is_acted_on_later) {
  auto s = make("sma_crossover", {{"fast", "2"}, {"slow", "4"}, {"qty", "1"}});
  strategy_context ctx;
  for (auto m : {100, 100, 100, 100})
    s->on_tick(tick(m), ctx);
  strategy_context busy;
  busy.open_tags = {"target"}; // an earlier order still works
  s->on_tick(tick(110), busy);
  EXPECT_TRUE(busy.orders().empty());
  strategy_context free;
  s->on_tick(tick(111), free); // no crossing now, but still off target
  ASSERT_EQ(free.orders().size(), 1u);
  EXPECT_EQ(free.orders()[0].s, side::buy);
}

TEST_F(strategy_test, a_state_saved_with_a_longer_window_is_trimmed) {
  auto wide = make("mean_reversion", {{"window", "8"}, {"threshold_bps", "100"}});
  strategy_context ctx;
  for (int k = 0; k < 8; ++k)
    wide->on_tick(tick(k < 4 ? 10'000 : 9'000), ctx);
  auto narrow = make("mean_reversion", {{"window", "4"}, {"threshold_bps", "100"}});
  ASSERT_FALSE(narrow->restore(wide->save(), 1));
  // Over the last 4 mids (9,000) the market is flat: nothing to do.
  strategy_context flat;
  narrow->on_tick(tick(9'000), flat);
  EXPECT_TRUE(flat.orders().empty());
}

TEST_F(strategy_test, sma_crossover_goes_long_then_short_on_crossings) {
  auto s = make("sma_crossover", {{"fast", "2"}, {"slow", "4"}, {"qty", "3"}});
  strategy_context ctx;
  for (auto m : {100, 100, 100, 100})
    s->on_tick(tick(m), ctx);
  EXPECT_TRUE(ctx.orders().empty()); // flat averages: no signal
  s->on_tick(tick(110), ctx);        // fast rises above slow
  ASSERT_EQ(ctx.orders().size(), 1u);
  EXPECT_EQ(ctx.orders()[0].s, side::buy);
  EXPECT_EQ(ctx.orders()[0].type, order_type::market);
  EXPECT_EQ(ctx.orders()[0].qty, 3);
  strategy_context later;
  later.position = 3;
  for (auto m : {112, 113})
    s->on_tick(tick(m), later);
  EXPECT_TRUE(later.orders().empty()); // still long: nothing new
  for (auto m : {90, 80}) {
    s->on_tick(tick(m), later);
    if (!later.orders().empty())
      later.open_tags = {"target"}; // the agent would report it working
  }
  ASSERT_EQ(later.orders().size(), 1u);
  EXPECT_EQ(later.orders()[0].s, side::sell);
  EXPECT_EQ(later.orders()[0].qty, 6); // from +3 to -3
}

TEST_F(strategy_test, market_maker_quotes_around_the_mid_and_skews_with_inventory) {
  auto s = make("market_maker",
                {{"spread_bps", "20"}, {"qty", "2"}, {"max_inventory", "4"}, {"skew_bps", "10"}});
  strategy_context flat;
  s->on_tick(tick(100'000), flat);
  ASSERT_EQ(flat.orders().size(), 2u);
  EXPECT_EQ(flat.orders()[0].tag, "bid");
  EXPECT_EQ(flat.orders()[0].price, 99'900); // 10 bps below
  EXPECT_EQ(flat.orders()[1].tag, "ask");
  EXPECT_EQ(flat.orders()[1].price, 100'100);
  // Long 2 after a fill: both quotes move down by 2 x 10 bps.
  s->on_fill(venue_fill{}, "bid", flat);
  strategy_context longer;
  longer.position = 2;
  longer.open_tags = {"ask"};
  s->on_tick(tick(100'000), longer);
  ASSERT_EQ(longer.cancels().size(), 1u);
  ASSERT_EQ(longer.orders().size(), 2u);
  EXPECT_EQ(longer.orders()[0].price, 99'700);
  // Skewed to 99,900 it would cross the best bid (99,999): it rests at
  // the touch instead.
  EXPECT_EQ(longer.orders()[1].price, 100'000);
  // At the inventory limit: no more bids.
  s->on_fill(venue_fill{}, "bid", longer);
  strategy_context full;
  full.position = 4;
  s->on_tick(tick(100'000), full);
  ASSERT_EQ(full.orders().size(), 1u);
  EXPECT_EQ(full.orders()[0].tag, "ask");
  // Quotes stay while the mid barely moves.
  strategy_context quiet;
  quiet.position = 4;
  quiet.open_tags = {"ask"};
  s->on_tick(tick(100'010), quiet);
  EXPECT_TRUE(quiet.orders().empty());
  EXPECT_TRUE(quiet.cancels().empty());
}

TEST_F(strategy_test, mean_reversion_buys_dips_sells_spikes_and_flattens) {
  auto s = make("mean_reversion", {{"window", "4"}, {"threshold_bps", "100"}, {"qty", "1"}});
  strategy_context ctx;
  for (auto m : {10'000, 10'000, 10'000})
    s->on_tick(tick(m), ctx);
  s->on_tick(tick(9'800), ctx); // mean 9,950: 150 bps below
  ASSERT_EQ(ctx.orders().size(), 1u);
  EXPECT_EQ(ctx.orders()[0].s, side::buy);
  strategy_context held;
  held.position = 1;
  s->on_tick(tick(9'950), held); // back near the mean: flatten
  ASSERT_EQ(held.orders().size(), 1u);
  EXPECT_EQ(held.orders()[0].s, side::sell);
  EXPECT_EQ(held.orders()[0].qty, 1);
  strategy_context spike;
  s->on_tick(tick(10'400), spike); // well above: short
  ASSERT_EQ(spike.orders().size(), 1u);
  EXPECT_EQ(spike.orders()[0].s, side::sell);
  // A working target order is not doubled.
  strategy_context working;
  working.open_tags = {"target"};
  s->on_tick(tick(10'500), working);
  EXPECT_TRUE(working.orders().empty());
}

TEST_F(strategy_test, saved_state_continues_exactly_and_garbage_is_refused) {
  auto a = make("sma_crossover", {{"fast", "2"}, {"slow", "4"}});
  strategy_context ctx;
  for (auto m : {100, 100, 100, 100})
    a->on_tick(tick(m), ctx);
  auto b = make("sma_crossover", {{"fast", "2"}, {"slow", "4"}});
  ASSERT_FALSE(b->restore(a->save(), a->state_version()));
  strategy_context ca;
  strategy_context cb;
  a->on_tick(tick(110), ca);
  b->on_tick(tick(110), cb);
  ASSERT_EQ(ca.orders().size(), 1u);
  ASSERT_EQ(cb.orders().size(), 1u);
  EXPECT_EQ(ca.orders()[0].qty, cb.orders()[0].qty);
  auto c = make("sma_crossover", {{"fast", "2"}, {"slow", "4"}});
  auto err = c->restore("\x01garbage", 1);
  EXPECT_TRUE(err);
  // Unchanged: a fresh strategy still needs 4 ticks before any signal.
  strategy_context cc;
  c->on_tick(tick(110), cc);
  EXPECT_TRUE(cc.orders().empty());
}

} // namespace
} // namespace tfarm::actors
