// The chaos run's store invariants on both backends: a clean store holds
// them all, and each planted loss or duplicate shows as a violation of its
// invariant (a check that cannot fail is no check).
#include <gtest/gtest.h>

#include "chaos/store_invariants.hpp"
#include "persistence/database.hpp"
#include "persistence/sql_connection.hpp"
#include "runtime/error_text.hpp"
#include "test_database.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

namespace tfarm::test {
namespace {

class store_invariants_test : public testing::TestWithParam<backend> {
protected:
  void SetUp() override {
    db_ = fresh_database(GetParam(), dir_.path().string());
    auto c = persistence::open_database(db_);
    ASSERT_TRUE(c) << runtime::to_text(c.error());
    sql_ = std::move(*c);
  }

  // The invariant named `name` from a check of the store.
  chaos::invariant_result check(const std::string& name,
                                const std::vector<chaos::transfer_record>& transfers = {}) {
    chaos::store_reader reader{db_};
    for (auto& x : chaos::check_store(reader, transfers))
      if (x.name == name)
        return x;
    ADD_FAILURE() << "no invariant " << name;
    return {};
  }

  void exec(const std::string& sql) { sql_->exec(sql); }

  temp_dir dir_;
  std::string db_;
  std::unique_ptr<persistence::sql_connection> sql_;
};

TEST_P(store_invariants_test, a_clean_store_holds_every_invariant) {
  chaos::store_reader reader{db_};
  auto all = chaos::check_store(reader, {});
  ASSERT_EQ(all.size(), 7u);
  for (auto& x : all)
    EXPECT_TRUE(x.holds()) << x.name << ": " << (x.details.empty() ? "" : x.details.front());
}

TEST_P(store_invariants_test, a_fill_recorded_twice_shows) {
  exec("INSERT INTO orders (client_order_id, agent, account, venue, symbol, side, type, price, "
       "qty, status, created_at, updated_at, filled) VALUES "
       "('o1', '/user/a/x', 'a-main', 'sim-a', 'BTC-USD', 'buy', 'limit', 100, 2, 'filled', 1, 1, "
       "2), ('o2', '/user/a/x', 'a-main', 'sim-a', 'BTC-USD', 'buy', 'limit', 100, 2, 'open', 1, "
       "1, 0)");
  exec("INSERT INTO fills (venue, client_order_id, venue_fill_id, price, qty, fee, ts) VALUES "
       "('sim-a', 'o1', '7.1:t', 100, 2, 0, 1), ('sim-a', 'o2', '7.1:t', 100, 2, 0, 1)");
  auto x = check("fill_once");
  EXPECT_EQ(x.violations, 1);
  ASSERT_FALSE(x.details.empty());
  EXPECT_EQ(x.details.front(), "sim-a 7.1:t 2");
  EXPECT_FALSE(check("ledger_and_trading").holds()) << "unsettled fills are money missing";
}

TEST_P(store_invariants_test, a_balance_below_zero_shows_but_a_system_account_may_be) {
  exec("INSERT INTO balances (account, asset, bucket, amount) VALUES "
       "('@external', 'USD', 'available', -500), ('a-main', 'USD', 'available', -5)");
  auto x = check("no_negative_balance");
  EXPECT_EQ(x.violations, 1);
  ASSERT_FALSE(x.details.empty());
  EXPECT_EQ(x.details.front(), "a-main USD available -5");
}

TEST_P(store_invariants_test, money_left_in_flight_shows) {
  exec("INSERT INTO vault_operations (key, account, \"user\", op, outcome, created_at, "
       "updated_at) VALUES ('a-main:k1', 'a-main', 'a', 'transfer', 'pending', 1, 1)");
  exec("INSERT INTO ledger_transactions (idempotency_key, kind, created_at) VALUES "
       "('a-main:k1/debit', 'transfer', 1)");
  exec("INSERT INTO ledger_entries (txn_id, account, asset, bucket, amount) SELECT id, "
       "'@transit', 'USD', 'available', 40 FROM ledger_transactions");
  auto x = check("nothing_in_flight");
  EXPECT_EQ(x.violations, 2);
  ASSERT_EQ(x.details.size(), 2u);
  EXPECT_EQ(x.details[0], "pending a-main:k1");
  EXPECT_EQ(x.details[1], "@transit 40");
}

// user_writes as the store keeps it: a handoff from node-1 to node-2 is
// clean; each way a stale owner could have slipped past the fence shows.
TEST_P(store_invariants_test, a_write_past_the_fence_shows) {
  exec("INSERT INTO user_leases (\"user\", owner, incarnation, epoch) VALUES ('alice', "
       "'node-2', 1, 4)");
  auto write = [&](int seq, int epoch, const std::string& node) {
    exec("INSERT INTO user_writes (seq, \"user\", epoch, node) VALUES (" + std::to_string(seq) +
         ", 'alice', " + std::to_string(epoch) + ", '" + node + "')");
  };
  for (int seq = 1; seq <= 9; ++seq)
    write(seq, 3, "node-1");
  for (int seq = 10; seq <= 12; ++seq)
    write(seq, 4, "node-2");
  auto x = check("fence_per_write");
  EXPECT_TRUE(x.holds()) << (x.details.empty() ? "" : x.details.front());
  EXPECT_EQ(x.checked, 12);
  // A write of node-1 under epoch 3 stored after node-2's first under 4.
  write(13, 3, "node-1");
  x = check("fence_per_write");
  ASSERT_EQ(x.violations, 1);
  EXPECT_EQ(x.details.front(), "a write under an older epoch after a newer one alice write #13 "
                               "under an epoch before 4, whose first write is #10 (node-2)");
  EXPECT_FALSE(check("ledger_and_trading").holds()) << "db check reports it too";
  exec("DELETE FROM user_writes WHERE seq = 13");
  // Two members under one epoch.
  write(14, 4, "node-3");
  x = check("fence_per_write");
  ASSERT_EQ(x.violations, 1);
  EXPECT_EQ(x.details.front(),
            "two members under one epoch alice epoch 4: 2 members (node-2, node-3)");
  exec("DELETE FROM user_writes WHERE node = 'node-3'");
  // An epoch the lease never reached.
  write(15, 5, "node-1");
  x = check("fence_per_write");
  ASSERT_EQ(x.violations, 1);
  EXPECT_EQ(x.details.front(),
            "a write under an epoch the lease never had alice node-1 under epoch 5, the lease "
            "is at 4");
}

TEST_P(store_invariants_test, a_critical_incident_shows) {
  exec("INSERT INTO alerts (rule, severity, state, message, fired_at, updated_at) VALUES "
       "('vault_success_rate', 'critical', 'resolved', 'not an incident', 1, 1), "
       "('incident:fill_unsettled', 'critical', 'firing', 'a fill was not settled', 1, 1)");
  auto x = check("no_critical_incident");
  EXPECT_EQ(x.violations, 1);
  EXPECT_EQ(x.checked, 2);
}

TEST_P(store_invariants_test, a_transfer_lost_or_made_though_refused_shows) {
  exec("INSERT INTO vault_operations (key, account, \"user\", op, outcome, created_at, "
       "updated_at) VALUES ('a-main:t2', 'a-main', 'a', 'transfer', 'applied', 1, 1)");
  exec("INSERT INTO ledger_transactions (idempotency_key, kind, created_at) VALUES "
       "('a-main:t2/credit', 'transfer', 1)");
  chaos::transfer_record lost; // acknowledged, never applied
  lost.from = "a-main";
  lost.to = "b-main";
  lost.key = "t1";
  lost.first = 0;
  lost.final = 0;
  chaos::transfer_record refused_but_made = lost;
  refused_but_made.key = "t2";
  refused_but_made.first = 1;
  refused_but_made.final = 1;
  chaos::transfer_record changed_its_answer = lost;
  changed_its_answer.key = "t3";
  changed_its_answer.final = 1;
  chaos::transfer_record refused = lost; // refused and nothing moved: fine
  refused.key = "t4";
  refused.first = 1;
  refused.final = 1;
  auto x = check("transfer_once", {lost, refused_but_made, changed_its_answer, refused});
  EXPECT_EQ(x.checked, 4);
  EXPECT_EQ(x.violations, 3);
  ASSERT_EQ(x.details.size(), 3u);
  EXPECT_NE(x.details[0].find("t1 a-main -> b-main: acknowledged but applied 0 times"),
            std::string::npos)
      << x.details[0];
  EXPECT_NE(x.details[1].find("but applied 1 times, credited 1 times"), std::string::npos)
      << x.details[1];
  EXPECT_NE(x.details[2].find("acknowledged, then answered"), std::string::npos) << x.details[2];
  // The operation the store holds, acknowledged: it holds.
  chaos::transfer_record made = lost;
  made.key = "t2";
  EXPECT_TRUE(check("transfer_once", {made}).holds());
}

INSTANTIATE_TEST_SUITE_P(backends, store_invariants_test, testing::ValuesIn(backends),
                         backend_name{});

} // namespace
} // namespace tfarm::test
