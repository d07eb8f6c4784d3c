// Vault-wide behaviour: emergency mode and transfer freeze (durable and
// audited), reconciliation, accounts started on demand, and the metrics.
#include <future>

#include <gtest/gtest.h>

#include "actors/vault/vault_params.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/crash_request.hpp"
#include "tests/unit/actors/vault/vault_fixture.hpp"

using namespace tfarm;
using actors::vault_op;

namespace {

class vault_gateway_test : public test::vault_fixture {
protected:
  void SetUp() override {
    vault_fixture::SetUp();
    open_alice_and_bob();
    ok(reserve("alice", "a1", "r1", "order-1", "USD", 100));
  }

  actors::vault_status set_mode(actors::vault_mode mode, bool on) {
    return call<actors::vault_status>(actors::vault_mode_change{mode, on, "ops-1", "drill"});
  }

  int64_t audited(const std::string& action) {
    return count_rows("SELECT COUNT(*) FROM audit_logs WHERE action = '" + action +
                      "' AND \"user\" = 'ops-1'");
  }
};

TEST_P(vault_gateway_test, emergency_mode_lets_only_fill_settlements_and_releases_through) {
  auto s = set_mode(actors::vault_mode::emergency, true);
  EXPECT_TRUE(s.emergency);
  EXPECT_EQ(audited("vault.emergency.on"), 1);
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "d2", "USD", 1)),
            "emergency_mode: the vault is in emergency mode: only fill settlements and releases of "
            "reservations pass (deposit refused)");
  EXPECT_EQ(refused(reserve("alice", "a1", "r2", "order-2", "USD", 1)).substr(0, 15),
            "emergency_mode:");
  EXPECT_EQ(refused(open("carol", "c1")).substr(0, 15), "emergency_mode:");
  // Reopening a known account moves nothing: a node restarting in
  // emergency mode does it for every account of its farm file.
  ok(open("alice", "a1"));
  EXPECT_EQ(refused(open("carol", "a1")).substr(0, 15), "account_exists:");
  // A fill that happened at a venue is booked whatever the mode.
  ok(settle("alice", "a1", "fill-1", "order-1", 100, "BTC", 1, 0));
  ok(release("alice", "a1", "rel-1", "order-1"));
  EXPECT_EQ(balance("alice", "a1", "USD").first, 900) << "balance reads pass as well";
  set_mode(actors::vault_mode::emergency, false);
  EXPECT_EQ(audited("vault.emergency.off"), 1);
  ok(op(vault_op::deposit, "alice", "a1", "d2", "USD", 1));
}

TEST_P(vault_gateway_test, a_transfer_freeze_stops_withdrawals_and_transfers_only) {
  set_mode(actors::vault_mode::transfers_frozen, true);
  EXPECT_EQ(audited("vault.transfers_frozen.on"), 1);
  EXPECT_EQ(refused(op(vault_op::withdraw, "alice", "a1", "w1", "USD", 1)),
            "transfers_frozen: transfers are frozen: no withdrawals or transfers (withdraw "
            "refused)");
  EXPECT_EQ(refused(transfer("alice", "a1", "b1", "t1", "USD", 1)).substr(0, 17),
            "transfers_frozen:");
  ok(op(vault_op::deposit, "alice", "a1", "d2", "USD", 5));
  ok(reserve("alice", "a1", "r2", "order-2", "USD", 10));
  ok(settle("alice", "a1", "f1", "order-1", 100, "BTC", 2, 0));
  ok(release("alice", "a1", "rel-2", "order-2"));
  // A key refused by a mode is not spent: it goes through once unfrozen.
  set_mode(actors::vault_mode::transfers_frozen, false);
  ok(op(vault_op::withdraw, "alice", "a1", "w1", "USD", 1));
}

