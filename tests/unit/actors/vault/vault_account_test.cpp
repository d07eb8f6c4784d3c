// The vault's operations through its gateway: what each does to balances
// and the ledger, every refusal with its reason and numbers, idempotent
// replays, and key reuse.
#include <chrono>

#include <gtest/gtest.h>

#include "actors/vault/vault_params.hpp"
#include "tests/unit/actors/vault/vault_fixture.hpp"

using namespace tfarm;
using actors::vault_op;

namespace {

class vault_account_test : public test::vault_fixture {
protected:
  void SetUp() override {
    vault_fixture::SetUp();
    open_alice_and_bob();
  }

  /// Settles fill-1 of order-1 (1 BTC for 60 USD) after its reservation
  /// was released: booked from alice's available USD, and journaled so.
  void expect_booked_after_release() {
    ok(settle("alice", "a1", "fill-1", "order-1", 60, "BTC", 1, 0));
    EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{940}, int64_t{0}));
    EXPECT_EQ(count_rows("SELECT COUNT(*) FROM vault_operations WHERE key = 'a1:fill-1' AND "
                         "detail LIKE '60 USD from available%released before this fill'"),
              1);
  }
};

TEST_P(vault_account_test, deposit_and_withdraw_are_durable_double_entries) {
  auto r = ok(op(vault_op::withdraw, "alice", "a1", "w1", "USD", 300));
  ASSERT_EQ(r.balances.size(), 1u);
  EXPECT_EQ(r.balances[0].available, 700);
  EXPECT_GT(r.txn_id, 0u);
  // Acknowledged means in the ledger already.
  EXPECT_EQ(ledger_sum("a1", "USD"), 700);
  EXPECT_EQ(ledger_sum("@external", "USD"), -700);
  EXPECT_EQ(unbalanced_transactions(), 0);
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{700}, int64_t{0}));
}

TEST_P(vault_account_test, a_replayed_key_returns_the_first_result_and_changes_nothing) {
  auto first = ok(op(vault_op::deposit, "alice", "a1", "d2", "USD", 50));
  auto again = ok(op(vault_op::deposit, "alice", "a1", "d2", "USD", 50));
  EXPECT_TRUE(again.replayed);
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(again.txn_id, first.txn_id);
  EXPECT_EQ(again.balances[0].available, 1'050);
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'050);
  // A refusal is final for its key too: funds arriving later do not turn
  // a replay into a withdrawal.
  auto no = refused(op(vault_op::withdraw, "alice", "a1", "w-big", "USD", 5'000));
  EXPECT_EQ(no,
            "insufficient_funds: insufficient funds in a1: available 1050 USD, needed 5000 USD");
  ok(op(vault_op::deposit, "alice", "a1", "d3", "USD", 10'000));
  EXPECT_EQ(refused(op(vault_op::withdraw, "alice", "a1", "w-big", "USD", 5'000)), no);
  EXPECT_EQ(ledger_sum("a1", "USD"), 11'050);
}

TEST_P(vault_account_test, an_opening_balance_lands_with_its_account_once) {
  auto r = open("carol", "c1");
  r.opening_balance = {{"USD", 70}, {"BTC", 2}};
  EXPECT_FALSE(ok(r).replayed);
  EXPECT_TRUE(ok(r).replayed) << "opening again changes nothing";
  EXPECT_EQ(balance("carol", "c1", "USD"), std::make_pair(int64_t{70}, int64_t{0}));
  EXPECT_EQ(ledger_sum("c1", "BTC"), 2);
  // Its keys are the account's own: a client replaying one gets its result.
  EXPECT_TRUE(ok(op(vault_op::deposit, "carol", "c1", "opening-balance:USD", "USD", 70)).replayed);
  EXPECT_EQ(ledger_sum("c1", "USD"), 70);
}

TEST_P(vault_account_test, a_key_reused_for_another_operation_is_refused) {
  ok(op(vault_op::deposit, "alice", "a1", "k", "USD", 10));
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "k", "USD", 11)),
            "key_reused: idempotency key 'k' was used for deposit of 10 USD; use a new key");
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'010);
}

TEST_P(vault_account_test, every_refusal_names_its_reason_and_numbers) {
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "nope", "x", "USD", 1)),
            "unknown_account: no account 'nope'");
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "x", "DOGE", 1)),
            "unknown_asset: unknown asset 'DOGE' (the vault holds: BTC, ETH, USD)");
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "x", "USD", 0)),
            "invalid_amount: deposit amount must be positive, got 0");
  EXPECT_EQ(refused(op(vault_op::withdraw, "alice", "a1", "x", "USD", -5)),
            "invalid_amount: withdraw amount must be positive, got -5");
  EXPECT_EQ(refused(op(vault_op::withdraw, "bob", "a1", "x", "USD", 5)),
            "wrong_user: account a1 does not belong to user 'bob'");
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "", "USD", 5)),
            "invalid_request: deposit on a1 needs an idempotency key");
  // The vault's own keys end in "/credit" and "/void": clients cannot collide.
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "t1/credit", "USD", 5)),
            "invalid_request: idempotency key 't1/credit' must be 1 to 256 printable characters "
            "without '/'");
  ok(op(vault_op::deposit, "alice", "a1", "big", "USD", INT64_MAX - 1'000));
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "more", "USD", 1)),
            "amount_overflow: crediting 1 USD to a1 would overflow its balance of "
            "9223372036854775807 USD");
  EXPECT_EQ(refused(transfer("alice", "a1", "ghost", "t", "USD", 1)),
            "unknown_account: no account 'ghost' to transfer to");
  EXPECT_EQ(refused(transfer("alice", "a1", "a1", "t", "USD", 1)),
            "invalid_request: transfer from a1 to itself");
  EXPECT_EQ(refused(release("alice", "a1", "r", "res-x")),
            "unknown_reservation: no reservation res-x in a1");
  EXPECT_EQ(refused(open("bob", "a1")), "account_exists: account a1 belongs to another user");
  auto rich = open("carol", "c1");
  rich.opening_balance = {{"USD", 5}, {"GOLD", 1}};
  EXPECT_EQ(
      refused(rich),
      "unknown_asset: opening balance in unknown asset 'GOLD' (the vault holds: USD,BTC,ETH)");
  rich.opening_balance = {{"USD", 0}};
  EXPECT_EQ(refused(rich), "invalid_amount: opening balance of USD must be positive, got 0");
  EXPECT_EQ(refused(open("bob", "bad/id")),
            "invalid_request: account id and user must be 1 to 64 characters of A-Z a-z 0-9 _ . - "
            "(got account 'bad/id', user 'bob')");
  EXPECT_EQ(unbalanced_transactions(), 0);
}

