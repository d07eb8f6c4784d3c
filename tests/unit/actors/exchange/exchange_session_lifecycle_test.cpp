// An order's lifecycle in the session is decided on facts, never on timing:
// no stale "never saw it" closes an order on its way, cancels wait for the
// acknowledgement, an order no venue knows becomes final and is recorded,
// fills are recorded with the order's filled quantity, and every report
// from a venue is checked before anyone books it.
#include <chrono>

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "config/limits.hpp"
#include "persistence/database.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/crash_request.hpp"
#include "tests/unit/actors/exchange/exchange_fixture.hpp"

namespace tfarm::test {
namespace {

using actors::exchange_errc;
using actors::order_state;
using actors::side;

class exchange_session_lifecycle_test : public exchange_fixture {
protected:
  caf::expected<actors::order_report> status_of(const std::string& account, const std::string& id) {
    return ask_actor<actors::order_report>(session(account), actors::order_status_atom_v,
                                           std::string{id});
  }

  caf::expected<actors::order_report> cancel(const std::string& account, const std::string& id) {
    return ask_actor<actors::order_report>(session(account), actors::cancel_order_atom_v,
                                           std::string{id});
  }

  int64_t filled_in_db(const std::string& id) {
    return count_rows("SELECT filled FROM orders WHERE client_order_id = '" + id + "'");
  }

  /// A new incarnation of sim-a runs and answers (its epoch is durable).
  bool venue_ready(const actors::venue_actor& old) {
    auto v = venue("sim-a");
    if (!v || v == old)
      return false;
    auto x = at_venue("sim-a", "acct1", "no-such-order");
    return !x && actors::exchange_reason(x.error()) == exchange_errc::unknown_order;
  }

  /// sim-a with one token a second and a burst of one: a second order
  /// waits in the session's queue.
  static std::string one_token_config() {
    std::string config = exchange_test_config;
    std::string fast = "rate_per_s = 100000\n  burst = 100000";
    config.replace(config.find(fast), fast.size(), "rate_per_s = 1\n  burst = 1");
    return config;
  }

  int64_t alerts(const std::string& action) {
    return count_rows("SELECT COUNT(*) FROM audit_logs WHERE action = '" + action + "'");
  }
};

TEST_P(exchange_session_lifecycle_test, a_status_while_the_order_is_on_its_way_is_never_unknown) {
  // The first submission is refused before processing, but its answer is
  // slow: a status query sent meanwhile would hear "never saw it" from the
  // venue, and the retry would then place the order after all. The session
  // answers from what it knows until every attempt is answered.
  actors::venue_faults f;
  f.fail_next = 1;
  f.latency_us = 100'000;
  set_faults("sim-a", f);
  caf::anon_send(session("acct1"), limit("w1", side::buy, 100, 1));
  // Asked at once: the session takes the order first (one mailbox), and its
  // first attempt is answered only 100 ms later. (Waiting for the record's
  // "pending" first missed that window on a loaded machine.)
  auto early = status_of("acct1", "w1");
  ASSERT_TRUE(early) << runtime::to_text(early.error());
  EXPECT_EQ(early->state, order_state::pending);
  // Once placed it is open, never closed on the stale answer.
  EXPECT_TRUE(eventually([&] {
    auto x = status_of("acct1", "w1");
    return x && x->state == order_state::open;
  }));
  EXPECT_TRUE(at_venue("sim-a", "acct1", "w1"));
  EXPECT_EQ(order_status_in_db("w1"), "open");
}

TEST_P(exchange_session_lifecycle_test, a_cancel_before_the_acknowledgement_follows_it) {
  // The venue takes the order and its answer is lost: the session learns of
  // it only from a status query after its timeout (200 ms). A cancel
  // meanwhile must not be lost: the order is cancelled once acknowledged.
  actors::venue_faults lost;
  lost.drop_next = 1;
  set_faults("sim-a", lost);
  caf::anon_send(session("acct1"), limit("c1", side::buy, 100, 2));
  EXPECT_TRUE(eventually([&] { return static_cast<bool>(at_venue("sim-a", "acct1", "c1")); }));
  auto c = cancel("acct1", "c1");
  ASSERT_TRUE(c) << runtime::to_text(c.error());
  EXPECT_FALSE(is_final(c->state)) << "answered with what is known: not acknowledged yet";
  EXPECT_TRUE(eventually([&] { return order_status_in_db("c1") == "cancelled"; }))
      << order_status_in_db("c1");
  auto v = at_venue("sim-a", "acct1", "c1");
  ASSERT_TRUE(v) << runtime::to_text(v.error());
  EXPECT_EQ(v->state, order_state::cancelled);
}

TEST_P(exchange_session_lifecycle_test, a_cancel_of_an_order_still_queued_keeps_it_from_leaving) {
  // No rate budget: orders wait in the session's queue.
  restart(one_token_config());
  ASSERT_TRUE(place("acct1", limit("q0", side::buy, 100, 1))) << "takes the only token";
  caf::anon_send(session("acct1"), limit("q1", side::buy, 100, 1));
  EXPECT_TRUE(eventually([&] { return order_status_in_db("q1") == "pending"; }));
  // Recorded is not yet queued: the session learns of the record after the
  // database has it.
  ASSERT_TRUE(eventually([&] { return status("acct1").queued == 1; }));
  auto c = cancel("acct1", "q1");
  ASSERT_TRUE(c) << runtime::to_text(c.error());
  EXPECT_EQ(c->state, order_state::cancelled);
  EXPECT_EQ(c->reason, "cancelled before it was sent");
  EXPECT_TRUE(eventually([&] { return order_status_in_db("q1") == "cancelled"; }));
  EXPECT_FALSE(at_venue("sim-a", "acct1", "q1")) << "it never left";
}

TEST_P(exchange_session_lifecycle_test, an_order_a_reset_venue_lost_becomes_final_and_recorded) {
  auto o = place("acct1", limit("r1", side::buy, 100, 2));
  ASSERT_TRUE(o) << runtime::to_text(o.error());
  ASSERT_EQ(o->state, order_state::open);
  // The venue restarts empty (a venue-side reset).
  auto old = venue("sim-a");
  caf::anon_send(caf::actor_cast<caf::actor>(old), runtime::crash_request{"test: venue reset"});
  EXPECT_TRUE(eventually([&] { return venue_ready(old); }));
  auto s = status_of("acct1", "r1");
  ASSERT_TRUE(s) << runtime::to_text(s.error());
  EXPECT_EQ(s->state, order_state::cancelled);
  EXPECT_NE(s->reason.find("known to no venue any more"), std::string::npos) << s->reason;
  EXPECT_TRUE(eventually([&] { return order_status_in_db("r1") == "cancelled"; }));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id = 'r1' AND "
                       "reason LIKE 'known to no venue any more%'"),
            1);
}

