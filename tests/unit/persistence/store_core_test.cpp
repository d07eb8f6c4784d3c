#include "persistence/store_core.hpp"

#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "runtime/error.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

using test::make_checkpoint;

ledger_leg leg(std::string account, std::string asset, int64_t amount,
               std::string bucket = "available") {
  return ledger_leg{std::move(account), std::move(asset), std::move(bucket), amount};
}

// A reserve of `amount` USD for reservation ord-1 in alice's a1 (key
// a1:r1), leaving `available` USD available, as an account decides it.
vault_write reservation_write(int64_t amount, int64_t available, reservation_terms terms = {}) {
  vault_write w;
  w.op = vault_op_record{"a1:r1",   "a1", "alice",   "reserve", "ord-1", "USD", amount,
                         "applied", "",   available, amount,    0,       0};
  w.has_txn = true;
  w.txn = ledger_txn{
      "a1:r1", "reserve", {leg("a1", "USD", -amount), leg("a1", "USD", amount, "reserved")}, ""};
  w.reservations.push_back(
      reservation_record{"a1", "ord-1", "USD", amount, amount, "open", 0, std::move(terms), 0});
  return w;
}

ledger_txn deposit(std::string key, std::string account, int64_t amount) {
  return ledger_txn{std::move(key),
                    "deposit",
                    {leg(account, "USD", amount), leg("@external", "USD", -amount)},
                    ""};
}

class store_core_test : public testing::TestWithParam<test::backend> {
protected:
  void SetUp() override {
    target_ = test::fresh_database(GetParam(), dir_.path().string());
    auto db = open_database(target_);
    ASSERT_TRUE(db) << runtime::to_text(db.error());
    core_ = std::make_unique<store_core>(std::move(*db));
    core_->begin();
  }

  void TearDown() override {
    if (core_ && core_->in_transaction())
      core_->commit();
  }

  int64_t count(const std::string& sql) {
    auto q = core_->db().prepare(sql);
    return q->step() ? q->int64(0) : -1;
  }

  test::temp_dir dir_;
  std::string target_;
  std::unique_ptr<store_core> core_;
};

} // namespace