TEST_P(vault_account_test, reservations_settle_in_parts_and_release_the_rest) {
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 600));
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{400}, int64_t{600}));
  EXPECT_EQ(refused(reserve("alice", "a1", "r2", "order-2", "USD", 401)),
            "insufficient_funds: insufficient funds in a1: available 400 USD, needed 401 USD for "
            "reservation order-2");
  // A fill: 240 USD leave for the venue, 3 BTC arrive, 1 of which is the fee.
  ok(settle("alice", "a1", "fill-1", "order-1", 240, "BTC", 3, 1));
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{400}, int64_t{360}));
  EXPECT_EQ(balance("alice", "a1", "BTC"), std::make_pair(int64_t{2}, int64_t{0}));
  EXPECT_EQ(ledger_sum("@venue:sim", "USD"), 240);
  EXPECT_EQ(ledger_sum("@venue:sim", "BTC"), -3);
  EXPECT_EQ(ledger_sum("@fees:sim", "BTC"), 1);
  // Beyond what is left: the rest comes out of available (a fee above its
  // allowance); the reservation is then settled entirely.
  ok(settle("alice", "a1", "fill-2", "order-1", 361, "BTC", 1, 0));
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{399}, int64_t{0}));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM vault_reservations WHERE id = 'order-1' AND "
                       "state = 'settled'"),
            1);
  // Releasing a reservation its fills took entirely gives back nothing,
  // and is no failure.
  auto rel = ok(release("alice", "a1", "rel-1", "order-1"));
  EXPECT_EQ(rel.txn_id, 0u);
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{399}, int64_t{0}));
  ok(reserve("alice", "a1", "r3", "order-3", "USD", 100));
  ok(release("alice", "a1", "rel-3", "order-3"));
  EXPECT_EQ(refused(release("alice", "a1", "rel-3b", "order-3")),
            "reservation_closed: reservation order-3 was released already");
  EXPECT_EQ(refused(reserve("alice", "a1", "r4", "order-3", "USD", 1)),
            "invalid_request: reservation order-3 exists already in a1");
  EXPECT_EQ(unbalanced_transactions(), 0);
  EXPECT_EQ(ledger_sum("a1", "USD", "reserved"), 0);
}