TEST_P(vault_gateway_test, an_acknowledged_key_asked_again_under_a_mode_is_still_acknowledged) {
  // A client that timed out asks again by the same key: it must learn that
  // the money moved, whatever the mode is now.
  auto bob_before = balance("bob", "b1", "USD").first;
  ok(transfer("alice", "a1", "b1", "t1", "USD", 10));
  ok(op(vault_op::deposit, "alice", "a1", "d2", "USD", 7));
  set_mode(actors::vault_mode::emergency, true);
  auto again = ok(transfer("alice", "a1", "b1", "t1", "USD", 10));
  EXPECT_TRUE(again.replayed);
  EXPECT_TRUE(ok(op(vault_op::deposit, "alice", "a1", "d2", "USD", 7)).replayed);
  // A new key is refused, and not spent.
  EXPECT_EQ(refused(transfer("alice", "a1", "b1", "t2", "USD", 10)).substr(0, 15),
            "emergency_mode:");
  set_mode(actors::vault_mode::emergency, false);
  set_mode(actors::vault_mode::transfers_frozen, true);
  EXPECT_TRUE(ok(transfer("alice", "a1", "b1", "t1", "USD", 10)).replayed);
  EXPECT_EQ(refused(transfer("alice", "a1", "b1", "t2", "USD", 10)).substr(0, 17),
            "transfers_frozen:");
  set_mode(actors::vault_mode::transfers_frozen, false);
  EXPECT_FALSE(ok(transfer("alice", "a1", "b1", "t2", "USD", 10)).replayed);
  // Two transfers moved money, once each.
  EXPECT_TRUE(test::eventually([&] {
    return balance("bob", "b1", "USD").first == bob_before + 20;
  })) << balance("bob", "b1", "USD").first
      << " after " << bob_before;
}

TEST_P(vault_gateway_test, modes_survive_a_gateway_crash_and_a_node_restart) {
  set_mode(actors::vault_mode::transfers_frozen, true);
  auto before = gateway();
  caf::anon_send(caf::actor_cast<caf::actor>(before), runtime::crash_request{"test"});
  ASSERT_TRUE(test::eventually([&] { return gateway() && gateway() != before; }));
  EXPECT_EQ(refused(op(vault_op::withdraw, "alice", "a1", "w1", "USD", 1)).substr(0, 17),
            "transfers_frozen:");
  restart();
  auto s = call<actors::vault_status>(actors::vault_status_atom_v);
  EXPECT_TRUE(s.transfers_frozen);
  EXPECT_FALSE(s.emergency);
  EXPECT_EQ(s.accounts, 2u);
}

TEST_P(vault_gateway_test, a_node_restarts_in_emergency_mode_and_reopens_its_accounts) {
  set_mode(actors::vault_mode::emergency, true);
  restart();
  ok(open("alice", "a1"));
  ok(open("bob", "b1"));
  auto s = call<actors::vault_status>(actors::vault_status_atom_v);
  EXPECT_TRUE(s.emergency);
  EXPECT_EQ(s.accounts, 2u);
  EXPECT_EQ(refused(open("carol", "c1")).substr(0, 15), "emergency_mode:");
}

TEST_P(vault_gateway_test, an_unknown_mode_is_refused) {
  caf::error err;
  (*self_)
      ->request(gateway(), test::vault_test_timeout,
                actors::vault_mode_change{static_cast<actors::vault_mode>(9), true, "ops-1", ""})
      .receive([](actors::vault_status&) {}, [&](caf::error& e) { err = e; });
  EXPECT_EQ(runtime::to_text(err),
            "invalid_request: unknown vault mode 9 (known: emergency, transfers_frozen)");
}