TEST_P(exchange_session_lifecycle_test,
       a_restarted_session_closes_what_no_venue_has_by_its_record) {
  auto o = place("acct1", limit("s1", side::buy, 100, 2));
  ASSERT_TRUE(o);
  // The session and the venue both restart: neither remembers s1.
  auto old_session = session("acct1");
  auto old_venue = venue("sim-a");
  caf::anon_send(caf::actor_cast<caf::actor>(old_venue), runtime::crash_request{"test"});
  caf::anon_send(caf::actor_cast<caf::actor>(old_session), runtime::crash_request{"test"});
  EXPECT_TRUE(eventually([&] {
    auto x = session("acct1");
    return x && x != old_session && venue_ready(old_venue);
  }));
  auto s = status_of("acct1", "s1");
  ASSERT_TRUE(s) << runtime::to_text(s.error());
  EXPECT_EQ(s->state, order_state::cancelled) << "it was open: the venue lost it";
  EXPECT_TRUE(eventually([&] { return order_status_in_db("s1") == "cancelled"; }));
  auto unknown = status_of("acct1", "never-recorded");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(actors::exchange_reason(unknown.error()), exchange_errc::unknown_order);
}

TEST_P(exchange_session_lifecycle_test, an_order_no_venue_has_is_in_doubt_until_its_expiry_passed) {
  // A member recorded d1 and d2, sent them, and died: its copies may still
  // be on their way to sim-a. A session that never held them has only the
  // records: "never placed" now would release money the copies can spend.
  auto created = node_->context().clock().unix_ms();
  ASSERT_TRUE(record_pending_order("d1", "acct1", "sim-a", 100, 1, created));
  ASSERT_TRUE(record_pending_order("d2", "acct1", "sim-a", 100, 1, created));
  auto copy = [&](const std::string& id) {
    auto r = limit(id, side::buy, 100, 1);
    r.account = "acct1";
    r.expires_at_ms = created + config::order_send_window_ms;
    return ask_actor<actors::order_report>(venue("sim-a"), r);
  };
  for (auto id : {"d1", "d2"}) {
    auto s = status_of("acct1", id);
    ASSERT_TRUE(s) << runtime::to_text(s.error());
    EXPECT_EQ(s->state, order_state::unknown) << s->reason;
    EXPECT_NE(s->reason.find("may still reach venue sim-a"), std::string::npos) << s->reason;
  }
  EXPECT_EQ(order_status_in_db("d1"), "pending") << "nothing decided yet";
  // d1's copy arrives in time: it is placed, and its status says so.
  auto placed = copy("d1");
  ASSERT_TRUE(placed) << runtime::to_text(placed.error());
  EXPECT_EQ(placed->state, order_state::open);
  auto s1 = status_of("acct1", "d1");
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->state, order_state::open);
  // Past d2's expiry and the skew allowed, no copy can be placed any more.
  advance_clock(
      std::chrono::milliseconds{config::order_send_window_ms + config::order_clock_skew_ms + 1});
  auto s2 = status_of("acct1", "d2");
  ASSERT_TRUE(s2) << runtime::to_text(s2.error());
  EXPECT_EQ(s2->state, order_state::rejected);
  EXPECT_NE(s2->reason.find("never placed"), std::string::npos) << s2->reason;
  EXPECT_TRUE(eventually([&] { return order_status_in_db("d2") == "rejected"; }));
  // A copy that arrives now is refused and remembered: never in the book.
  auto late = copy("d2");
  ASSERT_TRUE(late) << runtime::to_text(late.error());
  EXPECT_EQ(late->state, order_state::rejected);
  EXPECT_NE(late->reason.find("expired: arrived"), std::string::npos) << late->reason;
  auto again = copy("d2");
  ASSERT_FALSE(again);
  EXPECT_EQ(actors::exchange_reason(again.error()), exchange_errc::duplicate_order);
  auto v = at_venue("sim-a", "acct1", "d2");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->state, order_state::rejected);
  EXPECT_EQ(v->filled, 0);
}

