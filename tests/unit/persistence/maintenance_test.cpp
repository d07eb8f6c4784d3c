// Operator procedures: backup under load, restore, check, audit.
#include "persistence/maintenance.hpp"

#include <atomic>
#include <fstream>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "persistence/backup_scheduler.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/node_lock.hpp"
#include "store_fixture.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

class maintenance_test : public test::store_fixture {};

ledger_txn deposit(const std::string& key, int64_t amount) {
  return ledger_txn{
      key,
      "deposit",
      {{"alice", "USD", "available", amount}, {"@external", "USD", "available", -amount}},
      ""};
}

std::vector<std::string> findings(const std::string& db) {
  auto result = check_database(db);
  EXPECT_TRUE(result) << runtime::to_text(result.error());
  return result ? result->problems : std::vector<std::string>{"(check failed)"};
}

} // namespace

TEST_F(maintenance_test, a_backup_taken_under_write_load_restores_clean) {
  auto file = dir_.file("live.db");
  start_store(file);
  // Writers keep the store busy while backups are taken.
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      caf::scoped_actor self{sys_};
      for (int i = 0; !stop; ++i) {
        auto key = "w" + std::to_string(w) + "-" + std::to_string(i);
        self->request(store_, test::store_test_timeout, append_ledger_atom_v, deposit(key, 10))
            .receive([&](ledger_receipt&) { ++acked; }, [](caf::error&) {});
        self->request(store_, test::store_test_timeout, runtime::save_checkpoint_atom_v,
                      test::make_checkpoint("/w/" + key, std::string(64, 'c')))
            .receive([&](uint64_t) { ++acked; }, [](caf::error&) {});
      }
    });
  // Wait (with a deadline) until writes flow, then back up three times.
  auto deadline = std::chrono::steady_clock::now() + test::store_test_timeout;
  while (acked < 200 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  ASSERT_GE(acked.load(), 200);
  for (int i = 0; i < 3; ++i) {
    auto out = dir_.file("backup-" + std::to_string(i) + ".db");
    ASSERT_FALSE(backup_database(file, out));
    EXPECT_EQ(findings(out), std::vector<std::string>{}) << out;
    EXPECT_FALSE(std::filesystem::exists(out + "-wal")) << "a backup is one file";
  }
  stop = true;
  for (auto& t : writers)
    t.join();
  stop_store();
  EXPECT_EQ(findings(file), std::vector<std::string>{});
  // Restore the last backup over a copy of the live database.
  auto target = dir_.file("restored.db");
  ASSERT_FALSE(backup_database(file, target));
  auto report = restore_database(target, dir_.file("backup-2.db"), "tester");
  ASSERT_TRUE(report) << runtime::to_text(report.error());
  EXPECT_TRUE(std::filesystem::exists(report->kept_aside)) << "the replaced file is kept";
  EXPECT_EQ(findings(target), std::vector<std::string>{});
  auto audit = read_audit(target, 0, 100);
  ASSERT_TRUE(audit);
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->back().action, "db.restore");
  EXPECT_EQ(audit->back().user, "tester");
}

TEST_F(maintenance_test, restore_is_refused_while_a_node_holds_the_database) {
  auto file = dir_.file("held.db");
  { ASSERT_TRUE(open_database(file)); }
  ASSERT_FALSE(backup_database(file, dir_.file("b.db")));
  auto lock = node_lock::acquire(file);
  ASSERT_TRUE(lock);
  EXPECT_EQ(node_lock::holder(file), static_cast<long>(getpid()));
  auto refused = restore_database(file, dir_.file("b.db"), "tester");
  ASSERT_FALSE(refused);
  EXPECT_EQ(runtime::to_text(refused.error()),
            "restore_refused: refusing to restore " + file + ": a tfarm node (pid " +
                std::to_string(getpid()) + ") is using it; stop it first");
  auto second = node_lock::acquire(file);
  ASSERT_FALSE(second);
  EXPECT_NE(runtime::to_text(second.error()).find("in use by another tfarm process"),
            std::string::npos);
}

TEST_F(maintenance_test, a_corrupt_backup_is_refused_and_nothing_is_replaced) {
  auto file = dir_.file("keep.db");
  { ASSERT_TRUE(open_database(file)); }
  auto junk = dir_.file("junk.db");
  {
    std::ofstream out{junk};
    out << std::string(4096, 'J');
  }
  auto refused = restore_database(file, junk, "tester");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), static_cast<uint8_t>(store_errc::restore_refused));
  EXPECT_NE(runtime::to_text(refused.error()).find("file is not a database"), std::string::npos)
      << runtime::to_text(refused.error());
  EXPECT_EQ(findings(file), std::vector<std::string>{}) << "the database is untouched";
  EXPECT_FALSE(restore_database(file, dir_.file("missing.db"), "tester"));
}