TEST_P(vault_account_test, a_fill_is_booked_even_after_its_reservation_went) {
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 100));
  ok(release("alice", "a1", "rel-1", "order-1"));
  // The fill happened at the venue: it is booked from available.
  expect_booked_after_release();
  // One the account cannot pay is refused, and not for good: the same key
  // books it once the money is there.
  EXPECT_EQ(refused(settle("alice", "a1", "fill-2", "order-1", 5'000, "BTC", 5, 0)),
            "insufficient_funds: fill settlement fill-2 needs 5000 USD: reservation order-1 is "
            "released, available 940 USD");
  ok(op(vault_op::deposit, "alice", "a1", "d2", "USD", 5'000));
  ok(settle("alice", "a1", "fill-2", "order-1", 5'000, "BTC", 5, 0));
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{940}, int64_t{0}));
  EXPECT_EQ(balance("alice", "a1", "BTC"), std::make_pair(int64_t{6}, int64_t{0}));
  EXPECT_EQ(unbalanced_transactions(), 0);
}

TEST_P(vault_account_test, a_buy_pays_its_fee_from_its_reservation_to_the_fee_account) {
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 110));
  auto s = settle("alice", "a1", "fill-1", "order-1", 100, "BTC", 1, 10);
  s.fee_asset = "USD";
  ok(s);
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{890}, int64_t{0}));
  EXPECT_EQ(balance("alice", "a1", "BTC"), std::make_pair(int64_t{1}, int64_t{0}));
  EXPECT_EQ(ledger_sum("@fees:sim", "USD"), 10);
  EXPECT_EQ(ledger_sum("@venue:sim", "USD"), 100);
  EXPECT_EQ(ledger_sum("@venue:sim", "BTC"), -1);
  s.key = "fill-2";
  s.fee_asset = "EUR";
  EXPECT_EQ(refused(s), "invalid_request: settle fee in EUR: neither USD (what leaves) nor BTC "
                        "(what arrives)");
}

TEST_P(vault_account_test, a_settlement_its_order_cannot_explain_is_refused_and_moves_nothing) {
  // A buy of up to 4 BTC at up to 100 USD.
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 400, {"buy", 100, 4, "BTC"}));
  auto before_usd = balance("alice", "a1", "USD");
  auto why = [&](int64_t pays, const std::string& gets, int64_t qty, const std::string& key,
                 const std::string& order = "order-1") {
    return refused(settle("alice", "a1", key, order, pays, gets, qty, 0));
  };
  EXPECT_EQ(why(101, "BTC", 1, "f1"), "fill_unexplained: reservation order-1 cannot explain "
                                      "settlement f1: price 101 is beyond the order's limit (buy "
                                      "at 100)");
  EXPECT_EQ(why(0, "BTC", 1, "f2"), "fill_unexplained: reservation order-1 cannot explain "
                                    "settlement f2: a fill moves a positive quantity at a "
                                    "positive price");
  EXPECT_EQ(why(500, "BTC", 5, "f3"), "fill_unexplained: reservation order-1 cannot explain "
                                      "settlement f3: quantity 5 exceeds what is left of the "
                                      "order (4 of 4)");
  EXPECT_EQ(why(151, "BTC", 2, "f4"), "fill_unexplained: reservation order-1 cannot explain "
                                      "settlement f4: 151 for 2 is no whole price");
  EXPECT_EQ(why(100, "ETH", 1, "f5"), "fill_unexplained: reservation order-1 cannot explain "
                                      "settlement f5: its order brings BTC, the settlement "
                                      "credits ETH");
  EXPECT_EQ(balance("alice", "a1", "USD"), before_usd);
  EXPECT_EQ(balance("alice", "a1", "BTC"), std::make_pair(int64_t{0}, int64_t{0}));
  // What the order can do passes, and what it did counts: 3 filled, 1 left.
  ok(settle("alice", "a1", "f6", "order-1", 270, "BTC", 3, 0));
  EXPECT_EQ(why(200, "BTC", 2, "f7").substr(0, 91),
            "fill_unexplained: reservation order-1 cannot explain settlement f7: quantity 2 "
            "exceeds what");
  // ... across a restart too: the reservation's terms and fills are durable.
  restart();
  EXPECT_EQ(why(200, "BTC", 2, "f8").substr(0, 17), "fill_unexplained:");
  ok(settle("alice", "a1", "f9", "order-1", 100, "BTC", 1, 0));
  EXPECT_EQ(balance("alice", "a1", "BTC"), std::make_pair(int64_t{4}, int64_t{0}));
  // A sell: at 50 or better, for up to 2 BTC; its credit is explained the same way.
  ok(reserve("alice", "a1", "r2", "order-2", "BTC", 2, {"sell", 50, 2, "USD"}));
  EXPECT_EQ(why(2, "USD", 98, "s1", "order-2"),
            "fill_unexplained: reservation order-2 cannot explain "
            "settlement s1: price 49 is beyond the order's limit (sell "
            "at 50)");
  ok(settle("alice", "a1", "s2", "order-2", 2, "USD", 120, 0));
  // A reservation must say what order it is for.
  auto bare = reserve("alice", "a1", "r3", "order-3", "USD", 10);
  bare.terms = {};
  EXPECT_EQ(refused(bare), "invalid_request: a reservation needs its order's terms: side buy or "
                           "sell, a positive limit and quantity (got '', 0, 0)");
  EXPECT_EQ(unbalanced_transactions(), 0);
}

