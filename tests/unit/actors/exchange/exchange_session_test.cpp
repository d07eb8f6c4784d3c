// The exchange session against simulated venues on a real node: order
// flow and durability of client order ids, the error taxonomy, retries,
// the timeout path, failover and failback, rate limiting, market data and
// credentials.
#include <chrono>
#include <cstdlib>
#include <fstream>

#include <caf/scoped_actor.hpp>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "actors/exchange/secret_box.hpp"
#include "actors/exchange/sim_venue.hpp"
#include "config/limits.hpp"
#include "persistence/credentials.hpp"
#include "runtime/clock.hpp"
#include "runtime/crash_request.hpp"
#include "runtime/status_json.hpp"
#include "tests/unit/actors/exchange/exchange_fixture.hpp"

namespace tfarm::test {
namespace {

using actors::exchange_errc;
using actors::order_state;
using actors::side;

class exchange_session_test : public exchange_fixture {};

/// Subscribes `sub` to BTC-USD through `session` as an agent does: again
/// after a failure, up to 20 times. The session's venue requests time out
/// after 200 ms here, which a loaded machine's venue can miss (its answer
/// then comes as request_timeout).
std::vector<actors::book_top> subscribe_btc(caf::scoped_actor& sub,
                                            const actors::exchange_session_actor& session) {
  constexpr int attempts = 20;
  std::vector<actors::book_top> tops;
  std::string last_error;
  for (int k = 0; k < attempts; ++k) {
    bool done = false;
    sub->request(session, std::chrono::seconds{10}, actors::md_subscribe_atom_v,
                 std::vector<std::string>{"BTC-USD"}, caf::actor_cast<caf::actor>(sub))
        .receive(
            [&](std::vector<actors::book_top>& x) {
              tops = std::move(x);
              done = true;
            },
            [&](caf::error& err) { last_error = runtime::to_text(err); });
    if (done)
      return tops;
  }
  ADD_FAILURE() << "no subscription in " << attempts << " attempts: " << last_error;
  return tops;
}

TEST_P(exchange_session_test, orders_rest_cross_and_fill_with_fees_and_durable_records) {
  auto maker = place("acct1", limit("m1", side::sell, 1'000, 5));
  ASSERT_TRUE(maker) << runtime::to_text(maker.error());
  EXPECT_EQ(maker->state, order_state::open);
  EXPECT_EQ(maker->venue, "sim-a");
  EXPECT_EQ(maker->account, "acct1");
  // The maker's session forwards later fills to whoever placed the order.
  caf::scoped_actor owner{node_->system()};
  {
    // Re-place through `owner` so that it is the order's owner.
    owner->request(session("acct1"), std::chrono::seconds{10}, limit("m2", side::sell, 1'001, 5))
        .receive([](actors::order_report&) {}, [](caf::error& err) { FAIL() << to_string(err); });
  }
  auto taker = place("acct2", limit("t1", side::buy, 1'001, 8));
  ASSERT_TRUE(taker) << runtime::to_text(taker.error());
  EXPECT_EQ(taker->state, order_state::filled);
  EXPECT_EQ(taker->filled, 8);
  EXPECT_EQ(taker->notional, 5 * 1'000 + 3 * 1'001);
  ASSERT_EQ(taker->fills.size(), 2u);
  EXPECT_EQ(taker->fills[0].price, 1'000); // price-time priority: best price first
  EXPECT_FALSE(taker->fills[0].maker);
  EXPECT_EQ(taker->fills[0].fee, 5); // ceil(5,000 * 10 bps)
  // m2 filled 3 of 5: its owner hears of it.
  bool heard = false;
  owner->receive(
      [&](actors::order_update_atom, actors::order_report& rep) {
        heard = true;
        EXPECT_EQ(rep.client_order_id, "m2");
        EXPECT_EQ(rep.state, order_state::partially_filled);
        EXPECT_EQ(rep.filled, 3);
        ASSERT_EQ(rep.fills.size(), 1u);
        EXPECT_TRUE(rep.fills[0].maker);
        EXPECT_EQ(rep.fills[0].fee, 2); // ceil(3,003 * 5 bps)
      },
      caf::after(std::chrono::seconds{10}) >> [] {});
  EXPECT_TRUE(heard);
  // Orders and fills are in the store, statuses follow the venue.
  EXPECT_TRUE(eventually([&] { return order_status_in_db("t1") == "filled"; }))
      << order_status_in_db("t1");
  EXPECT_TRUE(eventually([&] { return order_status_in_db("m1") == "filled"; }))
      << order_status_in_db("m1");
  EXPECT_TRUE(eventually([&] { return order_status_in_db("m2") == "partially_filled"; }));
  EXPECT_TRUE(eventually([&] {
    return count_rows("SELECT COUNT(*) FROM fills") == 4; // two fills, both sides
  }));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE account = 'acct1'"), 2);
  // Cancel the rest of m2.
  auto c = ask_actor<actors::order_report>(session("acct1"), actors::cancel_order_atom_v,
                                           std::string{"m2"});
  ASSERT_TRUE(c) << runtime::to_text(c.error());
  EXPECT_EQ(c->state, order_state::cancelled);
  EXPECT_EQ(c->filled, 3);
  // Cancelled again (or after a fill won the race): answered with the final
  // report, every fill listed, not with an error.
  auto again = ask_actor<actors::order_report>(session("acct1"), actors::cancel_order_atom_v,
                                               std::string{"m2"});
  ASSERT_TRUE(again) << runtime::to_text(again.error());
  EXPECT_EQ(again->state, order_state::cancelled);
  EXPECT_EQ(again->filled, 3);
  EXPECT_EQ(again->fills.size(), 1u);
}

TEST_P(exchange_session_test, bad_orders_are_refused_with_the_rule_and_never_recorded) {
  auto bad_qty = place("acct1", limit("b1", side::buy, 100, 0));
  ASSERT_FALSE(bad_qty);
  EXPECT_EQ(actors::exchange_reason(bad_qty.error()), exchange_errc::invalid_order);
  EXPECT_NE(runtime::to_text(bad_qty.error()).find("quantity must be positive, got 0"),
            std::string::npos);
  auto bad_price = place("acct1", limit("b2", side::buy, -5, 1));
  ASSERT_FALSE(bad_price);
  EXPECT_NE(runtime::to_text(bad_price.error()).find("limit price must be positive, got -5"),
            std::string::npos);
  auto no_id = place("acct1", limit("", side::buy, 100, 1));
  ASSERT_FALSE(no_id);
  EXPECT_NE(runtime::to_text(no_id.error()).find("client order id must be 1 to 64"),
            std::string::npos);
  auto r = limit("b3", side::buy, 100, 1);
  r.symbol = "DOGE-USD";
  auto bad_symbol = place("acct1", r);
  ASSERT_FALSE(bad_symbol);
  EXPECT_EQ(actors::exchange_reason(bad_symbol.error()), exchange_errc::invalid_order);
  EXPECT_NE(runtime::to_text(bad_symbol.error()).find("does not trade symbol 'DOGE-USD'"),
            std::string::npos);
  EXPECT_FALSE(actors::is_retryable(bad_symbol.error()));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id IN ('b1','b2','')"), 0);
  // b3 was recorded (the venue refused it) and is marked rejected.
  EXPECT_TRUE(eventually([&] { return order_status_in_db("b3") == "rejected"; }));
}

TEST_P(exchange_session_test, a_client_order_id_is_never_used_for_two_orders) {
  ASSERT_TRUE(place("acct1", limit("d1", side::buy, 100, 1)));
  auto other = place("acct1", limit("d1", side::buy, 101, 1));
  ASSERT_FALSE(other);
  EXPECT_NE(runtime::to_text(other.error()).find("d1"), std::string::npos);
  EXPECT_FALSE(actors::is_retryable(other.error()));
  // The same order again is answered, not placed again.
  auto same = place("acct1", limit("d1", side::buy, 100, 1));
  ASSERT_TRUE(same) << runtime::to_text(same.error());
  EXPECT_EQ(same->state, order_state::open);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id = 'd1'"), 1);
}

TEST_P(exchange_session_test, retryable_refusals_are_retried_with_backoff_then_succeed) {
  // The two failures must be the order's: no heartbeat, the logon done.
  restart(exchange_test_config_quiet());
  wait_connected("acct1");
  actors::venue_faults f;
  f.fail_next = 2;
  set_faults("sim-a", f);
  auto x = place("acct1", limit("r1", side::buy, 100, 1));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->state, order_state::open);
  auto s = status("acct1");
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.active, "sim-a"); // two failures: below failover_after (3)
  EXPECT_EQ(s.consecutive_failures, 0u);
  EXPECT_NE(s.last_error.find("unavailable"), std::string::npos) << s.last_error;
}

TEST_P(exchange_session_test, a_lost_answer_makes_the_order_unknown_and_its_status_settles_it) {
  actors::venue_faults f;
  f.drop_next = 1; // the venue takes the order, its answer is lost
  set_faults("sim-a", f);
  auto x = place("acct1", limit("u1", side::buy, 100, 2));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->state, order_state::open);
  auto s = status("acct1");
  EXPECT_EQ(s.timeouts, 1u);
  EXPECT_EQ(s.unknown_resolved, 1u);
  EXPECT_EQ(s.retries, 0u);
  // Placed once: the venue holds one order u1 with the full quantity, and
  // a second submission of u1 would have been refused as a duplicate.
  auto v = at_venue("sim-a", "acct1", "u1");
  ASSERT_TRUE(v) << runtime::to_text(v.error());
  EXPECT_EQ(v->qty, 2);
  auto direct = ask_actor<actors::order_report>(venue("sim-a"), [] {
    auto r = limit("u1", side::buy, 100, 2);
    r.account = "acct1";
    return r;
  }());
  ASSERT_FALSE(direct);
  EXPECT_EQ(actors::exchange_reason(direct.error()), exchange_errc::duplicate_order);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id = 'u1'"), 1);
}

TEST_P(exchange_session_test, an_unanswerable_status_leaves_the_order_unknown_never_resent) {
  // Every answer of sim-a now comes after the session's 200 ms timeout:
  // the order is taken, its answer and every status answer are late.
  actors::venue_faults slow;
  slow.latency_us = 1'000'000;
  set_faults("sim-a", slow);
  auto r = place("acct1", limit("u2", side::buy, 100, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(actors::exchange_reason(r.error()), exchange_errc::order_unknown)
      << runtime::to_text(r.error());
  EXPECT_NE(runtime::to_text(r.error()).find("not resubmitted"), std::string::npos);
  EXPECT_EQ(status("acct1").retries, 0u);
  // It was never sent to the backup venue, whatever the failover did.
  EXPECT_FALSE(at_venue("sim-b", "acct1", "u2"));
  EXPECT_TRUE(eventually([&] { return order_status_in_db("u2") == "unknown"; }));
  // Once the venue answers in time, the caller's retry of the same order
  // settles it by its status: one order, on sim-a, never placed again.
  set_faults("sim-a", actors::venue_faults{});
  auto retried = place("acct1", limit("u2", side::buy, 100, 1));
  ASSERT_TRUE(retried) << runtime::to_text(retried.error());
  EXPECT_EQ(retried->venue, "sim-a");
  EXPECT_EQ(retried->state, order_state::open);
  EXPECT_EQ(status("acct1").unknown_resolved, 1u);
  auto later = ask_actor<actors::order_report>(session("acct1"), actors::order_status_atom_v,
                                               std::string{"u2"});
  ASSERT_TRUE(later) << runtime::to_text(later.error());
  EXPECT_EQ(later->state, order_state::open);
  EXPECT_TRUE(eventually([&] { return order_status_in_db("u2") == "open"; }));
}

TEST_P(exchange_session_test, an_order_of_unknown_fate_stays_on_its_venue_even_after_failover) {
  // sim-a takes p1 and its answer is lost; then sim-a restarts (empty, as
  // after a venue reset): the session fails over to sim-b meanwhile. Its
  // status query finds no p1 on sim-a, so p1 is sent again -- to sim-a,
  // never to sim-b, where nothing could refuse it as a duplicate.
  actors::venue_faults f;
  f.drop_next = 1;
  set_faults("sim-a", f);
  caf::scoped_actor self{node_->system()};
  self->send(session("acct1"), limit("p1", side::buy, 100, 1));
  ASSERT_TRUE(eventually([&] { return static_cast<bool>(at_venue("sim-a", "acct1", "p1")); }));
  auto before = venue("sim-a");
  caf::anon_send(caf::actor_cast<caf::actor>(before), runtime::crash_request{"venue reset"});
  caf::expected<actors::order_report> x{caf::error{}};
  self->receive([&](actors::order_report& r) { x = r; }, [&](caf::error& err) { x = err; },
                caf::after(std::chrono::seconds{10}) >> [&] { x = caf::error{}; });
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->venue, "sim-a");
  EXPECT_EQ(x->state, order_state::open);
  EXPECT_GE(status("acct1").failovers, 1u);
  EXPECT_FALSE(at_venue("sim-b", "acct1", "p1"));
  EXPECT_TRUE(at_venue("sim-a", "acct1", "p1"));
}

TEST_P(exchange_session_test, failover_on_disconnect_and_automatic_failback) {
  actors::venue_faults down;
  down.disconnected = true;
  set_faults("sim-a", down);
  auto x = place("acct1", limit("f1", side::buy, 100, 1));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->venue, "sim-b");
  auto s = status("acct1");
  EXPECT_TRUE(s.on_backup);
  EXPECT_EQ(s.active, "sim-b");
  EXPECT_EQ(s.state, "failed_over");
  EXPECT_EQ(s.failovers, 1u);
  EXPECT_TRUE(eventually([&] {
    return count_rows(
               "SELECT COUNT(*) FROM audit_logs WHERE action = 'exchange.failover' AND "
               "detail = 'acct1: sim-a -> sim-b (disconnected: venue sim-a is disconnected)'") == 1;
  }));
  // The primary heals: after two healthy probes the session goes back.
  set_faults("sim-a", actors::venue_faults{});
  ASSERT_TRUE(eventually([&] { return status("acct1").active == "sim-a"; }));
  s = status("acct1");
  EXPECT_EQ(s.failbacks, 1u);
  EXPECT_EQ(s.state, "connected");
  auto y = place("acct1", limit("f2", side::buy, 100, 1));
  ASSERT_TRUE(y);
  EXPECT_EQ(y->venue, "sim-a");
  // acct1's own failback (acct2's heartbeat may have seen sim-a go and come
  // back too, with a failback of its own).
  EXPECT_TRUE(eventually([&] {
    return count_rows("SELECT COUNT(*) FROM audit_logs WHERE action = 'exchange.failback' AND "
                      "detail LIKE 'acct1: %'") == 1;
  }));
}

TEST_P(exchange_session_test, a_quiet_session_notices_its_venues_going_away_and_coming_back) {
  // No order flows: only the session's heartbeat can notice. Both venues
  // go away, so failing over does not make it connected either.
  auto entry = node_->context().registry().find(actors::session_path("sim-a", "acct1"));
  ASSERT_TRUE(entry);
  // Read as the monitor reads it (starting, the session has not published
  // yet: not connected).
  auto published = [&] {
    auto st = runtime::read_status<actors::exchange_status>(entry->snapshot());
    EXPECT_TRUE(st || runtime::status_pending(st.error())) << runtime::to_text(st.error());
    return st ? *st : actors::exchange_status{};
  };
  ASSERT_TRUE(eventually([&] { return published().connected; }));
  actors::venue_faults down;
  down.disconnected = true;
  set_faults("sim-a", down);
  set_faults("sim-b", down);
  ASSERT_TRUE(eventually([&] {
    auto st = published();
    return !st.connected && st.state == "disconnected" && st.on_backup;
  }));
  EXPECT_FALSE(status("acct1").connected);
  // Only the backup comes back: the session is connected on it.
  set_faults("sim-b", actors::venue_faults{});
  ASSERT_TRUE(eventually([&] {
    auto st = published();
    return st.connected && st.state == "failed_over";
  }));
  // The primary too: it goes back and stays connected.
  set_faults("sim-a", actors::venue_faults{});
  ASSERT_TRUE(eventually([&] {
    auto st = published();
    return st.connected && st.state == "connected" && !st.on_backup;
  }));
}

TEST_P(exchange_session_test, failover_after_consecutive_failures_keeps_the_order) {
  // The three consecutive failures must all be the order's: no heartbeat.
  restart(exchange_test_config_quiet());
  wait_connected("acct1");
  actors::venue_faults f;
  f.fail_next = 100;
  set_faults("sim-a", f);
  auto x = place("acct1", limit("g1", side::sell, 100, 1));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->venue, "sim-b"); // refused three times on sim-a, then placed on sim-b
  auto s = status("acct1");
  EXPECT_EQ(s.failovers, 1u);
  EXPECT_EQ(s.retries, 3u);
  EXPECT_FALSE(at_venue("sim-a", "acct1", "g1"));
}

TEST_P(exchange_session_test, test_and_recover_operations) {
  // A venue answers once its epoch is durable: on a loaded store that can
  // be after the first test's 200 ms timeout.
  caf::expected<actors::exchange_status> t{caf::error{}};
  EXPECT_TRUE(eventually([&] {
    t = ask_actor<actors::exchange_status>(session("acct1"), actors::session_test_atom_v);
    return static_cast<bool>(t);
  }));
  ASSERT_TRUE(t) << runtime::to_text(t.error());
  EXPECT_GT(t->last_test_us, 0);
  EXPECT_TRUE(t->connected);
  // Manual failover state: primary down, then recover brings it back.
  actors::venue_faults down;
  down.disconnected = true;
  set_faults("sim-a", down);
  auto failed = ask_actor<actors::exchange_status>(session("acct2"), actors::session_test_atom_v);
  if (failed) {
    // The venue's news of its disconnect reached the session before the
    // test did: it failed over, and its backup answered the test.
    EXPECT_EQ(failed->active, "sim-b");
  } else {
    EXPECT_NE(runtime::to_text(failed.error()).find("did not answer the test"), std::string::npos);
  }
  set_faults("sim-a", actors::venue_faults{});
  auto r = ask_actor<actors::exchange_status>(session("acct2"), actors::session_recover_atom_v);
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  EXPECT_EQ(r->active, "sim-a");
  EXPECT_EQ(r->consecutive_failures, 0u);
}

TEST_P(exchange_session_test, a_restarted_session_never_places_a_known_order_twice) {
  ASSERT_TRUE(place("acct1", limit("k1", side::buy, 100, 1)));
  auto before = session("acct1");
  caf::anon_send(caf::actor_cast<caf::actor>(before), runtime::crash_request{"test"});
  ASSERT_TRUE(eventually([&] {
    auto now = session("acct1");
    return now && now != before;
  }));
  // The new incarnation does not know k1; the store does: it asks the
  // venues, finds it, and answers without placing it again.
  auto again = place("acct1", limit("k1", side::buy, 100, 1));
  ASSERT_TRUE(again) << runtime::to_text(again.error());
  EXPECT_EQ(again->state, order_state::open);
  EXPECT_EQ(status("acct1").unknown_resolved, 1u);
  // An id recorded but never sent (lost before it left) is sent.
  ASSERT_TRUE(record_pending_order("k2", "acct1", "sim-a", 100, 1));
  auto k2 = place("acct1", limit("k2", side::buy, 100, 1));
  ASSERT_TRUE(k2) << runtime::to_text(k2.error());
  EXPECT_EQ(k2->state, order_state::open);
  EXPECT_TRUE(at_venue("sim-a", "acct1", "k2"));
  // A used id with another order behind it is refused, and the stored
  // order is left as it was.
  before = session("acct1");
  caf::anon_send(caf::actor_cast<caf::actor>(before), runtime::crash_request{"test"});
  ASSERT_TRUE(eventually([&] {
    auto now = session("acct1");
    return now && now != before;
  }));
  auto other = place("acct1", limit("k1", side::buy, 105, 1));
  ASSERT_FALSE(other);
  EXPECT_EQ(actors::exchange_reason(other.error()), exchange_errc::duplicate_order);
  EXPECT_NE(runtime::to_text(other.error())
                .find("client order id k1 was used before for another order (acct1: buy 1 "
                      "BTC-USD limit at 100)"),
            std::string::npos)
      << runtime::to_text(other.error());
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id = 'k1' AND price = 100 "
                       "AND status = 'open'"),
            1);
}

// An order whose record was written with its reservation a moment ago
// leaves without a second record (one commit before it leaves, not two);
// one whose record is past its send window never works at a venue, and one
// refused before it leaves has its record closed.
TEST_P(exchange_session_test, an_order_recorded_with_its_money_leaves_on_that_record) {
  auto now = runtime::unix_now_ms();
  ASSERT_TRUE(record_pending_order("w1", "acct1", "sim-a", 100, 1, now));
  auto r = limit("w1", side::buy, 100, 1);
  r.recorded_at_ms = now;
  auto placed = place("acct1", r);
  ASSERT_TRUE(placed) << runtime::to_text(placed.error());
  EXPECT_EQ(placed->state, order_state::open);
  EXPECT_TRUE(at_venue("sim-a", "acct1", "w1"));
  EXPECT_EQ(status("acct1").unknown_resolved, 0u) << "no venue was asked first";
  EXPECT_TRUE(eventually([&] { return order_status_in_db("w1") == "open"; }));
  // Recorded long ago: past its send window, it never leaves.
  auto old = now - 10 * config::order_send_window_ms;
  ASSERT_TRUE(record_pending_order("w2", "acct1", "sim-a", 100, 1, old));
  r = limit("w2", side::buy, 100, 1);
  r.recorded_at_ms = old;
  auto stale = place("acct1", r);
  ASSERT_TRUE(stale) << runtime::to_text(stale.error());
  EXPECT_EQ(stale->state, order_state::rejected) << actors::to_string(stale->state);
  auto there = at_venue("sim-a", "acct1", "w2");
  EXPECT_TRUE(!there || there->state == order_state::rejected) << "never working at a venue";
  EXPECT_TRUE(eventually([&] { return order_status_in_db("w2") == "rejected"; }));
  // Refused by the session: its record closes as rejected.
  ASSERT_TRUE(record_pending_order("w3", "acct1", "sim-a", 100, 1, now));
  r = limit("w3", side::buy, 100, 1);
  r.symbol.clear();
  r.recorded_at_ms = now;
  ASSERT_FALSE(place("acct1", r));
  EXPECT_TRUE(eventually([&] { return order_status_in_db("w3") == "rejected"; }));
}

TEST_P(exchange_session_test, market_data_fans_out_to_subscribers_by_symbol) {
  caf::scoped_actor sub{node_->system()};
  auto tops = subscribe_btc(sub, session("acct1"));
  ASSERT_EQ(tops.size(), 1u);
  ASSERT_TRUE(place("acct2", limit("md1", side::sell, 500, 2)));
  ASSERT_TRUE(place("acct1", limit("md2", side::buy, 500, 1)));
  bool top_seen = false;
  bool trade_seen = false;
  for (int k = 0; k < 10 && !(top_seen && trade_seen); ++k)
    sub->receive([&](actors::book_top& t) { top_seen = top_seen || t.ask == 500; },
                 [&](actors::trade_tick& t) {
                   trade_seen = true;
                   EXPECT_EQ(t.price, 500);
                   EXPECT_EQ(t.qty, 1);
                   EXPECT_EQ(t.aggressor, side::buy);
                 },
                 [](actors::order_update_atom, actors::order_report&) {},
                 caf::after(std::chrono::seconds{5}) >> [] {});
  EXPECT_TRUE(top_seen);
  EXPECT_TRUE(trade_seen);
  // An unknown symbol is refused by name.
  auto bad = ask_actor<std::vector<actors::book_top>>(session("acct1"), actors::md_subscribe_atom_v,
                                                      std::vector<std::string>{"XRP-USD"},
                                                      caf::actor_cast<caf::actor>(sub));
  ASSERT_FALSE(bad);
  EXPECT_NE(runtime::to_text(bad.error()).find("XRP-USD"), std::string::npos);
}

TEST_P(exchange_session_test, market_data_a_venue_garbles_is_dropped_and_counted) {
  caf::scoped_actor sub{node_->system()};
  ASSERT_EQ(subscribe_btc(sub, session("acct1")).size(), 1u);
  auto active = status("acct1").active;
  // As the active venue would push them: a crossed top, a trade at price
  // 0, then a sane top marked by its ask.
  actors::book_top crossed{active, "BTC-USD", 600, 1, 500, 1, 550, 1'000'000, 0};
  actors::trade_tick free_trade{active, "BTC-USD", 0, 5, side::buy, 1'000'001, 0};
  actors::book_top sane{active, "BTC-USD", 400, 1, 777, 1, 550, 1'000'002, 0};
  caf::anon_send(session("acct1"), crossed);
  caf::anon_send(session("acct1"), free_trade);
  caf::anon_send(session("acct1"), sane);
  bool sane_seen = false;
  for (int k = 0; k < 50 && !sane_seen; ++k)
    sub->receive(
        [&](actors::book_top& t) {
          EXPECT_LT(t.bid, t.ask) << "a crossed top reached an agent";
          sane_seen = sane_seen || t.ask == 777;
        },
        [&](actors::trade_tick& t) { EXPECT_GT(t.price, 0) << "a trade at 0 reached an agent"; },
        [](actors::order_update_atom, actors::order_report&) {},
        caf::after(std::chrono::seconds{5}) >> [] {});
  EXPECT_TRUE(sane_seen);
  ASSERT_TRUE(eventually([&] { return status("acct1").market_data_refused == 2; }))
      << status("acct1").market_data_refused;
}

TEST_P(exchange_session_test, the_token_bucket_holds_orders_back_to_the_venue_rate) {
  stop();
  std::string config = exchange_test_config;
  // Session on sim-a: 20 orders a second, burst 5.
  auto at = config.find("rate_per_s = 100000\n  burst = 100000");
  config.replace(at, std::string{"rate_per_s = 100000\n  burst = 100000"}.size(),
                 "rate_per_s = 20\n  burst = 5");
  start(config);
  auto t0 = std::chrono::steady_clock::now();
  caf::scoped_actor self{node_->system()};
  for (int k = 0; k < 9; ++k)
    self->send(session("acct1"), limit("rl" + std::to_string(k), side::buy, 100, 1));
  int answered = 0;
  for (int k = 0; k < 9; ++k)
    self->receive([&](actors::order_report&) { ++answered; },
                  [](caf::error& err) { FAIL() << to_string(err); },
                  caf::after(std::chrono::seconds{10}) >> [] { FAIL() << "no answer"; });
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(answered, 9);
  // 5 at once, 4 more at 20/s: at least 4/20 s = 200 ms (minus rounding).
  EXPECT_GE(elapsed, std::chrono::milliseconds{190});
  EXPECT_LE(status("acct1").rate_budget, 5);
}

// -- credentials -------------------------------------------------------------------

class exchange_credentials_test : public exchange_fixture {
protected:
  void SetUp() override {
    key_file_ = dir_.file("master.key");
    std::ofstream{key_file_} << key_hex_ << "\n";
    ::chmod(key_file_.c_str(), 0600);
    ::unsetenv("TFARM_MASTER_KEY");
  }

  void start_with_credentials(const std::string& key_file) {
    std::string config = exchange_test_config;
    config.replace(config.find("failback_probes = 2\n"), 20,
                   "failback_probes = 2\nmaster_key_file = \"" + key_file + "\"\n");
    auto at = config.find("backup = \"sim-b\"\n");
    config.replace(at, 17, "backup = \"sim-b\"\n  credentials = true\n");
    start(config);
  }

  void store_credential(const std::string& secret) {
    auto box = actors::secret_box::from_hex(key_hex_);
    ASSERT_TRUE(box);
    auto sealed = box->seal(secret, "sim-a/acct1/k1");
    ASSERT_TRUE(sealed);
    // The database exists once a node ran on it.
    persistence::credential_record c;
    c.venue = "sim-a";
    c.account = "acct1";
    c.key_id = "k1";
    c.sealed = *sealed;
    c.nonce =
        sealed->substr(1 + actors::secret_box::fingerprint_bytes, actors::secret_box::nonce_bytes);
    uint64_t rotated = 0;
    ASSERT_FALSE(persistence::put_credential(db_, c, "operator", rotated));
  }

  std::string key_hex_ = std::string(64, 'a');
  std::string key_file_;
};

TEST_P(exchange_credentials_test, a_stored_credential_logs_the_session_on) {
  start_with_credentials(key_file_);
  stop();
  store_credential("s3cr3t-api-secret");
  start_with_credentials(key_file_);
  ASSERT_TRUE(eventually([&] { return status("acct1").connected; }));
  auto x = place("acct1", limit("c1", side::buy, 100, 1));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->state, order_state::open);
  // acct2 has no credential: refused, and the reason names it.
  auto y = place("acct2", limit("c2", side::buy, 100, 1));
  ASSERT_FALSE(y);
  EXPECT_EQ(actors::exchange_reason(y.error()), exchange_errc::authentication_failed);
  EXPECT_NE(runtime::to_text(y.error()).find("no active credential for sim-a/acct2"),
            std::string::npos)
      << runtime::to_text(y.error());
  EXPECT_EQ(status("acct2").state, "auth_failed");
  // The secret appears nowhere in the audit log.
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM audit_logs WHERE detail LIKE '%s3cr3t%'"), 0);
}

TEST_P(exchange_credentials_test, a_restarted_venue_gets_a_new_logon) {
  start_with_credentials(key_file_);
  stop();
  store_credential("s3cr3t-api-secret");
  start_with_credentials(key_file_);
  ASSERT_TRUE(eventually([&] { return status("acct1").connected; }));
  auto before = venue("sim-a");
  caf::anon_send(caf::actor_cast<caf::actor>(before), runtime::crash_request{"test"});
  // The new incarnation knows no logon: the session logs on again and,
  // after its failover to sim-b, comes back.
  ASSERT_TRUE(eventually([&] {
    auto s = status("acct1");
    return s.failovers == 1 && s.failbacks == 1 && s.active == "sim-a" && s.connected;
  })) << status("acct1").state;
  auto x = place("acct1", limit("c3", side::buy, 100, 1));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->venue, "sim-a");
}

// One actor's requests to a venue: the venue binds challenges and logons to
// the asking actor, so each "connection" here is one scoped actor.
class venue_client {
public:
  venue_client(caf::actor_system& sys, actors::venue_actor v) : self_(sys), venue_(std::move(v)) {}