TEST_F(maintenance_test, check_finds_every_kind_of_ledger_problem) {
  auto file = dir_.file("bad.db");
  {
    auto db = open_database(file);
    ASSERT_TRUE(db);
    auto& d = **db;
    d.exec("PRAGMA foreign_keys = OFF");
    // An unbalanced transaction, one with a single leg, a balance that does
    // not match, a fill without its order, a corrupt checkpoint.
    d.exec("INSERT INTO ledger_transactions VALUES (1, 'unbalanced', 'x', '', 1)");
    d.exec("INSERT INTO ledger_entries VALUES (1, 1, 'a', 'USD', 'available', 5)");
    d.exec("INSERT INTO ledger_entries VALUES (2, 1, 'b', 'USD', 'available', -4)");
    d.exec("INSERT INTO balances VALUES ('a', 'USD', 'available', 7)");
    d.exec("INSERT INTO balances VALUES ('b', 'USD', 'available', -4)");
    d.exec("INSERT INTO fills VALUES ('sim', 'ghost', 'f1', 1, 1, 0, 1)");
    d.exec("INSERT INTO checkpoints VALUES ('/x', 0, 'k', 1, 1, x'0102', 12345, 1)");
    // A reserved bucket its open reservations do not explain.
    d.exec("INSERT INTO ledger_transactions VALUES (2, 'reserve', 'reserve', '', 1)");
    d.exec("INSERT INTO ledger_entries VALUES (3, 2, 'a', 'USD', 'available', -3)");
    d.exec("INSERT INTO ledger_entries VALUES (4, 2, 'a', 'USD', 'reserved', 3)");
    d.exec("INSERT INTO balances VALUES ('a', 'USD', 'reserved', 3)");
    d.exec("INSERT INTO vault_reservations (account, id, asset, amount, remaining, state, "
           "created_at, updated_at) VALUES ('a', 'r1', 'USD', 5, 2, 'open', 1, 1)");
  }
  auto found = findings(file);
  auto has = [&](const std::string& text) {
    return std::any_of(found.begin(), found.end(),
                       [&](const std::string& f) { return f.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("ledger: transaction unbalanced sums to 1 in USD, not 0"));
  EXPECT_TRUE(has("balance: a USD available is 7 but its ledger entries sum to 2"));
  EXPECT_TRUE(
      has("balance: b USD available is -4, below zero (only system accounts, @..., may be)"));
  EXPECT_TRUE(has("reservations: a USD has 3 reserved but its open reservations hold 2"));
  EXPECT_TRUE(has("fill: f1 belongs to order ghost, which does not exist"));
  EXPECT_TRUE(has("checkpoint: /x seq 1 fails its CRC-32 check"));
  EXPECT_TRUE(has("foreign key: a row of fills"));
  EXPECT_FALSE(has("fewer than 2")) << "two legs are enough";
}

TEST_F(maintenance_test, check_reports_a_damaged_file_instead_of_crashing) {
  auto file = dir_.file("damaged.db");
  {
    auto db = open_database(file);
    ASSERT_TRUE(db);
    for (int i = 0; i < 200; ++i)
      (*db)->exec("INSERT INTO audit_logs (ts, actor, user, action, detail) VALUES (" +
                  std::to_string(i) + ", 'a', 'u', 'x', '" + std::string(500, 'd') + "')");
    (*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  {
    // Overwrite a page in the middle of the file.
    std::fstream f{file, std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(4096 * 6);
    std::string garbage(4096, '\x7f');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto result = check_database(file);
  if (result)
    EXPECT_FALSE(result->clean()) << "a damaged page must be found";
  else
    EXPECT_EQ(result.error().code(), static_cast<uint8_t>(store_errc::corrupt));
}

TEST(backup_retention, keeps_the_newest_and_nothing_too_old_and_touches_nothing_else) {
  test::temp_dir dir;
  auto touch = [&](const std::string& name, std::chrono::hours age) {
    auto path = dir.file(name);
    std::ofstream{path} << "x";
    std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() - age);
    return path;
  };
  touch("farm-20260101T000000Z.db", std::chrono::hours{24 * 30}); // too old
  touch("farm-20261101T000000Z.db", std::chrono::hours{3});
  touch("farm-20261102T000000Z.db", std::chrono::hours{2});
  touch("farm-20261103T000000Z.db", std::chrono::hours{1});
  touch("farm-notes.db", std::chrono::hours{24 * 30});             // not a backup name
  touch("other-20260101T000000Z.db", std::chrono::hours{24 * 30}); // another database
  auto removed =
      backup_scheduler::prune(dir.path().string(), "farm", 2, std::chrono::hours{24 * 7});
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{dir.file("farm-20260101T000000Z.db"),
                                               dir.file("farm-20261101T000000Z.db")}));
  for (auto name : {"farm-20261102T000000Z.db", "farm-20261103T000000Z.db", "farm-notes.db",
                    "other-20260101T000000Z.db"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(name))) << name;
}
