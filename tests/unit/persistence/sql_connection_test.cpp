// The connection contract both backends keep (sql_connection.hpp): the
// store's SQL and its values mean the same on SQLite and PostgreSQL.
#include "persistence/sql_connection.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

class sql_connection_test : public testing::TestWithParam<test::backend> {
protected:
  void SetUp() override {
    auto target = test::fresh_database(GetParam(), dir_.path().string());
    auto db = open_database(target);
    ASSERT_TRUE(db) << runtime::to_text(db.error());
    db_ = std::move(*db);
    db_->exec("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL CHECK (n > -100), "
              "b " +
              std::string{GetParam() == test::backend::sqlite ? "BLOB" : "BYTEA"} + ", s TEXT)");
  }

  test::temp_dir dir_;
  std::unique_ptr<sql_connection> db_;
};

} // namespace

TEST_P(sql_connection_test, integers_text_and_blobs_come_back_as_written) {
  std::string bytes{"a\0b\xff\x01", 5};
  auto ins = db_->prepare("INSERT INTO t (id, n, b, s) VALUES (?, ?, ?, ?)");
  ins->bind(1, "max");
  ins->bind(2, std::numeric_limits<int64_t>::max());
  ins->bind_blob(3, bytes.data(), bytes.size());
  ins->bind(4, "é 'quoted' ? not a parameter");
  EXPECT_EQ(ins->exec(), 1);
  ins->reset();
  ins->bind(1, "empty");
  ins->bind(2, -99);
  ins->bind_blob(3, "", 0);
  ins->bind_null(4);
  EXPECT_EQ(ins->exec(), 1);
  auto q = db_->prepare("SELECT n, b, s, s IS NULL FROM t WHERE id = ?");
  q->bind(1, "max");
  ASSERT_TRUE(q->step());
  EXPECT_EQ(q->int64(0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(q->blob(1), bytes);
  EXPECT_EQ(q->text(2), "é 'quoted' ? not a parameter");
  EXPECT_EQ(q->int64(3), 0);
  EXPECT_FALSE(q->step());
  q->reset();
  q->bind(1, "empty");
  ASSERT_TRUE(q->step());
  EXPECT_EQ(q->int64(0), -99);
  EXPECT_EQ(q->blob(1), "");
  EXPECT_FALSE(q->is_null(1)) << "an empty blob is not NULL";
  EXPECT_TRUE(q->is_null(2));
  EXPECT_EQ(q->int64(3), 1) << "a boolean reads as 0 or 1";
}

TEST_P(sql_connection_test, sums_and_numbered_parameters_read_as_integers) {
  db_->exec("INSERT INTO t (id, n) VALUES ('a', 4611686018427387904), "
            "('b', 4611686018427387000)");
  // A parameter the statement gives no type needs a CAST (PostgreSQL
  // infers parameter types from their use).
  auto q = db_->prepare("SELECT SUM(n), COUNT(*), CAST(?1 AS BIGINT) * 2 FROM t WHERE n > ?2");
  q->bind(1, 21);
  q->bind(2, 0);
  ASSERT_TRUE(q->step());
  EXPECT_EQ(q->int64(0), 9223372036854774904);
  EXPECT_EQ(q->int64(1), 2);
  EXPECT_EQ(q->int64(2), 42);
}

TEST_P(sql_connection_test, upserts_and_returning_work_alike) {
  auto up = db_->prepare("INSERT INTO t (id, n) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET "
                         "n = t.n + excluded.n RETURNING n");
  for (int i = 1; i <= 3; ++i) {
    up->reset();
    up->bind(1, "k");
    up->bind(2, 10);
    ASSERT_TRUE(up->step());
    EXPECT_EQ(up->int64(0), 10 * i);
    up->exec();
  }
  auto ignore = db_->prepare("INSERT INTO t (id, n) VALUES ('k', 1) ON CONFLICT DO NOTHING");
  EXPECT_EQ(ignore->exec(), 0);
}

TEST_P(sql_connection_test, a_refused_row_is_a_constraint_failure_and_rolls_back) {
  sql_failure kind = sql_failure::other;
  {
    sql_transaction txn{*db_};
    db_->exec("INSERT INTO t (id, n) VALUES ('x', 1)");
    try {
      db_->exec("INSERT INTO t (id, n) VALUES ('y', -500)");
    } catch (const sql_error& e) {
      kind = e.kind();
    }
  }
  EXPECT_EQ(kind, sql_failure::constraint);
  EXPECT_EQ(query_int64(*db_, "SELECT COUNT(*) FROM t"), 0) << "the transaction rolled back";
}

TEST_P(sql_connection_test, savepoints_undo_part_of_a_transaction) {
  sql_transaction txn{*db_};
  db_->exec("INSERT INTO t (id, n) VALUES ('kept', 1)");
  db_->savepoint("part");
  db_->exec("INSERT INTO t (id, n) VALUES ('undone', 1)");
  db_->rollback_to("part");
  db_->release("part");
  txn.commit();
  EXPECT_EQ(query_int64(*db_, "SELECT COUNT(*) FROM t"), 1);
  EXPECT_TRUE(db_->table_exists("t"));
  EXPECT_FALSE(db_->table_exists("no_such_table"));
}

TEST_P(sql_connection_test, the_store_schema_reads_user_columns_quoted) {
  // "user" is reserved in PostgreSQL: unquoted, it is the session's user.
  auto ins = db_->prepare("INSERT INTO audit_logs (ts, actor, \"user\", action) "
                          "VALUES (1, 'a', 'alice', 'x') RETURNING id");
  ASSERT_TRUE(ins->step());
  EXPECT_GT(ins->int64(0), 0);
  ins->exec();
  auto q = db_->prepare("SELECT \"user\" FROM audit_logs");
  ASSERT_TRUE(q->step());
  EXPECT_EQ(q->text(0), "alice");
}

TEST_P(sql_connection_test, sent_statements_land_in_order_with_the_commit) {
  // More than the driver queues before it waits (pipeline_queued_max).
  constexpr int rows = 1'200;
  auto ins = db_->prepare("INSERT INTO t (id, n) VALUES (?, ?)");
  auto count = db_->prepare("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM t");
  {
    sql_transaction txn{*db_};
    for (int i = 0; i < rows; ++i) {
      ins->reset();
      ins->bind(1, "r" + std::to_string(i));
      ins->bind(2, i);
      ins->send();
      if (i == 700) {
        // A read in the middle sees everything sent before it.
        ASSERT_TRUE(count->step());
        EXPECT_EQ(count->int64(0), 701);
        count->reset();
      }
    }
    txn.commit();
  }
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->int64(0), rows);
  EXPECT_EQ(count->int64(1), int64_t{rows} * (rows - 1) / 2);
}

TEST_P(sql_connection_test, a_sent_statement_that_fails_fails_the_transaction) {
  auto ins = db_->prepare("INSERT INTO t (id, n) VALUES (?, ?)");
  auto send = [&](const char* id, int n) {
    ins->reset();
    ins->bind(1, id);
    ins->bind(2, n);
    ins->send();
  };
  sql_failure kind = sql_failure::other;
  try {
    sql_transaction txn{*db_};
    send("a", 1);
    send("refused", -500);
    send("b", 2);
    txn.commit();
    FAIL() << "a refused row committed";
  } catch (const sql_error& e) {
    // SQLite refuses it at once, PostgreSQL at the commit.
    kind = e.kind();
  }
  EXPECT_EQ(kind, sql_failure::constraint);
  EXPECT_EQ(query_int64(*db_, "SELECT COUNT(*) FROM t"), 0) << "nothing of it committed";
  // The connection goes on.
  sql_transaction txn{*db_};
  send("c", 3);
  txn.commit();
  EXPECT_EQ(query_int64(*db_, "SELECT COUNT(*) FROM t"), 1);
}

TEST_P(sql_connection_test, a_savepoint_undoes_a_sent_statement_that_failed) {
  auto ins = db_->prepare("INSERT INTO t (id, n) VALUES (?, ?)");
  auto count = db_->prepare("SELECT COUNT(*) FROM t");
  sql_transaction txn{*db_};
  ins->bind(1, "kept");
  ins->bind(2, 1);
  ins->send();
  db_->savepoint("part");
  sql_failure kind = sql_failure::other;
  try {
    ins->reset();
    ins->bind(1, "refused");
    ins->bind(2, -500);
    ins->send();
    count->step();
    FAIL() << "the refused row went unnoticed";
  } catch (const sql_error& e) {
    kind = e.kind();
  }
  EXPECT_EQ(kind, sql_failure::constraint);
  db_->rollback_to("part");
  db_->release("part");
  txn.commit();
  count->reset();
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->int64(0), 1) << "what was sent before the savepoint stays";
}

INSTANTIATE_TEST_SUITE_P(backends, sql_connection_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