TEST_P(store_core_test, keeps_the_newest_two_checkpoints_per_path) {
  auto s1 = core_->save_checkpoint(make_checkpoint("/a", "one"));
  auto s2 = core_->save_checkpoint(make_checkpoint("/a", "two"));
  auto s3 = core_->save_checkpoint(make_checkpoint("/b", "bee"));
  auto s4 = core_->save_checkpoint(make_checkpoint("/a", "three"));
  EXPECT_LT(s1, s2);
  EXPECT_LT(s2, s3);
  EXPECT_LT(s3, s4);
  auto a = core_->load_checkpoints("/a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].blob, "three");
  EXPECT_EQ(a[0].seq, s4);
  EXPECT_EQ(a[1].blob, "two");
  EXPECT_TRUE(a[0].intact());
  EXPECT_EQ(core_->load_checkpoints("/b").size(), 1u);
  EXPECT_TRUE(core_->load_checkpoints("/none").empty());
  EXPECT_EQ(core_->load_all_checkpoints().size(), 3u);
}

TEST_P(store_core_test, sequence_numbers_survive_reopening) {
  auto last = core_->save_checkpoint(make_checkpoint("/a", "x"));
  core_->commit();
  core_.reset();
  auto db = open_database(target_);
  ASSERT_TRUE(db);
  store_core again{std::move(*db)};
  again.begin();
  EXPECT_GT(again.save_checkpoint(make_checkpoint("/a", "y")), last);
  again.commit();
}

TEST_P(store_core_test, a_rolled_back_transaction_leaves_no_trace) {
  core_->commit();
  core_->begin();
  auto before = core_->last_seq();
  core_->save_checkpoint(make_checkpoint("/a", "gone"));
  ASSERT_TRUE(core_->append_ledger(deposit("k", "alice", 5)));
  core_->rollback();
  EXPECT_EQ(core_->last_seq(), before);
  EXPECT_TRUE(core_->load_checkpoints("/a").empty());
  EXPECT_EQ(core_->balance("alice", "USD", "available"), 0);
  core_->begin();
  // SQLite reuses the number; PostgreSQL's sequence skips it. Either way
  // the next save is newer than everything kept.
  EXPECT_GT(core_->save_checkpoint(make_checkpoint("/a", "again")), before);
}

TEST_P(store_core_test, checkpoints_are_validated) {
  auto bad = make_checkpoint("/a", "x");
  bad.crc32 ^= 1;
  EXPECT_EQ(store_core::validate(bad).code(),
            static_cast<uint8_t>(runtime::runtime_errc::checkpoint_corrupt));
  EXPECT_EQ(runtime::to_text(store_core::validate(make_checkpoint("a", "x"))),
            "invalid_record: checkpoint path 'a' must start with '/'");
  EXPECT_FALSE(store_core::validate(make_checkpoint("/a", "x")));
}

TEST_P(store_core_test, ledger_appends_update_balances_and_replay_by_key) {
  auto r1 = core_->append_ledger(deposit("dep-1", "alice", 1'000));
  ASSERT_TRUE(r1) << runtime::to_text(r1.error());
  EXPECT_FALSE(r1->replayed);
  ledger_txn reserve{"res-1",
                     "reserve",
                     {leg("alice", "USD", -300), leg("alice", "USD", 300, "reserved")},
                     "order 7"};
  ASSERT_TRUE(core_->append_ledger(reserve));
  EXPECT_EQ(core_->balance("alice", "USD", "available"), 700);
  EXPECT_EQ(core_->balance("alice", "USD", "reserved"), 300);
  EXPECT_EQ(core_->balance("@external", "USD", "available"), -1'000);
  auto again = core_->append_ledger(deposit("dep-1", "alice", 999'999));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->txn_id, r1->txn_id);
  EXPECT_EQ(core_->balance("alice", "USD", "available"), 700) << "a replay changes nothing";
}

TEST_P(store_core_test, unbalanced_or_invalid_transactions_are_refused_with_reasons) {
  auto unbalanced = ledger_txn{"k1", "deposit", {leg("a", "USD", 5), leg("b", "USD", -4)}, ""};
  EXPECT_EQ(runtime::to_text(core_->append_ledger(unbalanced).error()),
            "unbalanced_transaction: ledger transaction k1: legs in USD sum to 1, not 0");
  auto mixed =
      ledger_txn{"k2",
                 "swap",
                 {leg("a", "USD", 5), leg("b", "USD", -5), leg("a", "BTC", 1), leg("b", "BTC", -2)},
                 ""};
  EXPECT_EQ(runtime::to_text(core_->append_ledger(mixed).error()),
            "unbalanced_transaction: ledger transaction k2: legs in BTC sum to -1, not 0");
  auto one_leg = ledger_txn{"k3", "x", {leg("a", "USD", 5)}, ""};
  EXPECT_EQ(runtime::to_text(core_->append_ledger(one_leg).error()),
            "invalid_record: ledger transaction k3 has 1 legs; it needs 2 to 64");
  auto bucket = ledger_txn{"k4", "x", {leg("a", "USD", 5, "pocket"), leg("b", "USD", -5)}, ""};
  EXPECT_EQ(runtime::to_text(core_->append_ledger(bucket).error()),
            "invalid_record: ledger transaction k4: bucket 'pocket' is neither 'available' nor "
            "'reserved'");
  auto overflow = ledger_txn{
      "k5", "x", {leg("a", "USD", INT64_MAX), leg("a", "USD", 1), leg("b", "USD", INT64_MIN)}, ""};
  EXPECT_EQ(runtime::to_text(core_->append_ledger(overflow).error()),
            "invalid_record: ledger transaction k5: amounts in USD overflow");
  ASSERT_TRUE(core_->append_ledger(deposit("k6", "rich", INT64_MAX)));
  auto more = core_->append_ledger(deposit("k7", "rich", 1));
  EXPECT_EQ(runtime::to_text(more.error()),
            "amount_overflow: ledger transaction k7: the balance of rich USD would overflow");
  EXPECT_EQ(runtime::to_text(core_->append_ledger(ledger_txn{"", "x", {}, ""}).error()),
            "invalid_record: ledger transaction without an idempotency key");
  EXPECT_EQ(core_->balance("a", "USD", "available"), 0) << "nothing of the refused ones landed";
}

TEST_P(store_core_test, orders_and_fills_are_idempotent_and_fills_need_their_order) {
  order_record o{"c-1", "/user/a/mm", "acct", "sim", "BTC-USD", "buy", "limit", 100,
                 3,     "",           0,      0,     ""};
  EXPECT_EQ(core_->record_order(o), true);
  EXPECT_EQ(core_->record_order(o), false);
  fill_record f{"sim", "v-1", "c-1", 100, 2, 1, 0};
  EXPECT_EQ(core_->record_fill(f), true);
  EXPECT_EQ(core_->record_fill(f), false) << "the same fill again is a replay";
  auto orphan = core_->record_fill(fill_record{"sim", "v-2", "nope", 1, 1, 0, 0});
  ASSERT_FALSE(orphan);
  EXPECT_EQ(runtime::to_text(orphan.error()),
            "unknown_order: fill v-2 is for order nope, which was never recorded");
  o.client_order_id = "c-2";
  o.side = "hold";
  EXPECT_EQ(runtime::to_text(core_->record_order(o).error()),
            "invalid_record: order c-2: side 'hold' is neither 'buy' nor 'sell'");
  o.side = "sell";
  o.qty = 0;
  EXPECT_EQ(runtime::to_text(core_->record_order(o).error()),
            "invalid_record: order c-2: quantity 0 is not positive");
}

TEST_P(store_core_test, a_fill_is_its_venue_its_order_and_its_id_and_never_changes) {
  order_record a{"c-1", "/user/a/mm", "acct", "sim", "BTC-USD", "buy", "limit", 100,
                 5,     "",           0,      0,     ""};
  order_record b{"c-2", "/user/b/mm", "acct-b", "sim", "BTC-USD", "sell", "limit", 90,
                 5,     "",           0,        0,     ""};
  ASSERT_EQ(core_->record_order(a), true);
  ASSERT_EQ(core_->record_order(b), true);
  // A venue that numbers its fills again from 1 (a restart): the same id
  // for another order, or from another venue, is another fill.
  EXPECT_EQ(core_->record_fill(fill_record{"sim", "1:t", "c-1", 100, 1, 0, 0}), true);
  EXPECT_EQ(core_->record_fill(fill_record{"sim", "1:t", "c-2", 95, 1, 0, 0}), true);
  EXPECT_EQ(core_->record_fill(fill_record{"other", "1:t", "c-1", 99, 1, 0, 0}), true);
  // The same id of the same order with other content is refused, named.
  auto changed = core_->record_fill(fill_record{"sim", "1:t", "c-1", 100, 2, 0, 0});
  ASSERT_FALSE(changed);
  EXPECT_EQ(runtime::to_text(changed.error()),
            "fill_conflict: fill sim/1:t of order c-1 (2 at 100, fee 0) was recorded before as 1 "
            "at 100, fee 0");
  // More than the order's quantity, or beyond its limit: refused.
  auto over = core_->record_fill(fill_record{"sim", "2:t", "c-1", 100, 4, 0, 0});
  ASSERT_FALSE(over);
  EXPECT_EQ(runtime::to_text(over.error()),
            "fill_conflict: fill sim/2:t of order c-1 (4 at 100, fee 0) would fill 6 of an "
            "order of 5");
  auto beyond = core_->record_fill(fill_record{"sim", "3:t", "c-2", 89, 1, 0, 0});
  ASSERT_FALSE(beyond);
  EXPECT_EQ(runtime::to_text(beyond.error()),
            "fill_conflict: fill sim/3:t of order c-2 (1 at 89, fee 0) is beyond the order's "
            "limit: sell at 90");
  EXPECT_EQ(
      runtime::to_text(core_->record_fill(fill_record{"sim", "4:t", "c-1", 100, 1, -1, 0}).error()),
      "invalid_record: fill 4:t: fee -1 is negative");
  EXPECT_EQ(
      runtime::to_text(core_->record_fill(fill_record{"", "4:t", "c-1", 100, 1, 0, 0}).error()),
      "invalid_record: fill 4:t names no venue");
  EXPECT_EQ(count("SELECT COUNT(*) FROM fills"), 3);
}

TEST_P(store_core_test, an_order_update_writes_fills_then_status_and_never_reopens_a_final_order) {
  order_record o{"c-1", "/user/a/mm", "acct", "sim", "BTC-USD", "buy", "limit", 100,
                 4,     "",           0,      0,     ""};
  ASSERT_EQ(core_->record_order(o), true);
  order_update u;
  u.client_order_id = "c-1";
  u.status = "partially_filled";
  u.filled = 3;
  u.fills = {fill_record{"sim", "1:t", "", 100, 1, 0, 0},
             fill_record{"sim", "2:t", "", 99, 2, 0, 0}};
  auto r = core_->update_order(u);
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  EXPECT_EQ(r->fills_new, 2u);
  EXPECT_TRUE(r->refused.empty());
  auto row = core_->load_order("c-1");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "partially_filled");
  EXPECT_EQ(row->filled, 3);
  // A fill changed on the way, and a filled quantity its fills do not make
  // up: both named; the good part is written.
  u.status = "filled";
  u.filled = 4;
  u.reason = "";
  u.fills = {fill_record{"sim", "2:t", "", 99, 1, 0, 0},
             fill_record{"sim", "3:t", "", 98, 1, 0, 0}};
  r = core_->update_order(u);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fills_new, 1u);
  ASSERT_EQ(r->refused.size(), 1u);
  EXPECT_EQ(r->refused[0], "fill sim/2:t of order c-1 (1 at 99, fee 0) was recorded before as 2 "
                           "at 99, fee 0");
  EXPECT_EQ(core_->load_order("c-1")->status, "filled");
  // A late "open" never reopens it.
  order_update late;
  late.client_order_id = "c-1";
  late.status = "open";
  ASSERT_TRUE(core_->update_order(late));
  EXPECT_EQ(core_->load_order("c-1")->status, "filled");
  order_update gap;
  gap.client_order_id = "c-1";
  gap.filled = 5;
  r = core_->update_order(gap);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->refused.size(), 1u);
  EXPECT_EQ(r->refused[0], "order c-1: the venue reports 5 filled, its recorded fills sum to 4");
  // A stale report (answers overtake each other on a slow link) of a working
  // order moves nothing back either.
  order_record w{"c-2", "/user/a/mm", "acct", "sim", "BTC-USD", "buy", "limit", 100,
                 4,     "",           0,      0,     ""};
  ASSERT_EQ(core_->record_order(w), true);
  order_update fresh;
  fresh.client_order_id = "c-2";
  fresh.status = "partially_filled";
  fresh.filled = 1;
  fresh.fills = {fill_record{"sim", "9:t", "", 100, 1, 0, 0}};
  ASSERT_TRUE(core_->update_order(fresh));
  order_update stale;
  stale.client_order_id = "c-2";
  stale.status = "open";
  stale.filled = 0;
  r = core_->update_order(stale);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->refused.empty()) << "older, not wrong";
  EXPECT_EQ(core_->load_order("c-2")->status, "partially_filled");
  EXPECT_EQ(core_->load_order("c-2")->filled, 1);
  order_update nobody;
  nobody.client_order_id = "c-9";
  nobody.status = "open";
  EXPECT_EQ(runtime::to_text(core_->update_order(nobody).error()),
            "unknown_order: order c-9 was never recorded");
}

TEST_P(store_core_test, audit_records_come_back_in_time_order_from_a_point_in_time) {
  core_->append_audit(audit_record{0, 1'000, "/a", "u", "one", ""});
  core_->append_audit(audit_record{0, 3'000, "/a", "u", "three", "d"});
  core_->append_audit(audit_record{0, 2'000, "/b", "v", "two", ""});
  auto all = core_->query_audit(0, 10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].action, "one");
  EXPECT_EQ(all[1].action, "two");
  EXPECT_EQ(all[2].detail, "d");
  EXPECT_EQ(core_->query_audit(2'000, 10).size(), 2u);
  EXPECT_EQ(core_->query_audit(0, 1).size(), 1u);
  auto now = core_->append_audit(audit_record{0, 0, "/c", "u", "now", ""});
  EXPECT_GT(core_->query_audit(runtime::unix_now_ms() - 60'000, 10).back().ts_ms, 3'000);
  EXPECT_GT(now, 0u);
}

TEST_P(store_core_test, a_user_account_never_goes_negative_whatever_a_writer_believes) {
  ASSERT_TRUE(core_->append_ledger(deposit("k1", "alice", 10)));
  auto overdraw =
      ledger_txn{"k2", "withdraw", {leg("alice", "USD", -11), leg("@external", "USD", 11)}, ""};
  EXPECT_EQ(runtime::to_text(core_->append_ledger(overdraw).error()),
            "negative_balance: ledger transaction k2: alice USD available would be -1 (now 10)");
  EXPECT_EQ(core_->balance("alice", "USD", "available"), 10);
  EXPECT_EQ(core_->balance("@external", "USD", "available"), -10) << "system accounts may";
}

TEST_P(store_core_test, a_vault_write_is_atomic_replays_by_key_and_keeps_reservations_unique) {
  ASSERT_TRUE(core_->open_account(account_record{"a1", "alice", 0, {}}));
  EXPECT_EQ(runtime::to_text(core_->open_account(account_record{"a1", "bob", 0, {}}).error()),
            "account_conflict: account a1 belongs to user alice");
  auto w = reservation_write(5, 5);
  // Refused as a whole: the ledger would take a1 below zero.
  EXPECT_EQ(core_->apply_vault_write(w).error().code(),
            static_cast<uint8_t>(store_errc::negative_balance));
  EXPECT_EQ(core_->load_vault_account("a1", 0, 1'000).ops.size(), 0u) << "no journal row either";
  ASSERT_TRUE(core_->append_ledger(deposit("dep", "a1", 10)));
  auto first = core_->apply_vault_write(w);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->replayed);
  auto again = core_->apply_vault_write(w);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->op.txn_id, first->op.txn_id);
  EXPECT_EQ(core_->balance("a1", "USD", "reserved"), 5);
  // A reservation id is unique for ever: the store journals the refusal
  // (the account may not remember the id any more).
  w.op.key = w.txn.idempotency_key = "a1:r2";
  auto taken = core_->apply_vault_write(w);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->op.outcome, "invalid_request");
  EXPECT_EQ(taken->op.detail, "reservation ord-1 exists already in a1");
  EXPECT_EQ(core_->balance("a1", "USD", "reserved"), 5) << "nothing moved";
  // A credit without its pending debit is refused: nothing draws on @transit.
  vault_write credit;
  credit.op = vault_op_record{
      "a9:t1/credit", "a1", "alice", "transfer_in", "a9", "USD", 5, "applied", "", 0, 0, 0, 0};
  credit.has_txn = true;
  credit.txn = ledger_txn{
      "a9:t1/credit", "transfer_credit", {leg("@transit", "USD", -5), leg("a1", "USD", 5)}, ""};
  EXPECT_EQ(runtime::to_text(core_->apply_vault_write(credit).error()),
            "invalid_record: vault operation a9:t1/credit: no pending transfer of 5 USD from a9 "
            "to a1 to credit");
  auto data = core_->load_vault_account("a1", 0, 1'000);
  ASSERT_TRUE(data.found);
  EXPECT_EQ(data.account.user, "alice");
  ASSERT_EQ(data.reservations.size(), 1u);
  EXPECT_EQ(data.reservations[0].remaining, 5);
  ASSERT_EQ(data.balances.size(), 1u);
  EXPECT_EQ(data.balances[0].available, 5);
  EXPECT_EQ(data.balances[0].reserved, 5);
  EXPECT_FALSE(core_->load_vault_account("nobody", 0, 1'000).found);
}

TEST_P(store_core_test, a_reservation_records_its_order_in_the_same_transaction_or_not_at_all) {
  ASSERT_TRUE(core_->open_account(account_record{"a1", "alice", 0, {}}));
  ASSERT_TRUE(core_->append_ledger(deposit("dep", "a1", 100)));
  auto order = [](std::string id, std::string account = "a1") {
    return order_record{std::move(id),
                        "/user/alice/mm",
                        std::move(account),
                        "sim",
                        "BTC-USD",
                        "buy",
                        "limit",
                        100,
                        3,
                        "pending",
                        0,
                        0,
                        ""};
  };
  auto orders_named = [&](const std::string& id) {
    return count("SELECT COUNT(*) FROM orders WHERE client_order_id = '" + id + "'");
  };
  auto w = reservation_write(5, 95);
  w.orders.push_back(order("ord-1"));
  auto first = core_->apply_vault_write(w);
  ASSERT_TRUE(first) << runtime::to_text(first.error());
  EXPECT_TRUE(first->orders_known.empty());
  EXPECT_EQ(orders_named("ord-1"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders WHERE client_order_id = 'ord-1' AND "
                  "status = 'pending' AND qty = 3 AND venue = 'sim'"),
            1);
  // The same key again: nothing written, the order known (not to be sent
  // as new).
  auto again = core_->apply_vault_write(w);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->orders_known, std::vector<std::string>{"ord-1"});
  // A refusal carries no order (the caller's mistake, refused whole); one
  // only the store sees (the reservation id is taken) records none.
  vault_write refusal;
  refusal.op = vault_op_record{
      "a1:r3",        "a1", "alice", "reserve", "ord-3", "USD", 500, "insufficient_funds",
      "95 available", 95,   5,       0,         0};
  refusal.orders.push_back(order("ord-3"));
  EXPECT_EQ(runtime::to_text(core_->apply_vault_write(refusal).error()),
            "invalid_record: vault operation a1:r3: only a reservation made records an order "
            "(not a refusal)");
  EXPECT_EQ(orders_named("ord-3"), 0);
  auto taken = reservation_write(5, 90);
  taken.op.key = taken.txn.idempotency_key = "a1:r4";
  taken.orders.push_back(order("ord-1"));
  auto refused = core_->apply_vault_write(taken);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->op.outcome, "invalid_request");
  EXPECT_EQ(count("SELECT COUNT(*) FROM vault_operations WHERE key = 'a1:r4'"), 1);
  // Another account's order, or an order without its reservation: the
  // whole write is refused, nothing written.
  auto foreign = reservation_write(5, 90);
  foreign.op.key = foreign.txn.idempotency_key = "a1:r5";
  foreign.op.ref = foreign.reservations[0].id = "ord-5";
  foreign.orders.push_back(order("ord-5", "a2"));
  EXPECT_EQ(runtime::to_text(core_->apply_vault_write(foreign).error()),
            "invalid_record: vault operation a1:r5: order ord-5 is of account a2, not a1");
  foreign.orders.back() = order("ord-9");
  EXPECT_EQ(runtime::to_text(core_->apply_vault_write(foreign).error()),
            "invalid_record: vault operation a1:r5: order ord-9 has no reservation in it");
  EXPECT_EQ(count("SELECT COUNT(*) FROM vault_operations WHERE key = 'a1:r5'"), 0);
  // An order recorded before (by its session, the way orders were
  // recorded apart): that row stays as it was, reported known.
  auto earlier = order("ord-6");
  earlier.qty = 7;
  ASSERT_EQ(core_->record_order(earlier), true);
  auto reused = reservation_write(5, 90);
  reused.op.key = reused.txn.idempotency_key = "a1:r6";
  reused.op.ref = reused.reservations[0].id = "ord-6";
  reused.orders.push_back(order("ord-6"));
  auto kept = core_->apply_vault_write(reused);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->op.outcome, "applied");
  EXPECT_EQ(kept->orders_known, std::vector<std::string>{"ord-6"});
  EXPECT_EQ(count("SELECT qty FROM orders WHERE client_order_id = 'ord-6'"), 7);
  // One transaction: rolled back, neither the money nor the order stays.
  core_->commit();
  core_->begin();
  auto lost = reservation_write(5, 85);
  lost.op.key = lost.txn.idempotency_key = "a1:r7";
  lost.op.ref = lost.reservations[0].id = "ord-7";
  lost.orders.push_back(order("ord-7"));
  ASSERT_TRUE(core_->apply_vault_write(lost));
  core_->rollback();
  core_->begin();
  EXPECT_EQ(orders_named("ord-7"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM vault_operations WHERE key = 'a1:r7'"), 0);
}

// An account keeps whole only its newest results (and reloads only those):
// the rest of its idempotency window comes back as digests, so that a
// request under an older key is looked up, and a closed reservation it no
// longer holds is read by its id.
TEST_P(store_core_test, an_account_reloads_its_newest_rows_whole_and_older_keys_as_digests) {
  ASSERT_TRUE(core_->open_account(account_record{"a1", "alice", 0, {}}));
  for (int i = 1; i <= 5; ++i) {
    auto key = "a1:d" + std::to_string(i);
    vault_write w;
    w.op = vault_op_record{key,       "a1", "alice", "deposit", "", "USD",    10,
                           "applied", "",   10 * i,  0,         0,  1'000 + i};
    w.has_txn = true;
    w.txn = deposit(key, "a1", 10);
    ASSERT_TRUE(core_->apply_vault_write(w));
  }
  auto reserve = reservation_write(5, 45);
  reserve.op.created_at_ms = 2'000;
  ASSERT_TRUE(core_->apply_vault_write(reserve));
  auto data = core_->load_vault_account("a1", 1'002, 2);
  ASSERT_EQ(data.ops.size(), 2u);
  EXPECT_EQ(data.ops[0].key, "a1:d5");
  EXPECT_EQ(data.ops[1].key, "a1:r1");
  ASSERT_EQ(data.older_keys.size(), 3u) << "d1 is before the window";
  EXPECT_EQ(data.older_keys[0].digest, key_digest_of("a1:d2"));
  EXPECT_EQ(data.older_keys[0].at_ms, 1'002);
  EXPECT_EQ(data.older_keys[2].digest, key_digest_of("a1:d4"));
  EXPECT_NE(key_digest_of("a1:d2"), key_digest_of("a1:d3"));
  EXPECT_EQ(key_digest_of(""), 14'695'981'039'346'656'037ULL) << "FNV-1a's basis";
  EXPECT_EQ(data.reservations.size(), 1u) << "an open reservation always comes";
  // Closed, it comes only among the newest kept.
  auto release = reservation_write(5, 50);
  release.op = vault_op_record{"a1:x1",   "a1", "alice", "release", "ord-1", "USD", 5,
                               "applied", "",   50,      0,         0,       2'001};
  release.txn =
      ledger_txn{"a1:x1", "release", {leg("a1", "USD", -5, "reserved"), leg("a1", "USD", 5)}, ""};
  release.reservations[0].remaining = 0;
  release.reservations[0].state = "released";
  ASSERT_TRUE(core_->apply_vault_write(release));
  EXPECT_EQ(core_->load_vault_account("a1", 0, 2).reservations.size(), 1u);
  EXPECT_EQ(core_->load_vault_account("a1", 0, 0).reservations.size(), 0u);
  EXPECT_EQ(core_->load_vault_account("a1", 0, 0).older_keys.size(), 7u);
  auto one = core_->load_reservation("a1", "ord-1");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->state, "released");
  EXPECT_EQ(one->amount, 5);
  EXPECT_FALSE(core_->load_reservation("a1", "ord-2"));
  EXPECT_FALSE(core_->load_reservation("b1", "ord-1"));
}

namespace {

// A settlement of `qty` of reservation ord-1 (6 to buy at 10 USD each),
// leaving `filled` of it filled and `remaining` USD reserved: as an account
// actor decides it, the reservation record holding the result.
vault_write settlement(const std::string& fill, int64_t qty, int64_t filled, int64_t remaining,
                       uint64_t seq) {
  vault_write w;
  w.op = vault_op_record{"a1:" + fill, "a1", "alice", "settle",  "ord-1", "USD", qty * 10,
                         "applied",    "",   0,       remaining, 0,       0};
  w.has_txn = true;
  w.txn = ledger_txn{"a1:" + fill,
                     "settle",
                     {leg("a1", "USD", -qty * 10, "reserved"), leg("@venue:sim", "USD", qty * 10),
                      leg("@venue:sim", "BTC", -qty), leg("a1", "BTC", qty)},
                     ""};
  w.reservations.push_back(reservation_record{"a1", "ord-1", "USD", 60, remaining,
                                              remaining == 0 ? "settled" : "open", 0,
                                              reservation_terms{"buy", 10, 6, "BTC"}, filled});
  w.seq = seq;
  return w;
}

} // namespace

// An account decides each write on its memory, which holds its writes still
// in flight: when one fails, a later one stored anyway would carry effects
// the ledger never got (seed 25 of the chaos harness: a reservation closed
// as filled while one of its fills was never booked, so that fill was
// refused for good when it came again).
TEST_P(store_core_test, an_account_write_is_stored_only_right_after_the_one_before_it) {
  ASSERT_TRUE(core_->open_account(account_record{"a1", "alice", 0, {{"USD", 100}}}));
  EXPECT_EQ(core_->load_vault_account("a1", 0, 1'000).write_seq, 0u);
  auto reserve = reservation_write(60, 40, reservation_terms{"buy", 10, 6, "BTC"});
  reserve.seq = 1;
  ASSERT_TRUE(core_->apply_vault_write(reserve));
  // Write 2 (2 of the 6) fails on its way; write 3 (the other 4) was
  // decided on memory that holds write 2: it must not be stored.
  auto late = core_->apply_vault_write(settlement("f2", 4, 6, 0, 3));
  ASSERT_FALSE(late);
  EXPECT_EQ(runtime::to_text(late.error()),
            "conflict: account a1: write a1:f2 is the account's number 3, but the last one "
            "stored is number 1 (a write before it failed, or another instance of the account "
            "wrote): it was decided on memory the ledger does not hold; the account must reload");
  auto data = core_->load_vault_account("a1", 0, 1'000);
  EXPECT_EQ(data.write_seq, 1u);
  ASSERT_EQ(data.reservations.size(), 1u);
  EXPECT_EQ(data.reservations[0].filled, 0) << "nothing of write 3 was stored";
  EXPECT_EQ(data.reservations[0].remaining, 60);
  EXPECT_EQ(core_->balance("a1", "BTC", "available"), 0);
  EXPECT_FALSE(core_->load_vault_op("a1:f2"));
  // The account reloads and decides both again, in any order: both book.
  ASSERT_TRUE(core_->apply_vault_write(settlement("f2", 4, 4, 20, 2)));
  ASSERT_TRUE(core_->apply_vault_write(settlement("f1", 2, 6, 0, 3)));
  data = core_->load_vault_account("a1", 0, 1'000);
  EXPECT_EQ(data.write_seq, 3u);
  EXPECT_EQ(data.reservations[0].filled, 6);
  EXPECT_EQ(data.reservations[0].state, "settled");
  EXPECT_EQ(core_->balance("a1", "BTC", "available"), 6);
  EXPECT_EQ(core_->balance("a1", "USD", "reserved"), 0);
  // A replay stores nothing, so the sequence stays: the write after it,
  // decided on memory that thought it new, is refused too.
  auto replay = core_->apply_vault_write(settlement("f1", 2, 6, 0, 4));
  ASSERT_TRUE(replay);
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(core_->load_vault_account("a1", 0, 1'000).write_seq, 3u);
  // So does a refusal only the store could see (a reservation id used
  // before): the row is journaled, memory had applied it.
  reserve.op.key = reserve.txn.idempotency_key = "a1:r2";
  reserve.seq = 4;
  auto taken = core_->apply_vault_write(reserve);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->op.outcome, "invalid_request");
  EXPECT_EQ(core_->load_vault_account("a1", 0, 1'000).write_seq, 3u);
  EXPECT_EQ(core_->apply_vault_write(settlement("f3", 1, 6, 0, 5)).error().code(),
            static_cast<uint8_t>(store_errc::conflict));
  // Unchained writes (the store's own) neither check nor advance it.
  auto unchained = settlement("f4", 0, 6, 0, 0);
  unchained.has_txn = false;
  ASSERT_TRUE(core_->apply_vault_write(unchained));
  EXPECT_EQ(core_->load_vault_account("a1", 0, 1'000).write_seq, 3u);
}

// A fill settled but never recorded (its session's record lost with the
// member that ran it, the venue restarted and forgot the order) was money
// the trading record could not explain (chaos seed 12): the settlement
// carries its fill and both are durable together.
TEST_P(store_core_test, a_settlement_records_its_fill_in_the_same_transaction) {
  ASSERT_TRUE(core_->open_account(account_record{"a1", "alice", 0, {{"USD", 100}}}));
  ASSERT_EQ(core_->record_order(order_record{"ord-1", "/user/alice/mm", "a1", "sim", "BTC-USD",
                                             "buy", "limit", 10, 6, "open", 0, 0, ""}),
            true);
  auto reserve = reservation_write(60, 40, reservation_terms{"buy", 10, 6, "BTC"});
  reserve.seq = 1;
  ASSERT_TRUE(core_->apply_vault_write(reserve));
  auto fill = [](const std::string& id, int64_t qty, int64_t price = 10) {
    return fill_record{"sim", id, "ord-1", price, qty, 0, 0};
  };
  auto fills_named = [&](const std::string& id) {
    return count("SELECT COUNT(*) FROM fills WHERE venue_fill_id = '" + id + "'");
  };
  auto w = settlement("f1", 2, 2, 40, 2);
  w.fills.push_back(fill("f1", 2));
  auto first = core_->apply_vault_write(w);
  ASSERT_TRUE(first) << runtime::to_text(first.error());
  EXPECT_TRUE(first->fills_unrecorded.empty());
  EXPECT_EQ(fills_named("f1"), 1);
  EXPECT_EQ(count("SELECT qty FROM fills WHERE venue_fill_id = 'f1' AND client_order_id = "
                  "'ord-1' AND venue = 'sim' AND price = 10"),
            2);
  // Recorded before by its session, with the same terms: kept, once.
  ASSERT_EQ(core_->record_fill(fill("f2", 1)), true);
  w = settlement("f2", 1, 3, 30, 3);
  w.fills.push_back(fill("f2", 1));
  auto second = core_->apply_vault_write(w);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->fills_unrecorded.empty());
  EXPECT_EQ(fills_named("f2"), 1);
  // Recorded before with other terms: the settlement stands (the money
  // moved as reported), the conflict is reported for the operators.
  ASSERT_EQ(core_->record_fill(fill("f3", 1, 9)), true);
  w = settlement("f3", 1, 4, 20, 4);
  w.fills.push_back(fill("f3", 1));
  auto conflict = core_->apply_vault_write(w);
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->op.outcome, "applied");
  ASSERT_EQ(conflict->fills_unrecorded.size(), 1u);
  EXPECT_EQ(conflict->fills_unrecorded[0],
            "fill sim/f3 of order ord-1 (1 at 10, fee 0) was recorded before as 1 at 9, fee 0");
  EXPECT_EQ(count("SELECT price FROM fills WHERE venue_fill_id = 'f3'"), 9);
  // A fill of another order than the reservation's, or on a reservation:
  // the account's mistake, refused whole.
  w = settlement("f4", 1, 5, 10, 5);
  w.fills.push_back(fill("f4", 1));
  w.fills.back().client_order_id = "ord-2";
  EXPECT_EQ(runtime::to_text(core_->apply_vault_write(w).error()),
            "invalid_record: vault operation a1:f4: fill f4 is of order ord-2, the settlement of "
            "reservation ord-1");
  auto wrong = reservation_write(5, 35);
  wrong.op.key = wrong.txn.idempotency_key = "a1:r9";
  wrong.fills.push_back(fill("f9", 1));
  EXPECT_EQ(runtime::to_text(core_->apply_vault_write(wrong).error()),
            "invalid_record: vault operation a1:r9: only a settlement applied records a fill (not "
            "a refusal)");
  EXPECT_EQ(fills_named("f4") + fills_named("f9"), 0);
  // One transaction: rolled back, neither the money nor the fill stays.
  core_->commit();
  core_->begin();
  w = settlement("f5", 1, 5, 10, 5);
  w.fills.push_back(fill("f5", 1));
  ASSERT_TRUE(core_->apply_vault_write(w));
  core_->rollback();
  core_->begin();
  EXPECT_EQ(fills_named("f5"), 0);
  EXPECT_FALSE(core_->load_vault_op("a1:f5"));
}

// An order refused or halted before it left: its release closes its record
// in the same transaction (rejections fold their release into the status
// write); a record never written has nothing to close.
TEST_P(store_core_test, a_release_closes_the_record_of_an_order_that_never_left) {
  ASSERT_TRUE(core_->open_account(account_record{"a1", "alice", 0, {{"USD", 100}}}));
  auto reserve = reservation_write(60, 40, reservation_terms{"buy", 10, 6, "BTC"});
  reserve.orders.push_back(order_record{"ord-1", "/user/alice/mm", "a1", "sim", "BTC-USD", "buy",
                                        "limit", 10, 6, "pending", 0, 0, ""});
  ASSERT_TRUE(core_->apply_vault_write(reserve));
  auto release = [](std::string key, std::string status) {
    vault_write w;
    w.op = vault_op_record{"a1:" + key, "a1", "alice", "release", "ord-1", "USD", 60,
                           "applied",   "",   100,     0,         0,       0};
    w.has_txn = true;
    w.txn = ledger_txn{
        "a1:" + key, "release", {leg("a1", "USD", -60, "reserved"), leg("a1", "USD", 60)}, ""};
    w.reservations.push_back(reservation_record{"a1", "ord-1", "USD", 60, 0, "released", 0,
                                                reservation_terms{"buy", 10, 6, "BTC"}, 0});
    order_update u;
    u.client_order_id = "ord-1";
    u.status = std::move(status);
    u.reason = "trading was halted before ord-1 was sent";
    w.order_updates.push_back(std::move(u));
    return w;
  };
  auto filled = release("x0", "filled");
  EXPECT_EQ(runtime::to_text(core_->apply_vault_write(filled).error()),
            "invalid_record: vault operation a1:x0: order ord-1 closes as rejected or cancelled, "
            "without fills (got 'filled')");
  // One transaction: rolled back, the record stays as it was.
  core_->commit();
  core_->begin();
  ASSERT_TRUE(core_->apply_vault_write(release("x1", "rejected")));
  core_->rollback();
  core_->begin();
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders WHERE client_order_id = 'ord-1' AND status = "
                  "'pending'"),
            1);
  ASSERT_TRUE(core_->apply_vault_write(release("x1", "rejected")));
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders WHERE client_order_id = 'ord-1' AND status = "
                  "'rejected' AND reason = 'trading was halted before ord-1 was sent'"),
            1);
  EXPECT_EQ(core_->balance("a1", "USD", "reserved"), 0);
  // Of a reservation whose order was never recorded: the money goes back.
  auto other = reservation_write(10, 90);
  other.op.key = other.txn.idempotency_key = "a1:r2";
  other.op.ref = other.reservations[0].id = "ord-2";
  ASSERT_TRUE(core_->apply_vault_write(other));
  auto w = release("x2", "cancelled");
  w.op.ref = w.reservations[0].id = w.order_updates[0].client_order_id = "ord-2";
  w.op.amount = w.reservations[0].amount = 10;
  w.reservations[0].terms = {};
  w.txn.legs = {leg("a1", "USD", -10, "reserved"), leg("a1", "USD", 10)};
  auto closed = core_->apply_vault_write(w);
  ASSERT_TRUE(closed) << runtime::to_text(closed.error());
  EXPECT_EQ(core_->balance("a1", "USD", "reserved"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders WHERE client_order_id = 'ord-2'"), 0);
}

namespace {

// A transfer, its credit, its post, a replay, a refusal and a reused
// reservation id, in one transaction: what a batch of the vault looks like.
std::vector<vault_write> vault_batch() {
  std::vector<vault_write> ws;
  vault_write debit;
  debit.op = vault_op_record{"a1:t1",   "a1", "alice", "transfer", "a2", "USD", 4,
                             "pending", "",   6,       0,          0,    0};
  debit.has_txn = true;
  debit.txn =
      ledger_txn{"a1:t1", "transfer_debit", {leg("a1", "USD", -4), leg("@transit", "USD", 4)}, ""};
  ws.push_back(debit);
  vault_write credit;
  credit.op = vault_op_record{
      "a1:t1/credit", "a2", "bob", "transfer_in", "a1", "USD", 4, "applied", "", 4, 0, 0, 0};
  credit.has_txn = true;
  credit.txn = ledger_txn{
      "a1:t1/credit", "transfer_credit", {leg("@transit", "USD", -4), leg("a2", "USD", 4)}, ""};
  ws.push_back(credit);
  vault_write post = debit;
  post.update = true;
  post.has_txn = false;
  post.op.outcome = "applied";
  ws.push_back(post);
  ws.push_back(debit); // a replay: the first row answers
  vault_write overdraw = debit;
  overdraw.op.key = overdraw.txn.idempotency_key = "a1:t2";
  overdraw.op.amount = 7;
  overdraw.txn.legs = {leg("a1", "USD", -7), leg("@transit", "USD", 7)};
  ws.push_back(overdraw);
  vault_write reserve;
  reserve.op = vault_op_record{"a1:r1",   "a1", "alice", "reserve", "ord-1", "USD", 1,
                               "applied", "",   5,       1,         0,       0};
  reserve.has_txn = true;
  reserve.txn =
      ledger_txn{"a1:r1", "reserve", {leg("a1", "USD", -1), leg("a1", "USD", 1, "reserved")}, ""};
  reserve.reservations.push_back(reservation_record{"a1", "ord-1", "USD", 1, 1, "open", 0, {}, 0});
  ws.push_back(reserve);
  vault_write again = reserve;
  again.op.key = again.txn.idempotency_key = "a1:r2";
  ws.push_back(again);
  return ws;
}

// Every answer of the batch as text, then the balances it left.
std::string run_vault_batch(store_core& core, bool read_ahead) {
  auto ws = vault_batch();
  core.begin();
  if (read_ahead) {
    write_outline outline;
    for (auto& w : ws)
      outline.vault_writes.push_back(&w);
    core.prefetch(outline);
  }
  std::string out;
  for (auto& w : ws) {
    auto r = core.apply_vault_write(w);
    if (!r) {
      out += runtime::to_text(r.error()) + "\n";
      continue;
    }
    out += r->op.key + " " + r->op.outcome + " " + r->op.detail + (r->replayed ? " replayed" : "") +
           (r->op.txn_id != 0 ? " with a txn" : "") + "\n";
  }
  core.commit();
  for (auto* account : {"a1", "a2", "@transit"})
    for (auto* bucket : {"available", "reserved"})
      out += std::string{account} + " " + bucket + " " +
             std::to_string(core.balance(account, "USD", bucket)) + "\n";
  return out;
}

} // namespace

// A cluster member credits what another member debited: it finds the
// pending debits (the outbox) and where each account runs; the sender reads
// the credit's outcome by its key.
TEST_P(store_core_test, pending_transfers_are_an_outbox_until_posted) {
  ASSERT_TRUE(core_->open_account(account_record{"a1", "alice", 0, {{"USD", 10}}}));
  ASSERT_TRUE(core_->open_account(account_record{"a2", "bob", 0, {}}));
  auto ws = vault_batch();
  EXPECT_TRUE(core_->pending_transfers().empty());
  ASSERT_TRUE(core_->apply_vault_write(ws[0]));
  auto pending = core_->pending_transfers();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].key, "a1:t1");
  EXPECT_EQ(pending[0].account, "a1");
  EXPECT_EQ(pending[0].ref, "a2");
  EXPECT_EQ(pending[0].amount, 4);
  EXPECT_FALSE(core_->load_vault_op("a1:t1/credit")) << "not credited yet";
  ASSERT_TRUE(core_->apply_vault_write(ws[1]));
  auto credited = core_->load_vault_op("a1:t1/credit");
  ASSERT_TRUE(credited);
  EXPECT_EQ(credited->outcome, "applied");
  EXPECT_GT(credited->txn_id, 0);
  EXPECT_EQ(core_->pending_transfers().size(), 1u) << "pending until the sender posts";
  ASSERT_TRUE(core_->apply_vault_write(ws[2]));
  EXPECT_TRUE(core_->pending_transfers().empty());
}

TEST_P(store_core_test, an_account_runs_where_its_users_live_lease_is) {
  ASSERT_TRUE(core_->open_account(account_record{"a2", "bob", 0, {}}));
  auto at = core_->load_account_placement("a2");
  EXPECT_TRUE(at.found);
  EXPECT_EQ(at.user, "bob");
  EXPECT_EQ(at.owner, "") << "no lease: a single node, or between owners";
  EXPECT_FALSE(core_->load_account_placement("nobody").found);
  auto exec = [&](const std::string& sql) {
    auto q = core_->db().prepare(sql);
    q->step();
  };
  exec("INSERT INTO cluster_members (name, incarnation, address, host, pid, state, started_at, "
       "renewed_at) VALUES ('node-2', 7, '127.0.0.1:4302', '127.0.0.1', 1, 'up', 0, 0)");
  // A lease that runs for years: node-2 runs bob.
  exec("INSERT INTO user_leases (\"user\", owner, incarnation, epoch, expires_at, updated_at) "
       "VALUES ('bob', 'node-2', 7, 3, 99999999999999, 0)");
  at = core_->load_account_placement("a2");
  EXPECT_EQ(at.owner, "node-2");
  EXPECT_EQ(at.address, "127.0.0.1:4302");
  EXPECT_EQ(at.epoch, 3);
  // Held by an earlier incarnation, or run out: nobody runs it now.
  exec("UPDATE user_leases SET incarnation = 6 WHERE \"user\" = 'bob'");
  EXPECT_EQ(core_->load_account_placement("a2").owner, "");
  exec("UPDATE user_leases SET incarnation = 7, expires_at = 1 WHERE \"user\" = 'bob'");
  EXPECT_EQ(core_->load_account_placement("a2").owner, "");
}

// A cluster's switches: set, read by prefix, put back; bad ones refused
// with nothing written.
TEST_P(store_core_test, switches_are_kept_while_away_from_their_default) {
  EXPECT_TRUE(core_->load_switches("trading/").empty());
  ASSERT_TRUE(core_->put_switch(farm_switch{"trading/farm", "halted", "incident 42", "dave", 0}));
  ASSERT_TRUE(core_->put_switch(farm_switch{"trading/user/a_%b", "reducing", "", "system", 0}));
  ASSERT_TRUE(core_->put_switch(farm_switch{"vault/emergency", "on", "", "erin", 0}));
  auto trading = core_->load_switches("trading/");
  ASSERT_EQ(trading.size(), 2u);
  EXPECT_EQ(trading[0].name, "trading/farm");
  EXPECT_EQ(trading[0].state, "halted");
  EXPECT_EQ(trading[0].reason, "incident 42");
  EXPECT_EQ(trading[0].by, "dave");
  EXPECT_GT(trading[0].at_ms, 0) << "the database's clock";
  EXPECT_EQ(trading[1].name, "trading/user/a_%b");
  // LIKE's wildcards in a prefix are plain characters.
  EXPECT_EQ(core_->load_switches("trading/user/a_%").size(), 1u);
  EXPECT_TRUE(core_->load_switches("trading/user/a%").empty());
  // Set again: one row, the newest state.
  ASSERT_TRUE(core_->put_switch(farm_switch{"trading/farm", "reducing", "calmer", "erin", 0}));
  trading = core_->load_switches("trading/farm");
  ASSERT_EQ(trading.size(), 1u);
  EXPECT_EQ(trading[0].state, "reducing");
  EXPECT_EQ(trading[0].by, "erin");
  // Back to the default: the row goes; another prefix is untouched.
  ASSERT_TRUE(core_->put_switch(farm_switch{"trading/farm", "", "resumed", "erin", 0}));
  EXPECT_EQ(core_->load_switches("trading/").size(), 1u);
  EXPECT_EQ(core_->load_switches("vault/").size(), 1u);
  // Bad input: an error value, nothing written.
  auto bad = core_->put_switch(farm_switch{"", "on", "", "", 0});
  ASSERT_FALSE(bad);
  EXPECT_NE(runtime::to_text(bad.error()).find("name"), std::string::npos);
  EXPECT_FALSE(core_->put_switch(farm_switch{"vault/x", std::string(40, 's'), "", "", 0}));
  EXPECT_FALSE(core_->put_switch(farm_switch{"vault/x", "on", std::string(1'001, 'r'), "", 0}));
  EXPECT_TRUE(core_->load_switches("vault/x").empty());
}

TEST_P(store_core_test, a_batch_read_ahead_answers_as_row_by_row_reads_do) {
  std::string results[2];
  for (int read_ahead = 0; read_ahead < 2; ++read_ahead) {
    test::temp_dir dir;
    auto db = open_database(test::fresh_database(GetParam(), dir.path().string()));
    ASSERT_TRUE(db) << runtime::to_text(db.error());
    store_core core{std::move(*db)};
    core.begin();
    ASSERT_TRUE(core.open_account(account_record{"a1", "alice", 0, {{"USD", 10}}}));
    ASSERT_TRUE(core.open_account(account_record{"a2", "bob", 0, {}}));
    core.commit();
    results[read_ahead] = run_vault_batch(core, read_ahead == 1);
  }
  EXPECT_EQ(results[1], results[0]);
  EXPECT_NE(results[0].find("a1:t1 applied  replayed with a txn"), std::string::npos) << results[0];
  EXPECT_NE(results[0].find("negative_balance"), std::string::npos) << results[0];
  EXPECT_NE(results[0].find("a1:r2 invalid_request reservation ord-1 exists already in a1"),
            std::string::npos)
      << results[0];
  EXPECT_NE(results[0].find("a2 available 4"), std::string::npos) << results[0];
  EXPECT_NE(results[0].find("@transit available 0"), std::string::npos) << results[0];
}

TEST_P(store_core_test, checkpoint_numbers_reserved_for_a_batch_keep_saves_in_order) {
  core_->commit();
  core_->begin();
  write_outline outline;
  outline.checkpoints = 3;
  core_->prefetch(outline);
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 5; ++i) // more saves than the outline said
    seqs.push_back(core_->save_checkpoint(make_checkpoint("/a", "v" + std::to_string(i))));
  core_->commit();
  for (size_t i = 1; i < seqs.size(); ++i)
    EXPECT_LT(seqs[i - 1], seqs[i]);
  core_->begin();
  auto later = core_->save_checkpoint(make_checkpoint("/a", "later"));
  EXPECT_GT(later, seqs.back());
  auto kept = core_->load_checkpoints("/a");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].blob, "later");
  EXPECT_EQ(kept[1].blob, "v4");
}

INSTANTIATE_TEST_SUITE_P(backends, store_core_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
