#include "persistence/migrations.hpp"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "persistence/sqlite_connection.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

int64_t count(sql_connection& db, const std::string& table) {
  return query_int64(db, "SELECT COUNT(*) FROM " + table);
}

// A row valid at `version`, so that each step migrates real data.
void add_fixture(sql_connection& db, int version) {
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

TEST(migrations, sqlite_numbered_without_gaps_from_one) {
  int expected = 1;
  for (auto& m : migrations(sql_dialect::sqlite))
    EXPECT_EQ(m.version, expected++) << m.name;
  EXPECT_EQ(latest_schema_version(), static_cast<int>(migrations(sql_dialect::sqlite).size()));
  EXPECT_GE(latest_schema_version(), 4);
}

TEST(migrations, postgresql_reaches_the_same_version_without_gaps) {
  auto& all = migrations(sql_dialect::postgresql);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().version, 8) << "PostgreSQL starts with the whole schema at version 8";
  for (size_t i = 1; i < all.size(); ++i)
    EXPECT_EQ(all[i].version, all[i - 1].version + 1) << all[i].name;
  EXPECT_EQ(all.back().version, latest_schema_version());
}

namespace {

class migrations_test : public testing::TestWithParam<test::backend> {
protected:
  std::string target() { return test::fresh_database(GetParam(), dir_.path().string(), "x.db"); }

  test::temp_dir dir_;
};

} // namespace

TEST_P(migrations_test, an_empty_database_migrates_to_the_latest_schema) {
  auto db = open_database(target());
  ASSERT_TRUE(db) << runtime::to_text(db.error());
  EXPECT_EQ(schema_version(**db), latest_schema_version());
  for (auto table : {"checkpoints", "ledger_transactions", "ledger_entries", "accounts", "balances",
                     "orders", "fills", "audit_logs", "alerts", "credentials", "vault_operations",
                     "vault_reservations", "legacy_fill_keys", "security_state"})
    EXPECT_TRUE((*db)->table_exists(table)) << table;
  EXPECT_EQ(count(**db, "security_state"), 1);
}

TEST(migrations, every_earlier_version_migrates_with_its_data) {
  for (int from = 0; from < latest_schema_version(); ++from) {
    test::temp_dir dir;
    auto file = dir.file("x.db");
    {
      sqlite_connection db{
          std::make_unique<SQLite::Database>(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE),
          file};
      ASSERT_FALSE(migrate(db, from));
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
      auto q = (*db)->prepare("SELECT side, qty, filled FROM vault_reservations");
      ASSERT_TRUE(q->step()) << "from " << from;
      EXPECT_EQ(q->text(0), "") << "from " << from;
      EXPECT_EQ(q->int64(1), 0) << "from " << from;
    }
  }
}

TEST_P(migrations_test, migrating_twice_changes_nothing) {
  auto file = target();
  { ASSERT_TRUE(open_database(file)); }
  auto db = open_database(file);
  ASSERT_TRUE(db);
  EXPECT_EQ(count(**db, "schema_version"),
            static_cast<int64_t>(migrations((*db)->dialect()).size()));
}

TEST_P(migrations_test, a_database_from_a_newer_tfarm_is_refused_untouched) {
  auto file = target();
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

INSTANTIATE_TEST_SUITE_P(backends, migrations_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
