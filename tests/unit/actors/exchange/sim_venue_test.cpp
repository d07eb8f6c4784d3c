// The simulated venue on its own: its seeded market, the replay of
// recorded trades, and fault injection as a session sees it.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "actors/exchange/sim_venue.hpp"
#include "tests/unit/actors/exchange/exchange_fixture.hpp"

namespace tfarm::test {
namespace {

using actors::exchange_errc;
using actors::side;

// Two venues with the same seed and a busy market of simulated participants.
const char* busy_market = R"(
[exchange]
request_timeout = "200ms"
retry_max = 2
backoff_min = "1ms"
backoff_max = "5ms"
  [[exchange.venue]]
  name = "sim-a"
  symbols = ["BTC-USD"]
  seed = 7
    [exchange.venue.market_data]
    interval = "5ms"
    start_price = 100000
    volatility_bps = 20
    depth = 3
    level_qty = 5
    taker_rate = 1.0
  [[exchange.venue]]
  name = "sim-b"
  symbols = ["BTC-USD"]
  seed = 7
    [exchange.venue.market_data]
    interval = "5ms"
    start_price = 100000
    volatility_bps = 20
    depth = 3
    level_qty = 5
    taker_rate = 1.0
  [[exchange.session]]
  venue = "sim-a"
  account = "acct1"
)";

class sim_venue_test : public exchange_fixture {
protected:
  void SetUp() override {}

  /// The first `n` trades a venue publishes after subscribing.
  std::vector<actors::trade_tick> trades(const std::string& name, size_t n,
                                         std::vector<actors::book_top>* tops = nullptr) {
    caf::scoped_actor sub{node_->system()};
    sub->request(venue(name), std::chrono::seconds{10}, actors::md_subscribe_atom_v,
                 std::vector<std::string>{"BTC-USD"}, caf::actor_cast<caf::actor>(sub))
        .receive([](std::vector<actors::book_top>&) {},
                 [](caf::error& err) { FAIL() << to_string(err); });
    std::vector<actors::trade_tick> out;
    bool timed_out = false;
    while (out.size() < n && !timed_out)
      sub->receive([&](actors::trade_tick& t) { out.push_back(t); },
                   [&](actors::book_top& t) {
                     if (tops)
                       tops->push_back(t);
                   },
                   caf::after(std::chrono::seconds{10}) >> [&] { timed_out = true; });
    return out;
  }
};

TEST_P(sim_venue_test, participants_quote_and_trade_and_the_same_seed_gives_the_same_market) {
  start(busy_market);
  // One subscriber on both venues (started together, both seed 7).
  caf::scoped_actor sub{node_->system()};
  for (auto name : {"sim-a", "sim-b"})
    sub->request(venue(name), std::chrono::seconds{10}, actors::md_subscribe_atom_v,
                 std::vector<std::string>{"BTC-USD"}, caf::actor_cast<caf::actor>(sub))
        .receive([](std::vector<actors::book_top>&) {},
                 [](caf::error& err) { FAIL() << to_string(err); });
  std::map<std::string, std::map<uint64_t, actors::trade_tick>> seen;
  size_t tops = 0;
  bool timed_out = false;
  while ((seen["sim-a"].size() < 40 || seen["sim-b"].size() < 40) && !timed_out)
    sub->receive([&](actors::trade_tick& t) { seen[t.venue][t.seq] = t; },
                 [&](actors::book_top& t) {
                   ++tops;
                   if (t.bid > 0 && t.ask > 0) {
                     EXPECT_LT(t.bid, t.ask) << "crossed book at seq " << t.seq;
                   }
                 },
                 caf::after(std::chrono::seconds{10}) >> [&] { timed_out = true; });
  ASSERT_FALSE(timed_out);
  EXPECT_GT(tops, 0u);
  // Equal seeds, equal markets: every trade number both streams hold is
  // the same trade.
  size_t overlap = 0;
  for (auto& [seq, t] : seen["sim-a"]) {
    auto i = seen["sim-b"].find(seq);
    if (i == seen["sim-b"].end())
      continue;
    ++overlap;
    EXPECT_EQ(t.price, i->second.price) << "trade " << seq;
    EXPECT_EQ(t.qty, i->second.qty) << "trade " << seq;
    EXPECT_EQ(t.aggressor, i->second.aggressor) << "trade " << seq;
  }
  EXPECT_GE(overlap, 10u);
  // A session's market order sweeps the participants' quotes.
  auto x = place("acct1", [] {
    auto r = limit("sweep", side::buy, 0, 3);
    r.type = actors::order_type::market;
    return r;
  }());
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->filled, 3);
  EXPECT_EQ(x->state, actors::order_state::filled);
}

