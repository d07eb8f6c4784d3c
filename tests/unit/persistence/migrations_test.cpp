#include "persistence/migrations.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

int64_t count(SQLite::Database& db, const std::string& table) {
  SQLite::Statement q{db, "SELECT COUNT(*) FROM " + table};
  q.executeStep();
  return q.getColumn(0).getInt64();
}

// A row valid at `version`, so that each step migrates real data.
void add_fixture(SQLite::Database& db, int version) {
  if (version == 1)
    db.exec("INSERT INTO checkpoints VALUES ('/a', 0, 'k', 1, 1, x'00', 0, 1)");
  if (version == 2)
    db.exec("INSERT INTO ledger_transactions VALUES (1, 'key-1', 'deposit', '', 1);"
            "INSERT INTO ledger_entries VALUES (1, 1, 'a', 'USD', 'available', 5);"
            "INSERT INTO ledger_entries VALUES (2, 1, 'external', 'USD', 'available', -5);");
  if (version == 3)
    db.exec("INSERT INTO orders (client_order_id, agent, account, venue, symbol, side, type, "
            "price, qty, status, created_at, updated_at) VALUES ('o1', 'ag', 'a', 'v', 'X', "
            "'buy', 'limit', 1, 1, 'new', 1, 1)");
  if (version == 4)
    db.exec("INSERT INTO audit_logs (id, ts, actor, user, action, detail) "
            "VALUES (1, 1, 'x', 'u', 'test', '')");
  if (version == 5)
    db.exec("INSERT INTO vault_reservations (account, id, asset, amount, remaining, state, "
            "created_at, updated_at) VALUES ('a', 'o1', 'USD', 5, 5, 'open', 1, 1)");
}

} // namespace

TEST(migrations, numbered_without_gaps_from_one) {
  int expected = 1;
  for (auto& m : migrations())
    EXPECT_EQ(m.version, expected++) << m.name;
  EXPECT_EQ(latest_schema_version(), static_cast<int>(migrations().size()));
  EXPECT_GE(latest_schema_version(), 4);
}

TEST(migrations, an_empty_file_migrates_to_the_latest_schema) {
  test::temp_dir dir;
  auto db = open_database(dir.file("x.db"));
  ASSERT_TRUE(db) << runtime::to_text(db.error());
  EXPECT_EQ(schema_version(**db), latest_schema_version());
  for (auto table : {"checkpoints", "ledger_transactions", "ledger_entries", "accounts", "balances",
                     "orders", "fills", "audit_logs", "alerts", "credentials"})
    EXPECT_TRUE((*db)->tableExists(table)) << table;
  EXPECT_EQ(count(**db, "schema_version"), latest_schema_version());
}

TEST(migrations, every_earlier_version_migrates_with_its_data) {
  for (int from = 0; from < latest_schema_version(); ++from) {
    test::temp_dir dir;
    auto file = dir.file("x.db");
    {
      SQLite::Database db{file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
      ASSERT_FALSE(migrate(db, file, from));
      ASSERT_EQ(schema_version(db), from);
      for (int v = 1; v <= from; ++v)
        add_fixture(db, v);
    }
    auto db = open_database(file);
    ASSERT_TRUE(db) << "from version " << from << ": " << runtime::to_text(db.error());
    EXPECT_EQ(schema_version(**db), latest_schema_version()) << "from " << from;
    if (from >= 1) {
      EXPECT_EQ(count(**db, "checkpoints"), 1) << "from " << from;
    }
    if (from >= 2) {
      EXPECT_EQ(count(**db, "ledger_entries"), 2) << "from " << from;
    }
    if (from >= 3) {
      EXPECT_EQ(count(**db, "orders"), 1) << "from " << from;
    }
    if (from >= 5) {
      // A reservation from before schema 7 has no terms: its fills are
      // settled as they were.
      SQLite::Statement q{**db, "SELECT side, qty, filled FROM vault_reservations"};
      ASSERT_TRUE(q.executeStep()) << "from " << from;
      EXPECT_EQ(q.getColumn(0).getString(), "") << "from " << from;
      EXPECT_EQ(q.getColumn(1).getInt64(), 0) << "from " << from;
    }
  }
}

TEST(migrations, migrating_twice_changes_nothing) {
  test::temp_dir dir;
  auto file = dir.file("x.db");
  { ASSERT_TRUE(open_database(file)); }
  auto db = open_database(file);
  ASSERT_TRUE(db);
  EXPECT_EQ(count(**db, "schema_version"), latest_schema_version());
}

TEST(migrations, a_database_from_a_newer_tfarm_is_refused_untouched) {
  test::temp_dir dir;
  auto file = dir.file("x.db");
  {
    auto db = open_database(file);
    ASSERT_TRUE(db);
    (*db)->exec("INSERT INTO schema_version VALUES (999, 'future', 0)");
  }
  auto db = open_database(file);
  ASSERT_FALSE(db);
  EXPECT_EQ(
      runtime::to_text(db.error()).find("migration_failed: " + file + " has schema version 999"),
      0u)
      << runtime::to_text(db.error());
}
