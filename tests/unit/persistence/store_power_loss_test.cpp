// The store under I/O faults and power loss (fault_vfs.hpp): a failed
// write, a failed fsync or a full disk at any point of a run of money
// movements, then the power cut (every byte never synced is lost), then
// the database reopened as a restart would. After any of them, every
// transaction acknowledged is in the ledger exactly once, none is half
// there, and `tfarm db check` (check_database) is clean. SIGKILL alone
// cannot show a missing fsync; a run with synchronous=off must lose
// acknowledged money here, or the simulation could not see a loss.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fault_vfs.hpp"
#include "persistence/database.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/store_core.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"

using namespace tfarm;
using namespace tfarm::persistence;
using test::fault_vfs;

namespace {

/// Money movements per run: with a checkpoint every 4 pages, enough that
/// every kind of write (WAL frames, checkpoints into the main file, a WAL
/// restarted from its start) happens in it.
constexpr int movements = 8;

/// Fault points tried per kind of operation (and per once / from then on).
constexpr uint64_t points_per_kind = 24;

ledger_txn movement(int i) {
  auto amount = int64_t{100} + i;
  return ledger_txn{"dep-" + std::to_string(i),
                    "deposit",
                    {ledger_leg{"alice", "USD", "available", amount},
                     ledger_leg{"@external", "USD", "available", -amount}},
                    ""};
}

struct run_result {
  std::vector<std::string> acknowledged;
  std::vector<std::string> refused;
};

class store_power_loss_test : public testing::Test {
protected:
  void SetUp() override {
    fault_vfs::reset();
    pristine_ = dir_.file("pristine.db");
    auto db = open_database(pristine_); // the schema, through the default VFS
    ASSERT_TRUE(db) << runtime::to_text(db.error());
  }

  /// A fresh copy of the empty database.
  std::string fresh(const std::string& name) {
    auto file = dir_.file(name);
    std::filesystem::copy_file(pristine_, file);
    return file;
  }

  /// The movements through the fault VFS; `arm` runs once the database is
  /// open. The machine dies at the end: the connection is abandoned with
  /// every further I/O failing, then power is lost.
  run_result run(const std::string& file, const std::string& synchronous,
                 const std::function<void()>& arm) {
    run_result out;
    open_options o;
    o.vfs = fault_vfs::name;
    o.synchronous = synchronous;
    auto db = open_database(file, o);
    EXPECT_TRUE(db) << runtime::to_text(db.error());
    if (!db)
      return out;
    // A checkpoint every few pages: the run then also copies WAL frames into
    // the main file, syncs it and restarts the WAL, not only appends frames.
    (*db)->exec("PRAGMA wal_autocheckpoint = 4");
    auto core = std::make_unique<store_core>(std::move(*db));
    arm();
    for (int i = 0; i < movements; ++i) {
      auto txn = movement(i);
      try {
        core->begin();
        auto r = core->append_ledger(txn);
        if (!r)
          throw std::runtime_error{runtime::to_text(r.error())};
        core->commit();
        out.acknowledged.push_back(txn.idempotency_key);
      } catch (const std::exception&) {
        core->rollback();
        out.refused.push_back(txn.idempotency_key);
      }
    }
    fault_vfs::freeze();
    core.reset();
    fault_vfs::power_loss();
    return out;
  }