// Timers are in a typed interface only because CAF needs them there: one
// sent by anyone but the actor itself is ignored (a forged market-data tick
// used to move the market and start another tick chain each time).
TEST_P(sim_venue_test, a_timer_from_outside_is_ignored) {
  std::string config = busy_market;
  for (int i = 0; i < 2; ++i)
    config.replace(config.find("interval = \"5ms\""), 16, "interval = \"1h\"");
  start(config);
  auto seq_now = [&] {
    caf::scoped_actor sub{node_->system()};
    uint64_t seq = 0;
    sub->request(venue("sim-a"), std::chrono::seconds{10}, actors::md_subscribe_atom_v,
                 std::vector<std::string>{"BTC-USD"}, caf::actor_cast<caf::actor>(sub))
        .receive(
            [&](std::vector<actors::book_top>& tops) {
              if (!tops.empty())
                seq = tops.front().seq;
            },
            [](caf::error& err) { FAIL() << to_string(err); });
    return seq;
  };
  auto before = seq_now();
  caf::scoped_actor intruder{node_->system()};
  for (int i = 0; i < 20; ++i) {
    intruder->send(venue("sim-a"), actors::md_tick_atom_v);
    caf::anon_send(venue("sim-a"), actors::md_tick_atom_v);
  }
  // The venue handles messages in order: the answer comes after the ticks.
  EXPECT_EQ(seq_now(), before) << "a forged tick moved the market";
}

