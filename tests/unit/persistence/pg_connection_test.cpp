// What only the PostgreSQL driver does: placeholders, URLs without
// passwords, and the failures of a server that is not there.
#include "persistence/pg_connection.hpp"

#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

TEST(pg_connection, numbers_placeholders_outside_quotes) {
  int n = 0;
  EXPECT_EQ(pg_placeholders("SELECT ? , '?' , \"a?\" , ?", n), "SELECT $1 , '?' , \"a?\" , $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(pg_placeholders("WHERE ?1 = '' OR ?2 > ?1 AND x = ?", n),
            "WHERE $1 = '' OR $2 > $1 AND x = $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(pg_placeholders("SELECT 'it''s ?'", n), "SELECT 'it''s ?'");
  EXPECT_EQ(n, 0);
}

TEST(pg_connection, urls_lose_their_password_in_messages) {
  EXPECT_EQ(redact_url("postgresql://tfarm:s3cret@db.example:5432/farm"),
            "postgresql://tfarm:***@db.example:5432/farm");
  EXPECT_EQ(redact_url("postgresql://tfarm@db:5432/farm"), "postgresql://tfarm@db:5432/farm");
  EXPECT_EQ(redact_url("postgresql:///farm?host=/tmp"), "postgresql:///farm?host=/tmp");
  EXPECT_EQ(redact_url("/var/lib/tfarm/farm.db"), "/var/lib/tfarm/farm.db");
  EXPECT_TRUE(is_postgres_url("postgres://x/y"));
  EXPECT_TRUE(is_postgres_url("postgresql://x/y"));
  EXPECT_FALSE(is_postgres_url("farm.db"));
}

TEST(pg_connection, an_unreachable_server_names_host_and_port_not_the_password) {
  test::temp_dir dir;
  auto url = "postgresql://tfarm:hunter2@/farm?host=" + dir.path().string() + "&port=1";
  open_options opts;
  opts.connect_timeout = std::chrono::seconds{2};
  auto db = open_database(url, opts);
  ASSERT_FALSE(db);
  auto text = runtime::to_text(db.error());
  EXPECT_EQ(db.error(), store_errc::unavailable) << text;
  EXPECT_NE(text.find(dir.path().string() + ":1"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_NE(text.find("check that it runs"), std::string::npos) << text;
}

TEST(pg_connection, a_missing_database_says_to_create_it) {
  auto admin = test::pg_admin_url();
  auto url = admin.replace(admin.find("/postgres?"), 10, "/no_such_db?");
  auto db = open_database(url);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error(), store_errc::open_failed) << runtime::to_text(db.error());
  EXPECT_NE(runtime::to_text(db.error()).find("createdb"), std::string::npos)
      << runtime::to_text(db.error());
}

TEST(pg_connection, a_statement_past_the_timeout_is_a_timeout_error) {
  test::temp_dir dir;
  open_options opts;
  opts.statement_timeout = std::chrono::milliseconds{100};
  auto db =
      open_database(test::fresh_database(test::backend::postgresql, dir.path().string()), opts);
  ASSERT_TRUE(db) << runtime::to_text(db.error());
  try {
    (*db)->exec("SELECT pg_sleep(2)");
    FAIL() << "pg_sleep(2) ran past a 100 ms timeout";
  } catch (const std::exception& e) {
    auto err = classify(e, (*db)->name(), "sleeping");
    EXPECT_EQ(err, store_errc::timeout) << runtime::to_text(err);
  }
  EXPECT_EQ(query_int64(**db, "SELECT 1"), 1) << "the connection stays usable";
}

TEST(pg_connection, a_connection_that_breaks_with_statements_queued_fails_them_as_lost) {
  test::temp_dir dir;
  auto url = test::fresh_database(test::backend::postgresql, dir.path().string());
  auto db = open_database(url);
  ASSERT_TRUE(db) << runtime::to_text(db.error());
  auto killer = open_database(url);
  ASSERT_TRUE(killer) << runtime::to_text(killer.error());
  auto& conn = **db;
  conn.exec("CREATE TABLE t (n BIGINT)");
  auto pid = query_int64(conn, "SELECT pg_backend_pid()");
  auto ins = conn.prepare("INSERT INTO t (n) VALUES (?)");
  conn.begin_write();
  for (int i = 0; i < 10; ++i) {
    ins->reset();
    ins->bind(1, i);
    ins->send();
  }
  EXPECT_EQ(query_int64(**killer,
                        "SELECT COUNT(*) FROM pg_terminate_backend(" + std::to_string(pid) + ")"),
            1);
  try {
    conn.commit();
    FAIL() << "a commit on a dead connection succeeded";
  } catch (const std::exception& e) {
    auto err = classify(e, conn.name(), "committing");
    EXPECT_EQ(err, store_errc::unavailable) << runtime::to_text(err);
  }
  EXPECT_TRUE(conn.broken());
  conn.rollback(); // never throws, even now
  EXPECT_EQ(query_int64(**killer, "SELECT COUNT(*) FROM t"), 0);
}