TEST_P(exchange_session_lifecycle_test, an_order_that_cannot_leave_within_its_window_is_not_sent) {
  // One token: q1 waits in the queue past its send window.
  restart(one_token_config());
  ASSERT_TRUE(place("acct1", limit("q0", side::buy, 100, 1))) << "takes the only token";
  caf::scoped_actor self{node_->system()};
  self->send(session("acct1"), limit("q1", side::buy, 100, 1));
  ASSERT_TRUE(eventually([&] { return status("acct1").queued == 1; }));
  advance_clock(std::chrono::milliseconds{config::order_send_window_ms});
  caf::expected<actors::order_report> x{caf::error{}};
  self->receive([&](actors::order_report& r) { x = r; }, [&](caf::error& err) { x = err; },
                caf::after(std::chrono::seconds{10}) >> [&] { x = caf::error{}; });
  ASSERT_FALSE(x) << "q1 left after its window";
  EXPECT_EQ(actors::exchange_reason(x.error()), exchange_errc::order_expired)
      << runtime::to_text(x.error());
  EXPECT_TRUE(eventually([&] { return order_status_in_db("q1") == "rejected"; }));
  EXPECT_FALSE(at_venue("sim-a", "acct1", "q1")) << "it never left";
}

TEST_P(exchange_session_lifecycle_test, fills_are_recorded_with_the_venue_and_the_filled_quantity) {
  ASSERT_TRUE(place("acct1", limit("m1", side::sell, 1'000, 5)));
  ASSERT_TRUE(place("acct2", limit("t1", side::buy, 1'000, 3)));
  EXPECT_TRUE(eventually([&] { return filled_in_db("m1") == 3 && filled_in_db("t1") == 3; }));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM fills WHERE venue = 'sim-a'"), 2);
  // Every order's filled quantity is the sum of its recorded fills.
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders o WHERE filled != (SELECT COALESCE(SUM(qty), "
                       "0) FROM fills f WHERE f.client_order_id = o.client_order_id)"),
            0);
  // Fill ids carry the venue's epoch: a restarted venue never repeats one.
  auto first = count_rows("SELECT COUNT(DISTINCT substr(venue_fill_id, 1, instr(venue_fill_id, "
                          "'.'))) FROM fills");
  EXPECT_EQ(first, 1) << text_of("SELECT group_concat(venue_fill_id) FROM fills");
  auto old = venue("sim-a");
  caf::anon_send(caf::actor_cast<caf::actor>(old), runtime::crash_request{"test"});
  // Both sessions fail over to sim-b while sim-a restarts, then come back.
  EXPECT_TRUE(eventually([&] {
    return venue_ready(old) && status("acct1").active == "sim-a" &&
           status("acct2").active == "sim-a";
  }));
  ASSERT_TRUE(place("acct1", limit("m2", side::sell, 1'000, 1)));
  ASSERT_TRUE(place("acct2", limit("t2", side::buy, 1'000, 1)));
  EXPECT_TRUE(eventually([&] { return count_rows("SELECT COUNT(*) FROM fills") == 4; }));
  EXPECT_EQ(count_rows("SELECT COUNT(DISTINCT venue_fill_id) FROM fills WHERE venue = 'sim-a'"), 4)
      << "the second incarnation numbers its trades from 1 again, under a new epoch: "
      << text_of("SELECT group_concat(venue_fill_id) FROM fills");
}

// Holds the store's tables locked from another connection of the test, so
// that the store's writes fail (SQLite: busy past its busy timeout;
// PostgreSQL: past its statement timeout) until it goes.
class store_lock {
public:
  store_lock(backend b, const std::string& db) {
    auto conn = persistence::open_database(db);
    if (!conn)
      throw std::runtime_error(runtime::to_text(conn.error()));
    conn_ = std::move(*conn);
    if (b == backend::sqlite) {
      conn_->exec("BEGIN EXCLUSIVE");
    } else {
      conn_->exec("BEGIN");
      conn_->exec("LOCK TABLE orders, fills IN EXCLUSIVE MODE");
    }
  }
  ~store_lock() { conn_->exec("ROLLBACK"); }

private:
  std::unique_ptr<persistence::sql_connection> conn_;
};

// A session records a fill together with its order's status. When the
// store fails that write it is sent again at the next heartbeat, but the
// order's next update may reach the store first: with a filled quantity
// the store cannot match with fills, it would be refused (a critical
// incident, the agent restrained, for a fill that was fine). The next
// update carries the fills the store has not confirmed.
TEST_P(exchange_session_lifecycle_test, a_fill_whose_recording_failed_goes_with_the_next_update) {
  // No heartbeat during the test: the update that follows comes first.
  restart(exchange_test_config_quiet() +
          "[store]\nbusy_timeout = \"100ms\"\nstatement_timeout = \"300ms\"\n");
  wait_connected("acct1");
  ASSERT_TRUE(place("acct1", limit("r1", side::sell, 1'000, 2)));
  ASSERT_TRUE(eventually([&] { return order_status_in_db("r1") == "open"; }));
  // acct2's orders go to the venue past its session: only r1's session
  // records what they do.
  auto cross = [&](const std::string& id) {
    auto r = limit(id, side::buy, 1'000, 1);
    r.account = "acct2";
    auto x = ask_actor<actors::order_report>(venue("sim-a"), r);
    ASSERT_TRUE(x) << runtime::to_text(x.error());
    EXPECT_EQ(x->filled, 1);
  };
  {
    store_lock lock{GetParam(), db_};
    cross("x1");
    ASSERT_TRUE(eventually([&] { return status("acct1").unrecorded == 1; }))
        << "the first fill's write did not fail";
  }
  cross("x2");
  EXPECT_TRUE(eventually([&] { return order_status_in_db("r1") == "filled"; }))
      << order_status_in_db("r1");
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM fills WHERE client_order_id = 'r1'"), 2);
  EXPECT_EQ(filled_in_db("r1"), 2);
  EXPECT_EQ(alerts("exchange.fill_refused"), 0);
  EXPECT_EQ(alerts("exchange.record_failed"), 0);
}

TEST_P(exchange_session_lifecycle_test, reports_from_anyone_but_its_venues_are_refused) {
  ASSERT_TRUE(place("acct1", limit("f1", side::sell, 1'000, 5)));
  // Anyone on the node can send a session a report of a "fill".
  actors::order_report fake;
  fake.client_order_id = "f1";
  fake.venue = "sim-a";
  fake.state = order_state::filled;
  fake.qty = 5;
  fake.filled = 5;
  actors::venue_fill fill;
  fill.fill_id = "1.1:m";
  fill.client_order_id = "f1";
  fill.s = side::sell;
  fill.price = 1'000;
  fill.qty = 5;
  fake.fills.push_back(fill);
  caf::scoped_actor intruder{node_->system()};
  intruder->send(session("acct1"), actors::order_update_atom_v, fake);
  EXPECT_TRUE(eventually([&] { return alerts("exchange.report_refused") == 1; }));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM fills"), 0);
  EXPECT_EQ(order_status_in_db("f1"), "open");
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, exchange_session_lifecycle_test,
                         testing::ValuesIn(test::backends), test::backend_name{});

} // namespace tfarm::test