TEST_P(vault_gateway_test, reconciliation_is_clean_and_audited_then_finds_differences) {
  ok(transfer("alice", "a1", "b1", "t1", "USD", 300));
  actors::reconcile_request req;
  req.user = "ops-1";
  auto report = call<actors::reconcile_report>(req);
  EXPECT_TRUE(report.clean);
  EXPECT_EQ(report.accounts_checked, 2u);
  EXPECT_EQ(report.actors_checked, 2u);
  EXPECT_GT(report.audit_id, 0u);
  EXPECT_EQ(audited("vault.reconcile"), 1);
  // A venue that disagrees with the ledger.
  req.venue_balances.push_back(actors::venue_balance{"sim", "b1", "USD", 250});
  req.venue_balances.push_back(actors::venue_balance{"sim", "a1", "USD", 700});
  report = call<actors::reconcile_report>(req);
  EXPECT_FALSE(report.clean);
  ASSERT_EQ(report.discrepancies.size(), 1u);
  auto& d = report.discrepancies[0];
  EXPECT_EQ(d.kind, "venue_vs_ledger");
  EXPECT_EQ(d.account, "b1");
  EXPECT_EQ(d.expected, 300);
  EXPECT_EQ(d.actual, 250);
  EXPECT_EQ(report.venue_balances_checked, 2u);
}

TEST_P(vault_gateway_test, reconciliation_finds_a_balance_that_left_its_ledger) {
  stop();
  write_directly("UPDATE balances SET amount = amount + 7 WHERE account = 'a1' AND "
                 "asset = 'USD' AND bucket = 'available'");
  start();
  actors::reconcile_request req;
  req.user = "ops-1";
  ok(op(vault_op::balance, "alice", "a1", "", "USD", 0)); // starts the account
  auto report = call<actors::reconcile_report>(req);
  EXPECT_FALSE(report.clean);
  std::set<std::string> kinds;
  for (auto& d : report.discrepancies)
    kinds.insert(d.kind + " " + d.account + " " + std::to_string(d.expected) + "->" +
                 std::to_string(d.actual));
  EXPECT_EQ(kinds.count("ledger_vs_balances a1 900->907"), 1u);
}

TEST_P(vault_gateway_test, reconciliation_proves_the_trading_record_too) {
  // An order filled at its venue, its reservation released, its fill never
  // settled: money lost without any ledger invariant broken.
  ok(release("alice", "a1", "rel-1", "order-1"));
  stop();
  write_directly("INSERT INTO orders (client_order_id, agent, account, venue, symbol, side, "
                 "type, price, qty, status, created_at, updated_at, filled) VALUES ('order-1', "
                 "'/user/a', 'a1', 'sim', 'BTC-USD', 'buy', 'limit', 50, 2, 'filled', 1, 1, 2)");
  write_directly("INSERT INTO fills (venue, client_order_id, venue_fill_id, price, qty, fee, ts) "
                 "VALUES ('sim', 'order-1', '7.1:t', 50, 2, 0, 1)");
  start();
  actors::reconcile_request req;
  req.user = "ops-1";
  auto report = call<actors::reconcile_report>(req);
  EXPECT_FALSE(report.clean);
  ASSERT_EQ(report.discrepancies.size(), 1u);
  EXPECT_EQ(report.discrepancies[0].kind, "fill_unsettled");
  EXPECT_EQ(report.discrepancies[0].account, "a1");
  EXPECT_EQ(report.discrepancies[0].detail,
            "fill sim/7.1:t of order order-1 (2 at 50) has no applied settlement in a1; its "
            "reservation is released");
  // Booked late, from available: the money is right, and the early release
  // stays on record for operators to see.
  ok(settle("alice", "a1", "settle:sim:order-1:7.1:t", "order-1", 100, "BTC", 2, 0));
  report = call<actors::reconcile_report>(req);
  ASSERT_EQ(report.discrepancies.size(), 1u);
  EXPECT_EQ(report.discrepancies[0].kind, "released_before_fill");
}