// The fill a settlement books is recorded in its transaction (no money
// moves for a fill the trading record lacks), and only a fill that is the
// settlement's: its order, its venue and its figures.
TEST_P(vault_account_test, a_settlement_records_its_own_fill_and_no_other) {
  ASSERT_TRUE(record_pending_order("order-1", "a1", "sim", 80, 3));
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 240, {"buy", 80, 3, "BTC"}));
  auto fill = [](std::string id, int64_t price, int64_t qty, std::string order = "order-1") {
    return persistence::fill_record{"sim", std::move(id), std::move(order), price, qty, 0, 0};
  };
  auto s = settle("alice", "a1", "fill-1", "order-1", 160, "BTC", 2, 0);
  s.fills.push_back(fill("v-1", 80, 2));
  ok(s);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM fills WHERE venue_fill_id = 'v-1' AND venue = 'sim' "
                       "AND client_order_id = 'order-1' AND qty = 2 AND price = 80"),
            1);
  auto before = balance("alice", "a1", "USD");
  auto bad = [&](persistence::fill_record f, const std::string& key) {
    auto r = settle("alice", "a1", key, "order-1", 80, "BTC", 1, 0);
    r.fills.push_back(std::move(f));
    return refused(r);
  };
  EXPECT_EQ(bad(fill("v-2", 90, 1), "fill-2"),
            "invalid_request: settlement fill-2: fill 'v-2' (1 at 90, fee 0) is not what the "
            "settlement moves (80 for 1, fee 0)");
  EXPECT_EQ(bad(fill("v-3", 80, 1, "order-9"), "fill-3"),
            "invalid_request: settlement fill-3: fill 'v-3' is of order 'order-9', the settlement "
            "of reservation order-1");
  auto elsewhere = fill("v-4", 80, 1);
  elsewhere.venue = "other";
  EXPECT_EQ(bad(elsewhere, "fill-4"), "invalid_request: settlement fill-4: fill 'v-4' is from "
                                      "venue 'other', the settlement with sim");
  auto r = reserve("alice", "a1", "r2", "order-2", "USD", 10);
  r.fills.push_back(fill("v-5", 80, 1, "order-2"));
  EXPECT_EQ(refused(r), "invalid_request: reserve carries a fill: only a settlement books one");
  EXPECT_EQ(balance("alice", "a1", "USD"), before);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM fills"), 1);
  EXPECT_EQ(unbalanced_transactions(), 0);
}