  /// What is wrong with `file` after `r`, one line each (empty: nothing).
  std::vector<std::string> problems(const std::string& file, const run_result& r) {
    std::vector<std::string> found;
    auto check = check_database(file);
    if (!check)
      return {"db check failed: " + runtime::to_text(check.error())};
    for (auto& p : check->problems)
      found.push_back("db check: " + p);
    auto db = open_database(file);
    if (!db)
      return {"reopening failed: " + runtime::to_text(db.error())};
    auto count = [&](const std::string& key, const char* sql) {
      auto q = (*db)->prepare(sql);
      q->bind_text(1, key);
      return q->step() ? q->int64(0) : -1;
    };
    constexpr const char* txns =
        "SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key = ?";
    constexpr const char* legs = "SELECT COUNT(*) FROM ledger_entries e JOIN ledger_transactions t "
                                 "ON t.id = e.txn_id WHERE t.idempotency_key = ?";
    for (auto& k : r.acknowledged)
      if (count(k, txns) != 1 || count(k, legs) != 2)
        found.push_back(k + " was acknowledged and is not in the ledger once, whole");
    for (auto& k : r.refused)
      if (auto n = count(k, txns); n != 0 && (n != 1 || count(k, legs) != 2))
        found.push_back(k + " was refused and is half there");
    return found;
  }

  test::temp_dir dir_;
  std::string pristine_;
};

} // namespace

TEST_F(store_power_loss_test, without_a_fault_every_movement_survives_the_power_cut) {
  auto file = fresh("clean.db");
  auto r = run(file, "full", [] {});
  EXPECT_EQ(r.acknowledged.size(), size_t{movements});
  EXPECT_EQ(problems(file, r), std::vector<std::string>{});
}

TEST_F(store_power_loss_test, synchronous_off_loses_acknowledged_money_and_the_checks_see_it) {
  auto file = fresh("off.db");
  auto r = run(file, "off", [] {});
  ASSERT_EQ(r.acknowledged.size(), size_t{movements});
  auto found = problems(file, r);
  EXPECT_FALSE(found.empty()) << "a power cut after commits never synced lost nothing: the "
                                 "simulation cannot see a missing fsync";
}

TEST_F(store_power_loss_test,
       a_failed_write_sync_or_full_disk_anywhere_loses_nothing_acknowledged) {
  // Count each kind of operation in a clean run, then fail each one in turn.
  struct kind {
    fault_vfs::op op;
    fault_vfs::failure failure;
    const char* name;
  };
  const kind kinds[] = {{fault_vfs::op::write, fault_vfs::failure::io_error, "write"},
                        {fault_vfs::op::write, fault_vfs::failure::disk_full, "full disk"},
                        {fault_vfs::op::sync, fault_vfs::failure::io_error, "fsync"},
                        {fault_vfs::op::read, fault_vfs::failure::io_error, "read"}};
  uint64_t counted[3] = {};
  {
    auto file = fresh("count.db");
    fault_vfs::reset();
    uint64_t before[3] = {};
    run(file, "full", [&] {
      for (int i = 0; i < 3; ++i)
        before[i] = fault_vfs::count(static_cast<fault_vfs::op>(i));
    });
    for (int i = 0; i < 3; ++i)
      counted[i] = fault_vfs::count(static_cast<fault_vfs::op>(i)) - before[i];
  }
  ASSERT_GE(counted[0], uint64_t{movements}) << "each commit writes";
  ASSERT_GE(counted[1], uint64_t{movements}) << "each commit syncs (synchronous=full)";
  int runs = 0;
  int faults_fired = 0;
  for (auto& k : kinds) {
    // Every point when there are few, else points_per_kind spread evenly
    // from the first to the last (the suite's time is bounded).
    auto total = counted[static_cast<int>(k.op)];
    auto stride = std::max<uint64_t>(1, total / points_per_kind);
    for (uint64_t n = 1; n <= total; n = n + stride > total && n < total ? total : n + stride) {
      for (bool sticky : {false, true}) {
        fault_vfs::reset();
        auto file = fresh(std::string{"f"} + std::to_string(runs) + ".db");
        auto r = run(file, "full", [&] { fault_vfs::fail(k.op, n, k.failure, sticky); });
        faults_fired += fault_vfs::fired() ? 1 : 0;
        ++runs;
        EXPECT_EQ(problems(file, r), std::vector<std::string>{})
            << k.name << " #" << n << (sticky ? " and every one after" : " once");
      }
    }
  }
  EXPECT_GT(faults_fired, runs / 2) << "most runs must meet their fault";
}
