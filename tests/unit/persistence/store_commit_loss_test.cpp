// A COMMIT whose outcome the store never learns: the connection breaks as
// it is sent, before the server has it (the transaction is gone) or after
// (it is durable, the answer is lost). Either way the store must not
// acknowledge it, and the writer's retry by the same idempotency key after
// reconnecting must leave every movement in the ledger exactly once: the
// ambiguity of a lost COMMIT on a server connection (PostgreSQL), which a
// power cut of the client cannot produce. Both backends, same code.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/sql_error.hpp"
#include "persistence/store_core.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

constexpr int movements = 8;

/// A connection whose `at`th COMMIT breaks it: before the server has it,
/// or after (applied, the answer lost).
class lossy_connection final : public sql_connection {
public:
  lossy_connection(std::unique_ptr<sql_connection> real, int at, bool applied)
      : real_(std::move(real)), at_(at), applied_(applied) {}

  sql_dialect dialect() const noexcept override { return real_->dialect(); }
  const std::string& name() const noexcept override { return real_->name(); }
  void exec(const std::string& sql) override {
    usable();
    real_->exec(sql);
  }
  using sql_connection::prepare;
  std::unique_ptr<sql_statement> prepare(const std::string& sql, plan how) override {
    usable();
    return real_->prepare(sql, how);
  }
  bool table_exists(const std::string& table) override {
    usable();
    return real_->table_exists(table);
  }
  void begin_write() override {
    usable();
    real_->begin_write();
  }
  void begin_read() override {
    usable();
    real_->begin_read();
  }
  void rollback() noexcept override {
    if (!broken_)
      real_->rollback();
  }
  bool broken() const noexcept override { return broken_ || real_->broken(); }

  void commit() override {
    usable();
    if (++commits_ != at_)
      return real_->commit();
    if (applied_)
      real_->commit();
    else
      real_->rollback();
    broken_ = true;
    throw sql_error{real_->dialect(), sql_failure::connection_lost, "",
                    "the connection broke during COMMIT"};
  }

private:
  /// A broken connection stays broken: every call fails as libpq's would.
  void usable() const {
    if (broken_)
      throw sql_error{real_->dialect(), sql_failure::connection_lost, "",
                      "the connection is broken"};
  }

  std::unique_ptr<sql_connection> real_;
  int at_;
  bool applied_;
  int commits_ = 0;
  bool broken_ = false;
};

/// Movement `i` of trial `trial`: to the trial's own account, by a key of
/// its own (the trials share one database).
ledger_txn movement(int trial, int i) {
  auto amount = int64_t{10} + i;
  auto account = "alice-" + std::to_string(trial);
  return ledger_txn{"mv-" + std::to_string(trial) + "-" + std::to_string(i),
                    "deposit",
                    {ledger_leg{account, "USD", "available", amount},
                     ledger_leg{"@external", "USD", "available", -amount}},
                    ""};
}

/// Appends movement `i`: its receipt, or nullopt if the store did not
/// acknowledge it.
std::optional<ledger_receipt> append(store_core& core, int trial, int i) {
  try {
    core.begin();
    auto r = core.append_ledger(movement(trial, i));
    if (!r)
      throw std::runtime_error{runtime::to_text(r.error())};
    core.commit();
    return *r;
  } catch (const std::exception&) {
    core.rollback();
    return std::nullopt;
  }
}

class store_commit_loss_test : public testing::TestWithParam<test::backend> {
protected:
  test::temp_dir dir_;
};

} // namespace

TEST_P(store_commit_loss_test, a_lost_commit_is_not_acknowledged_and_its_retry_applies_it_once) {
  auto target = test::fresh_database(GetParam(), dir_.path().string());
  int trial = 0;
  for (int at = 1; at <= movements; ++at) {
    for (bool applied : {false, true}) {
      SCOPED_TRACE("COMMIT #" + std::to_string(at) + (applied ? " applied" : " not applied"));
      ++trial;
      auto db = open_database(target);
      ASSERT_TRUE(db) << runtime::to_text(db.error());
      std::vector<int> refused;
      {
        store_core core{std::make_unique<lossy_connection>(std::move(*db), at, applied)};
        for (int i = 0; i < movements; ++i)
          if (!append(core, trial, i))
            refused.push_back(i);
      }
      // The broken COMMIT goes unacknowledged, and so does everything after
      // it on the broken connection.
      ASSERT_EQ(refused.size(), size_t(movements - at + 1));
      EXPECT_EQ(refused.front(), at - 1);
      // A restarted writer reconnects and asks again, by the same keys.
      auto again = open_database(target);
      ASSERT_TRUE(again) << runtime::to_text(again.error());
      store_core core{std::move(*again)};
      for (auto i : refused) {
        auto r = append(core, trial, i);
        ASSERT_TRUE(r) << "movement " << i << " refused after reconnecting";
        // The lost COMMIT that did apply is found by its key, not written again.
        EXPECT_EQ(r->replayed, applied && i == at - 1) << "movement " << i;
      }
      int64_t expected = 0;
      for (int i = 0; i < movements; ++i)
        expected += movement(trial, i).legs[0].amount;
      core.begin();
      EXPECT_EQ(core.balance("alice-" + std::to_string(trial), "USD", "available"), expected)
          << "each movement once, whatever the lost COMMIT did";
      auto q = core.db().prepare("SELECT COUNT(*) FROM ledger_transactions WHERE "
                                 "idempotency_key LIKE ?");
      q->bind_text(1, "mv-" + std::to_string(trial) + "-%");
      ASSERT_TRUE(q->step());
      EXPECT_EQ(q->int64(0), movements);
      core.commit();
    }
  }
  auto check = check_database(target);
  ASSERT_TRUE(check) << runtime::to_text(check.error());
  EXPECT_EQ(check->problems, std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(backends, store_commit_loss_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