// An order's record and its money are one commit before it leaves: the
// reservation writes the record it carries, and says so to its first
// caller only (a retry cannot know whether the first one sent it). A
// release of an order that never left closes its record with it.
TEST_P(vault_account_test, a_reservation_records_its_order_and_a_release_closes_it) {
  auto order = [](std::string id, int64_t price, int64_t qty) {
    persistence::order_record o;
    o.client_order_id = std::move(id);
    o.agent = "/user/alice/mm";
    o.account = "a1";
    o.venue = "sim";
    o.symbol = "BTC-USD";
    o.side = "buy";
    o.type = "limit";
    o.price = price;
    o.qty = qty;
    o.status = "pending";
    o.created_at_ms = 1;
    return o;
  };
  auto r = reserve("alice", "a1", "r1", "order-1", "USD", 240, {"buy", 80, 3, "BTC"});
  r.orders.push_back(order("order-1", 80, 3));
  EXPECT_TRUE(ok(r).order_recorded);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id = 'order-1' AND "
                       "status = 'pending' AND agent = '/user/alice/mm' AND qty = 3"),
            1);
  auto again = ok(r);
  EXPECT_TRUE(again.replayed);
  EXPECT_FALSE(again.order_recorded) << "a retry never sends it as new";
  // An id recorded before (another order's, or an earlier attempt's): the
  // money is reserved, the order must not leave as new.
  ASSERT_TRUE(record_pending_order("order-2", "a1", "sim", 80, 1));
  r = reserve("alice", "a1", "r2", "order-2", "USD", 80, {"buy", 80, 1, "BTC"});
  r.orders.push_back(order("order-2", 80, 1));
  EXPECT_FALSE(ok(r).order_recorded);
  // A record that is not the reservation's order: refused, nothing moved.
  auto before = balance("alice", "a1", "USD");
  r = reserve("alice", "a1", "r3", "order-3", "USD", 80, {"buy", 80, 1, "BTC"});
  r.orders.push_back(order("order-3", 81, 1));
  EXPECT_EQ(refused(r), "invalid_request: reservation order-3: order 'order-3' (buy 1 at 81, "
                        "limit) is not the limit order the reservation's terms name (buy 1 at 80)");
  r.orders.back() = order("order-4", 80, 1);
  EXPECT_EQ(refused(r),
            "invalid_request: reservation order-3: order 'order-4' is not that of reservation "
            "order-3");
  r.orders.back() = order("order-3", 80, 1);
  r.orders.back().account = "b1";
  EXPECT_EQ(refused(r), "invalid_request: reservation order-3: order 'order-3' is of account "
                        "'b1', not a1");
  EXPECT_EQ(balance("alice", "a1", "USD"), before);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id IN ('order-3', "
                       "'order-4')"),
            0);
  // Never sent: its release closes the record with the money.
  auto rel = release("alice", "a1", "rel-1", "order-1");
  persistence::order_update u;
  u.client_order_id = "order-1";
  u.status = "rejected";
  u.reason = "trading was halted before order-1 was sent";
  rel.order_updates.push_back(u);
  auto bad = rel;
  bad.order_updates.back().status = "filled";
  EXPECT_EQ(refused(bad), "invalid_request: release rel-1: a release closes the order of "
                          "reservation order-1, as rejected or cancelled, without fills");
  ok(rel);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE client_order_id = 'order-1' AND "
                       "status = 'rejected' AND reason = 'trading was halted before order-1 was "
                       "sent'"),
            1);
  EXPECT_EQ(balance("alice", "a1", "USD").second, 80) << "only order-2's money stays reserved";
  EXPECT_EQ(unbalanced_transactions(), 0);
}