// A venue's memory holds recent orders, not its whole life: a closed order
// is answered for during the retention (status, and a copy refused as a
// duplicate), then forgotten once its expiry is past too, and a copy that
// comes later is refused as expired, never placed. An order without an
// expiry is kept.
TEST_P(sim_venue_test, a_closed_order_is_forgotten_after_the_retention_and_never_placed_again) {
  start(exchange_test_config);
  auto v = venue("sim-a");
  ASSERT_TRUE(v);
  auto now = node_->context().clock().unix_ms();
  auto order = [&](const std::string& id, int64_t expires_at_ms) {
    actors::order_request r;
    r.client_order_id = id;
    r.account = "acct1";
    r.venue = "sim-a";
    r.symbol = "BTC-USD";
    r.s = side::buy;
    r.type = actors::order_type::limit;
    r.price = 1; // far below the market: it rests
    r.qty = 1;
    r.expires_at_ms = expires_at_ms;
    return r;
  };
  for (auto [id, expiry] : {std::pair{"brief", now + 10'000}, std::pair{"lasting", int64_t{0}}}) {
    auto placed = ask_actor<actors::order_report>(v, order(id, expiry));
    ASSERT_TRUE(placed) << to_string(placed.error());
    ASSERT_EQ(placed->state, actors::order_state::open);
    auto cancelled = ask_actor<actors::order_report>(v, actors::cancel_order_atom_v,
                                                     std::string{"acct1"}, std::string{id});
    ASSERT_TRUE(cancelled) << to_string(cancelled.error());
  }
  // Within the retention: answered for, and a copy is a duplicate.
  advance_clock(std::chrono::milliseconds{actors::sim_closed_order_retention_ms_default / 2});
  ASSERT_TRUE(at_venue("sim-a", "acct1", "brief"));
  auto copy = ask_actor<actors::order_report>(v, order("brief", now + 10'000));
  ASSERT_FALSE(copy);
  EXPECT_EQ(actors::exchange_reason(copy.error()), exchange_errc::duplicate_order);
  // Past it: forgotten (at the venue's next request or market step).
  advance_clock(std::chrono::milliseconds{actors::sim_closed_order_retention_ms_default});
  auto forgotten = at_venue("sim-a", "acct1", "brief");
  ASSERT_FALSE(forgotten);
  EXPECT_EQ(actors::exchange_reason(forgotten.error()), exchange_errc::unknown_order);
  auto late = ask_actor<actors::order_report>(v, order("brief", now + 10'000));
  ASSERT_TRUE(late) << to_string(late.error());
  EXPECT_EQ(late->state, actors::order_state::rejected);
  EXPECT_NE(late->reason.find("expired"), std::string::npos) << late->reason;
  auto gone = at_venue("sim-a", "acct1", "lasting");
  ASSERT_TRUE(gone) << "an order without an expiry was forgotten";
  EXPECT_EQ(gone->state, actors::order_state::cancelled);
}

TEST_P(sim_venue_test, recorded_trades_are_replayed_in_order) {
  auto csv = dir_.file("trades.csv");
  std::ofstream{csv} << "symbol,price,qty,side\nBTC-USD,101,2,buy\nBTC-USD,99,1,sell\n"
                        "BTC-USD,100,4,buy\n";
  std::string config = busy_market;
  config.replace(config.find("taker_rate = 1.0\n"), 17,
                 "taker_rate = 1.0\n    replay = \"" + csv + "\"\n");
  // One replayed trade per 300 ms: the test subscribes long before the
  // first (a busy machine must not make it miss one).
  config.replace(config.find("interval = \"5ms\""), 16, "interval = \"300ms\"");
  start(config);
  auto t = trades("sim-a", 3);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].price, 101);
  EXPECT_EQ(t[0].qty, 2);
  EXPECT_EQ(t[0].aggressor, side::buy);
  EXPECT_EQ(t[1].price, 99);
  EXPECT_EQ(t[1].aggressor, side::sell);
  EXPECT_EQ(t[2].price, 100);
  EXPECT_EQ(t[2].qty, 4);
}

TEST_P(sim_venue_test, injected_latency_delays_every_answer) {
  start(exchange_test_config);
  actors::venue_faults f;
  f.latency_us = 60'000;
  set_faults("sim-a", f);
  auto t0 = std::chrono::steady_clock::now();
  auto pong = ask_actor<int64_t>(venue("sim-a"), actors::ping_atom_v);
  ASSERT_TRUE(pong);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds{60});
  auto x = place("acct1", limit("slow", side::buy, 100, 1));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_GE(status("acct1").latency_ewma_us, 60'000);
}

TEST_P(sim_venue_test, disconnect_windows_come_and_go_and_sessions_follow) {
  start(exchange_test_config);
  actors::venue_faults f;
  f.disconnect_every_ms = 200;
  f.disconnect_for_ms = 100;
  set_faults("sim-a", f);
  // The venue is unreachable inside a window and answers outside one.
  auto refused = [&] {
    auto x = ask_actor<int64_t>(venue("sim-a"), actors::ping_atom_v);
    return !x && actors::exchange_reason(x.error()) == exchange_errc::disconnected;
  };
  ASSERT_TRUE(eventually(refused));
  ASSERT_TRUE(eventually([&] { return !refused(); }));
  ASSERT_TRUE(eventually(refused));
  // A session that meets a window fails over, and comes back between them.
  ASSERT_TRUE(eventually([&] {
    place("acct1", limit("win" + std::to_string(std::rand()), side::buy, 100, 1));
    auto s = status("acct1");
    return s.failovers >= 1 && s.failbacks >= 1;
  }));
  // Faults cleared: no more windows.
  set_faults("sim-a", actors::venue_faults{});
  for (int k = 0; k < 20; ++k)
    EXPECT_FALSE(refused());
}

TEST_P(sim_venue_test, rate_limit_replies_are_retried_then_reported_with_the_attempts) {
  // No heartbeat: a ping that passes would end the run of failures that
  // fails the session over.
  start(exchange_test_config_quiet());
  wait_connected("acct2");
  actors::venue_faults f;
  f.rate_limit_ppm = 1'000'000; // every submission
  set_faults("sim-a", f);
  auto x = place("acct2", limit("rl", side::buy, 100, 1));
  // Three failures fail the session over to sim-b, where the order lands.
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->venue, "sim-b");
  // A session whose backup refuses too gives up, saying why and how often.
  set_faults("sim-b", f);
  auto y = place("acct2", limit("rl2", side::buy, 100, 1));
  ASSERT_FALSE(y);
  EXPECT_EQ(actors::exchange_reason(y.error()), exchange_errc::rate_limited);
  EXPECT_NE(runtime::to_text(y.error()).find("not placed after 4 attempts"), std::string::npos)
      << runtime::to_text(y.error());
  EXPECT_TRUE(eventually([&] { return order_status_in_db("rl2") == "rejected"; }));
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, sim_venue_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

} // namespace tfarm::test