TEST_P(vault_gateway_test, reconciliation_reports_only_what_it_finds_at_both_looks) {
  confirm_ = "3s";
  restart();
  // A settlement whose fill is not on record yet: the session that reported
  // the fill retries its write, which lands while the reconciliation waits.
  ok(reserve("alice", "a1", "res-2", "order-2", "USD", 100));
  ok(settle("alice", "a1", "settle:sim:order-2:7.2:t", "order-2", 100, "BTC", 2, 0));
  actors::reconcile_request req;
  req.user = "ops-1";
  auto& sys = node_->system();
  auto gw = gateway();
  auto first = std::async(std::launch::async, [&sys, gw, req] {
    return runtime::ask<actors::reconcile_report>(sys, gw, std::chrono::seconds{30}, req);
  });
  ASSERT_TRUE(test::eventually([&] {
    return call<actors::vault_status>(actors::vault_status_atom_v).reconciling == 1;
  })) << "the first look found nothing to confirm";
  ASSERT_TRUE(record_pending_order("order-2", "a1", "sim", 50, 2));
  auto st = caf::actor_cast<persistence::store_actor>(node_->context().store());
  persistence::order_update u;
  u.client_order_id = "order-2";
  u.status = "filled";
  u.filled = 2;
  u.fills.push_back(persistence::fill_record{"sim", "7.2:t", "order-2", 50, 2, 0, 1});
  ASSERT_TRUE(
      test::ask<persistence::order_update_result>(sys, st, persistence::update_order_atom_v, u));
  auto report = first.get();
  ASSERT_TRUE(report) << runtime::to_text(report.error());
  EXPECT_TRUE(report->clean) << report->discrepancies[0].detail;
  // A settlement that stays without its fill is reported after both looks.
  ok(reserve("alice", "a1", "res-3", "order-3", "USD", 100));
  ok(settle("alice", "a1", "settle:sim:order-3:7.3:t", "order-3", 100, "BTC", 2, 0));
  auto second = call<actors::reconcile_report>(req);
  ASSERT_EQ(second.discrepancies.size(), 1u);
  EXPECT_EQ(second.discrepancies[0].kind, "settlement_without_fill");
  EXPECT_EQ(call<actors::vault_status>(actors::vault_status_atom_v).reconciling, 0u);
}