TEST_P(vault_account_test, a_transfer_moves_money_between_accounts_of_different_users) {
  auto r = ok(transfer("alice", "a1", "b1", "t1", "USD", 400));
  EXPECT_EQ(r.balances[0].available, 600);
  EXPECT_EQ(balance("bob", "b1", "USD"), std::make_pair(int64_t{400}, int64_t{0}));
  EXPECT_EQ(ledger_sum("@transit", "USD"), 0);
  EXPECT_TRUE(test::eventually([&] {
    return count_rows("SELECT COUNT(*) FROM vault_operations WHERE outcome = 'pending'") == 0;
  }));
  auto again = ok(transfer("alice", "a1", "b1", "t1", "USD", 400));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(balance("bob", "b1", "USD").first, 400);
  // A credit nobody debited is refused by the store: nothing draws on
  // @transit without its pending debit.
  auto forged = transfer("alice", "b1", "a1", "a1:t9/credit", "USD", 1'000);
  forged.to_account = "b1";
  forged.account = "b1";
  caf::scoped_actor self{node_->system()};
  self->request(gateway(), test::vault_test_timeout, actors::transfer_credit_atom_v, forged)
      .receive([](actors::vault_reply&) { ADD_FAILURE() << "a forged credit was applied"; },
               [](caf::error&) {});
  EXPECT_EQ(ledger_sum("b1", "USD"), 400);
  EXPECT_EQ(ledger_sum("@transit", "USD"), 0);
  EXPECT_EQ(refused(transfer("alice", "a1", "b1", "t2", "USD", 601)),
            "insufficient_funds: insufficient funds in a1: available 600 USD, needed 601 USD");
}

TEST_P(vault_account_test, a_transfer_the_receiver_refuses_is_voided_and_nothing_is_lost) {
  // A receiver refuses a credit only if it cannot hold it (an asset it
  // does not know after a configuration change, a balance at its limit);
  // the fault makes it refuse the next one.
  ok(op(vault_op::balance, "bob", "b1", "", "USD", 0));
  caf::anon_send(account_actor("b1"), actors::vault_fault_atom_v, std::string{"refuse_credit"});
  auto voided = "invalid_request: transfer voided: fault injected: b1 refuses the credit";
  EXPECT_EQ(refused(transfer("alice", "a1", "b1", "t1", "USD", 100)), voided);
  EXPECT_EQ(balance("alice", "a1", "USD").first, 1'000);
  EXPECT_EQ(balance("bob", "b1", "USD").first, 0);
  EXPECT_EQ(ledger_sum("@transit", "USD"), 0);
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'000);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'transfer_void'"), 1);
  // The replay gets the same refusal, and a new key goes through.
  EXPECT_EQ(refused(transfer("alice", "a1", "b1", "t1", "USD", 100)), voided);
  ok(transfer("alice", "a1", "b1", "t2", "USD", 100));
  EXPECT_EQ(balance("bob", "b1", "USD").first, 100);
}

TEST_P(vault_account_test, a_vault_wide_total_that_would_overflow_is_refused_with_its_reason) {
  // Each account is within its limits, but the outside world's side of the
  // ledger (@external) would pass 64 bits: the store refuses, the account
  // says why and rebuilds itself from the ledger.
  ok(op(vault_op::deposit, "bob", "b1", "big", "USD", INT64_MAX - 2'000));
  auto why = refused(op(vault_op::deposit, "alice", "a1", "d2", "USD", 5'000));
  EXPECT_EQ(why.substr(0, 16), "amount_overflow:") << why;
  EXPECT_TRUE(test::eventually([&] { return balance("alice", "a1", "USD").first == 1'000; }));
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'000);
}

TEST_P(vault_account_test, replays_and_balances_survive_a_node_restart) {
  auto first = ok(op(vault_op::withdraw, "alice", "a1", "w1", "USD", 100));
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 200));
  auto refusal = refused(op(vault_op::withdraw, "alice", "a1", "w2", "USD", 10'000));
  restart();
  auto again = ok(op(vault_op::withdraw, "alice", "a1", "w1", "USD", 100));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.txn_id, first.txn_id);
  EXPECT_EQ(refused(op(vault_op::withdraw, "alice", "a1", "w2", "USD", 10'000)), refusal);
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{700}, int64_t{200}));
  ok(release("alice", "a1", "rel", "order-1"));
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{900}, int64_t{0}));
}

TEST_P(vault_account_test, a_key_older_than_the_window_is_still_never_applied_twice) {
  window_ = "1s";
  restart();
  auto first = ok(op(vault_op::deposit, "alice", "a1", "old", "USD", 5));
  // The window is a time: let it pass, then restart so that the account
  // does not reload the key.
  advance_clock(std::chrono::milliseconds{1'100});
  restart();
  ok(op(vault_op::balance, "alice", "a1", "", "USD", 0));
  EXPECT_TRUE(test::eventually([&] { return remembered_keys("a1") == 0; }))
      << "every key is older than the window";
  auto again = ok(op(vault_op::deposit, "alice", "a1", "old", "USD", 5));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.txn_id, first.txn_id);
  EXPECT_TRUE(test::eventually([&] {
    auto b = ask(op(vault_op::balance, "alice", "a1", "", "USD", 0));
    return b && b->balances[0].available == 1'005;
  }));
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'005);
  // The same old key for something else is a reused key, not a replay.
  restart();
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "old", "USD", 6)),
            "key_reused: idempotency key 'old' was used for deposit of 5 USD; use a new key");
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'005);
}

TEST_P(vault_account_test, a_reservation_id_is_unique_for_ever_not_only_within_the_window) {
  window_ = "1s";
  restart();
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 10));
  ok(release("alice", "a1", "rel-1", "order-1"));
  advance_clock(std::chrono::milliseconds{1'100});
  restart(); // the account forgets order-1; the store does not
  ok(op(vault_op::balance, "alice", "a1", "", "USD", 0));
  ASSERT_TRUE(test::eventually([&] { return remembered_keys("a1") == 0; }));
  auto taken = "invalid_request: reservation order-1 exists already in a1";
  EXPECT_EQ(refused(reserve("alice", "a1", "r2", "order-1", "USD", 10)), taken);
  // Journaled: the retry gets the same answer instead of failing again.
  EXPECT_TRUE(test::eventually([&] {
    auto x = ask(reserve("alice", "a1", "r2", "order-1", "USD", 10));
    return !x && runtime::to_text(x.error()) == taken;
  }));
  EXPECT_EQ(ledger_sum("a1", "USD", "reserved"), 0);
  EXPECT_TRUE(test::eventually([&] {
    auto b = ask(op(vault_op::balance, "alice", "a1", "", "USD", 0));
    return b && b->balances[0].available == 1'000 && b->balances[0].reserved == 0;
  }));
}

// Memory is bounded by [vault] cached_operations, not by the traffic of the
// idempotency window: older keys are digests, and a replay of one is
// answered from its journal row, without applying it to memory first (which
// costs the account a rebuild and fails everything in flight with it).
TEST_P(vault_account_test, memory_keeps_the_newest_results_and_an_older_replay_reads_the_journal) {
  cached_ = 16;
  restart();
  std::vector<actors::vault_reply> firsts;
  for (int i = 1; i <= 40; ++i)
    firsts.push_back(ok(op(vault_op::deposit, "alice", "a1", "k" + std::to_string(i), "USD", 1)));
  EXPECT_TRUE(test::eventually([&] { return remembered_keys("a1") == 16; }));
  auto restarts_before = restarts("a1");
  for (auto i : {1, 2, 20}) {
    auto again = ok(op(vault_op::deposit, "alice", "a1", "k" + std::to_string(i), "USD", 1));
    EXPECT_TRUE(again.replayed) << i;
    EXPECT_EQ(again.txn_id, firsts[i - 1].txn_id) << i;
    EXPECT_EQ(again.balances[0].available, 1'000 + i) << "as answered the first time";
  }
  EXPECT_EQ(refused(op(vault_op::deposit, "alice", "a1", "k1", "USD", 2)),
            "key_reused: idempotency key 'k1' was used for deposit of 1 USD; use a new key");
  EXPECT_EQ(restarts("a1"), restarts_before) << "answered from the journal, no rebuild";
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{1'040}, int64_t{0}));
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'040);
  // A restart reloads the newest whole and the rest as digests.
  restart();
  auto again = ok(op(vault_op::deposit, "alice", "a1", "k3", "USD", 1));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.txn_id, firsts[2].txn_id);
  EXPECT_EQ(restarts("a1"), 0u) << "the new node's account did not rebuild";
  EXPECT_EQ(remembered_keys("a1"), 16u);
  // A new key is still new.
  auto fresh = ok(op(vault_op::deposit, "alice", "a1", "k41", "USD", 1));
  EXPECT_FALSE(fresh.replayed);
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'041);
}

// A fill can reach the vault after its order's reservation was released
// and left memory: the account reads the reservation back and books the
// fill from available, as it would have had it kept it.
TEST_P(vault_account_test, a_late_fill_settles_against_a_reservation_memory_let_go) {
  cached_ = 16;
  restart();
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 100));
  ok(release("alice", "a1", "rel-1", "order-1"));
  for (int i = 2; i <= 30; ++i) {
    auto n = std::to_string(i);
    ok(reserve("alice", "a1", "r" + n, "order-" + n, "USD", 10));
    ok(release("alice", "a1", "rel-" + n, "order-" + n));
  }
  auto entry = node_->context().registry().find(runtime::child_path(actors::accounts_path, "a1"));
  ASSERT_TRUE(entry);
  auto st = runtime::read_status<actors::vault_account_status>(entry->snapshot());
  ASSERT_TRUE(st);
  EXPECT_LE(st->cached_reservations, 16u) << "closed reservations leave memory";
  auto restarts_before = restarts("a1");
  expect_booked_after_release();
  // Its terms still hold: a fill beyond the order's limit is refused.
  EXPECT_EQ(refused(settle("alice", "a1", "fill-2", "order-1", 2'000, "BTC", 1, 0)),
            "fill_unexplained: reservation order-1 cannot explain settlement fill-2: price 2000 "
            "is beyond the order's limit (buy at 1000)");
  EXPECT_EQ(refused(settle("alice", "a1", "fill-3", "order-99", 1, "BTC", 1, 0)),
            "unknown_reservation: no reservation order-99 in a1");
  EXPECT_EQ(restarts("a1"), restarts_before);
  EXPECT_EQ(unbalanced_transactions(), 0);
}

// An account decides each operation on its memory. A second instance of
// the same account (as a stale owner in a cluster, or one whose earlier
// write failed while later ones were in flight) holds memory the ledger has
// moved past: what it decides must never be stored, or a fill would be
// refused for good, or a reservation closed that is still open.
TEST_P(vault_account_test, an_instance_whose_memory_is_behind_the_ledger_stores_nothing) {
  auto spec = runtime::spec_with("a1", "vault_account", actors::vault_params_for(farm_.vault));
  auto beside = start_beside<actors::vault_account_actor>(spec);
  ASSERT_TRUE(beside);
  ASSERT_TRUE(test::eventually([&] {
    auto b = test::ask<actors::vault_reply>(node_->system(), beside,
                                            op(vault_op::balance, "alice", "a1", "", "USD", 0));
    return b && b->balances.size() == 1 && b->balances[0].available == 1'000;
  })) << "the second instance loaded the deposit";
  ok(reserve("alice", "a1", "r1", "order-1", "USD", 600));
  // The second instance never saw the reservation: its refusal of the fill
  // ("no reservation") must not be journaled as the fill's final answer.
  auto stale = test::ask<actors::vault_reply>(
      node_->system(), beside, settle("alice", "a1", "fill-1", "order-1", 240, "BTC", 3, 0));
  ASSERT_FALSE(stale);
  auto why = std::string{"unavailable: account a1: conflict: account a1: write a1:fill-1 is the "
                         "account's number 2, but the last one stored is number 2"};
  EXPECT_EQ(runtime::to_text(stale.error()).substr(0, why.size()), why);
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM vault_operations WHERE key = 'a1:fill-1'"), 0);
  // Restarted from the store, it books the fill under the same key.
  auto beside_now = [&] {
    auto e = node_->context().registry().find("/vault/a1");
    return e ? caf::actor_cast<actors::vault_account_actor>(e->handle())
             : actors::vault_account_actor{};
  };
  EXPECT_TRUE(test::eventually([&] {
    auto x = test::ask<actors::vault_reply>(
        node_->system(), beside_now(),
        settle("alice", "a1", "fill-1", "order-1", 240, "BTC", 3, 0));
    return static_cast<bool>(x);
  }));
  EXPECT_EQ(ledger_sum("a1", "USD", "reserved"), 360);
  EXPECT_EQ(ledger_sum("a1", "BTC"), 3);
  // Now the first instance is behind: its release (of all 600, by its
  // memory) is refused, and once restarted it releases what is left.
  EXPECT_EQ(refused(release("alice", "a1", "rel-1", "order-1")).substr(0, 34),
            "unavailable: account a1: conflict:");
  EXPECT_EQ(ledger_sum("a1", "USD", "reserved"), 360);
  EXPECT_TRUE(test::eventually(
      [&] { return static_cast<bool>(ask(release("alice", "a1", "rel-1", "order-1"))); }));
  EXPECT_EQ(ledger_sum("a1", "USD", "reserved"), 0);
  EXPECT_EQ(ledger_sum("a1", "USD"), 760);
  EXPECT_EQ(balance("alice", "a1", "USD"), std::make_pair(int64_t{760}, int64_t{0}));
  EXPECT_EQ(balance("alice", "a1", "BTC"), std::make_pair(int64_t{3}, int64_t{0}));
  EXPECT_EQ(unbalanced_transactions(), 0);
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, vault_account_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