  template <class T, class... Ts>
  caf::expected<T> ask(Ts&&... xs) {
    caf::expected<T> result{caf::error{}};
    self_->request(venue_, std::chrono::seconds{10}, std::forward<Ts>(xs)...)
        .receive([&](T& x) { result = std::move(x); },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  std::string challenge(const std::string& account) {
    auto nonce = ask<std::string>(actors::logon_challenge_atom_v, account);
    EXPECT_TRUE(nonce) << runtime::to_text(nonce.error());
    return nonce ? *nonce : std::string{};
  }

  caf::expected<bool> logon(const std::string& account, const std::string& proof) {
    return ask<bool>(actors::logon_atom_v, account, std::string{"k1"}, proof);
  }

private:
  caf::scoped_actor self_;
  actors::venue_actor venue_;
};

std::string error_text(const caf::expected<bool>& x) {
  return x ? std::string{"accepted"} : runtime::to_text(x.error());
}

TEST_P(exchange_credentials_test, a_logon_answers_a_fresh_challenge_and_binds_the_connection) {
  start_with_credentials(key_file_);
  stop();
  const std::string secret = "s3cr3t-api-secret";
  store_credential(secret);
  start_with_credentials(key_file_);
  ASSERT_TRUE(eventually([&] { return status("acct1").connected; }));
  using box = actors::secret_box;
  auto proof = [&](const std::string& with, const std::string& nonce) {
    return box::logon_proof(with, "acct1", "k1", nonce);
  };
  venue_client mallory{node_->system(), venue("sim-a")};
  venue_client eve{node_->system(), venue("sim-a")};
  // No challenge asked: even the right secret is refused.
  auto r = mallory.logon("acct1", proof(secret, "0123456789abcdef0123456789abcdef"));
  EXPECT_NE(error_text(r).find("no logon challenge of this connection"), std::string::npos)
      << error_text(r);
  // A wrong secret is refused, and its nonce is spent: replaying the right
  // proof for it fails too.
  auto nonce = mallory.challenge("acct1");
  EXPECT_EQ(nonce.size(), 2 * actors::logon_nonce_bytes);
  r = mallory.logon("acct1", proof("guessed", nonce));
  EXPECT_NE(error_text(r).find("does not answer the challenge"), std::string::npos)
      << error_text(r);
  r = mallory.logon("acct1", proof(secret, nonce));
  EXPECT_NE(error_text(r).find("no logon challenge"), std::string::npos) << error_text(r);
  // A challenge is the asker's: another actor cannot answer it.
  nonce = mallory.challenge("acct1");
  r = eve.logon("acct1", proof(secret, nonce));
  EXPECT_NE(error_text(r).find("no logon challenge"), std::string::npos) << error_text(r);
  // The session is still the one logged on: its orders pass.
  ASSERT_TRUE(place("acct1", limit("b1", side::buy, 100, 1)));
  // A logon with the secret takes the account over; from then on only that
  // connection trades for it, and only it may log the account off.
  nonce = eve.challenge("acct1");
  r = eve.logon("acct1", proof(secret, nonce));
  ASSERT_TRUE(r) << error_text(r);
  auto refused = place("acct1", limit("b2", side::buy, 100, 1));
  ASSERT_FALSE(refused);
  EXPECT_NE(runtime::to_text(refused.error()).find("logged on through another connection"),
            std::string::npos)
      << runtime::to_text(refused.error());
  auto off = mallory.ask<bool>(actors::logoff_atom_v, std::string{"acct1"});
  ASSERT_TRUE(off);
  EXPECT_FALSE(*off);
  off = eve.ask<bool>(actors::logoff_atom_v, std::string{"acct1"});
  ASSERT_TRUE(off);
  EXPECT_TRUE(*off);
}

TEST_P(exchange_credentials_test, a_logged_off_session_refuses_orders_until_it_recovers) {
  start_with_credentials(key_file_);
  stop();
  store_credential("s3cr3t-api-secret");
  start_with_credentials(key_file_);
  ASSERT_TRUE(eventually([&] { return status("acct1").connected; }));
  auto resting = place("acct1", limit("r1", side::buy, 100, 1));
  ASSERT_TRUE(resting);
  auto n = ask_actor<uint32_t>(session("acct1"), actors::logoff_atom_v, std::string{"drill"});
  ASSERT_TRUE(n) << runtime::to_text(n.error());
  EXPECT_EQ(*n, 1u); // sim-a needs credentials; sim-b does not
  auto refused = place("acct1", limit("r2", side::buy, 100, 1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(actors::exchange_reason(refused.error()), exchange_errc::authentication_failed);
  EXPECT_NE(runtime::to_text(refused.error()).find("logged off: drill"), std::string::npos)
      << runtime::to_text(refused.error());
  EXPECT_FALSE(at_venue("sim-a", "acct1", "r2"));
  // Cancels still pass: a lockdown leaves no order in doubt.
  auto cancelled = ask_actor<actors::order_report>(session("acct1"), actors::cancel_order_atom_v,
                                                   std::string{"r1"});
  ASSERT_TRUE(cancelled) << runtime::to_text(cancelled.error());
  EXPECT_EQ(cancelled->state, order_state::cancelled);
  // The venue forgot the logon: another connection's order for the account
  // is refused as not logged on.
  venue_client other{node_->system(), venue("sim-a")};
  auto direct_order = limit("r3", side::buy, 100, 1);
  direct_order.account = "acct1";
  auto direct = other.ask<actors::order_report>(direct_order);
  ASSERT_FALSE(direct);
  // Recovery logs on again with the stored credential.
  auto back = ask_actor<actors::exchange_status>(session("acct1"), actors::session_recover_atom_v);
  ASSERT_TRUE(back) << runtime::to_text(back.error());
  ASSERT_TRUE(eventually([&] { return status("acct1").connected; }));
  ASSERT_TRUE(place("acct1", limit("r4", side::buy, 100, 1)));
}

TEST_P(exchange_credentials_test, a_wrong_master_key_is_a_clear_error) {
  start_with_credentials(key_file_);
  stop();
  store_credential("s3cr3t-api-secret");
  auto wrong = dir_.file("wrong.key");
  std::ofstream{wrong} << std::string(64, 'b') << "\n";
  ::chmod(wrong.c_str(), 0600);
  start_with_credentials(wrong);
  ASSERT_TRUE(eventually([&] { return status("acct1").state == "auth_failed"; }));
  EXPECT_NE(status("acct1").last_error.find("wrong master key"), std::string::npos)
      << status("acct1").last_error;
  auto x = place("acct1", limit("w1", side::buy, 100, 1));
  ASSERT_FALSE(x);
  EXPECT_EQ(actors::exchange_reason(x.error()), exchange_errc::authentication_failed);
  EXPECT_FALSE(at_venue("sim-a", "acct1", "w1"));
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, exchange_credentials_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

INSTANTIATE_TEST_SUITE_P(backends, exchange_session_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

} // namespace tfarm::test