TEST_P(vault_gateway_test, metrics_count_transactions_refusals_and_latency) {
  refused(op(vault_op::withdraw, "alice", "a1", "w", "USD", 1'000'000));
  refused(op(vault_op::deposit, "alice", "zz", "x", "USD", 1));
  EXPECT_TRUE(ok(op(vault_op::deposit, "alice", "a1", "d1", "USD", 1'000)).replayed);
  auto s = call<actors::vault_status>(actors::vault_status_atom_v);
  EXPECT_EQ(s.replays, 1u) << "a replay is not a transaction of its own";
  // open x2, deposit, reserve, withdraw (refused), deposit (refused).
  EXPECT_EQ(s.transactions, 6u);
  EXPECT_EQ(s.succeeded, 4u);
  EXPECT_EQ(s.rejections["insufficient_funds"], 1u);
  EXPECT_EQ(s.rejections["unknown_account"], 1u);
  EXPECT_EQ(s.success_ppm, 666'666u);
  EXPECT_GT(s.p99_us, 0);
  EXPECT_GE(s.max_us, s.p99_us);
}

TEST_P(vault_gateway_test, accounts_start_on_demand_and_come_back_after_a_crash) {
  ok(open("carol", "c1"));
  EXPECT_FALSE(account_actor("c1")) << "not started before its first operation";
  ok(op(vault_op::deposit, "carol", "c1", "d", "ETH", 9));
  auto first = account_actor("c1");
  ASSERT_TRUE(first);
  caf::anon_send(caf::actor_cast<caf::actor>(first), runtime::crash_request{"test"});
  ASSERT_TRUE(test::eventually([&] { return restarts("c1") == 1 && account_actor("c1"); }));
  EXPECT_EQ(balance("carol", "c1", "ETH"), std::make_pair(int64_t{9}, int64_t{0}));
}

} // namespace

// A cluster's gateways (placed): the modes are the cluster's, kept in the
// store's switches. Two members' gateways on one store, each started as a
// member starts it (under /vault, beside this node's own).
class vault_gateway_shared_test : public vault_gateway_test {
protected:
  actors::vault_actor start_placed(const std::string& id) {
    auto params = actors::vault_params_for(farm_.vault);
    params.placed = true;
    return start_beside<actors::vault_actor>(runtime::spec_with(id, "vault_gateway", params));
  }

  actors::vault_status status_of(const actors::vault_actor& gw) {
    auto x = test::ask<actors::vault_status>(node_->system(), gw, actors::vault_status_atom_v);
    return x ? *x : actors::vault_status{};
  }

  caf::expected<actors::vault_status> set_mode_on(const actors::vault_actor& gw,
                                                  actors::vault_mode mode, bool on) {
    return test::ask<actors::vault_status>(node_->system(), gw,
                                           actors::vault_mode_change{mode, on, "ops-1", "drill"});
  }
};

TEST_P(vault_gateway_shared_test, a_mode_set_on_one_member_holds_on_every_member) {
  auto a = start_placed("gw-a");
  auto b = start_placed("gw-b");
  ASSERT_TRUE(a && b);
  auto s = set_mode_on(a, actors::vault_mode::emergency, true);
  ASSERT_TRUE(s) << runtime::to_text(s.error());
  EXPECT_TRUE(s->emergency);
  EXPECT_EQ(audited("vault.emergency.on"), 1);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM farm_switches WHERE name = 'vault/emergency'"), 1);
  ASSERT_TRUE(test::eventually([&] { return status_of(b).emergency; }));
  // Member b refuses what emergency mode refuses, before any account.
  auto w = test::ask<actors::vault_reply>(
      node_->system(), b, op(vault_op::withdraw, "alice", "a1", "w-shared", "USD", 1));
  ASSERT_FALSE(w);
  EXPECT_NE(runtime::to_text(w.error()).find("emergency"), std::string::npos);
  // The node's own (unplaced) gateway keeps its own modes.
  EXPECT_FALSE(call<actors::vault_status>(actors::vault_status_atom_v).emergency);
  // Frozen on b, lifted on a: both see each change; the emergency off
  // removes its row.
  ASSERT_TRUE(set_mode_on(b, actors::vault_mode::transfers_frozen, true));
  ASSERT_TRUE(test::eventually([&] { return status_of(a).transfers_frozen; }));
  ASSERT_TRUE(set_mode_on(a, actors::vault_mode::emergency, false));
  ASSERT_TRUE(set_mode_on(a, actors::vault_mode::transfers_frozen, false));
  ASSERT_TRUE(test::eventually([&] {
    auto x = status_of(b);
    return !x.emergency && !x.transfers_frozen;
  }));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM farm_switches WHERE name LIKE 'vault/%'"), 0);
}

TEST_P(vault_gateway_shared_test, a_member_starting_in_emergency_serves_nothing_before_it_knows) {
  auto a = start_placed("gw-a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(set_mode_on(a, actors::vault_mode::emergency, true));
  restart();
  // Its first answer already refuses, and its first status knows the mode.
  // (The account is not on this member: that is what it says, since only
  // the account's own member can tell a new key from one it acknowledged.)
  auto c = start_placed("gw-c");
  ASSERT_TRUE(c);
  EXPECT_TRUE(status_of(c).emergency);
  auto w = test::ask<actors::vault_reply>(
      node_->system(), c, op(vault_op::deposit, "alice", "a1", "d-shared", "USD", 1));
  ASSERT_FALSE(w);
  EXPECT_NE(runtime::to_text(w.error()).find("is not on this member"), std::string::npos)
      << runtime::to_text(w.error());
}

INSTANTIATE_TEST_SUITE_P(backends, vault_gateway_shared_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

INSTANTIATE_TEST_SUITE_P(backends, vault_gateway_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
