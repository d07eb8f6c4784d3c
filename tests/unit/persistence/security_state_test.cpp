#include "persistence/security_state.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "persistence/credentials.hpp"
#include "persistence/database.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

const std::string digest_a(64, 'a');
const std::string digest_b(64, 'b');

class security_state_test : public testing::Test {
protected:
  void SetUp() override {
    db_ = dir_.file("farm.db");
    ASSERT_TRUE(open_database(db_));
    for (auto* account : {"alice", "bob"}) {
      credential_record c{"sim", account, "k1", "sealed", "nonce", 0, 0};
      uint64_t rotated = 0;
      ASSERT_FALSE(put_credential(db_, c, "ops", rotated));
    }
  }

  int64_t rows(const std::string& sql) {
    SQLite::Database d{db_, SQLite::OPEN_READONLY};
    SQLite::Statement q{d, sql};
    q.executeStep();
    return q.getColumn(0).getInt64();
  }

  test::temp_dir dir_;
  std::string db_;
};

TEST_F(security_state_test, a_fresh_database_has_no_lockdown_and_the_configured_token) {
  auto st = load_security_state(db_);
  ASSERT_TRUE(st) << runtime::to_text(st.error());
  EXPECT_FALSE(st->locked_down);
  EXPECT_TRUE(st->pending.empty());
  EXPECT_TRUE(st->admin_token_sha256.empty());
}

TEST_F(security_state_test, a_lockdown_revokes_every_credential_and_records_the_token_at_once) {
  auto revoked = record_lockdown(db_, {"ops", "keys leaked", digest_a});
  ASSERT_TRUE(revoked) << runtime::to_text(revoked.error());
  EXPECT_EQ(*revoked, 2u);
  EXPECT_EQ(rows("SELECT COUNT(*) FROM credentials WHERE revoked_at IS NULL"), 0);
  auto st = load_security_state(db_);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->locked_down);
  EXPECT_EQ(st->lockdown_reason, "keys leaked");
  EXPECT_EQ(st->lockdown_by, "ops");
  EXPECT_GT(st->lockdown_at_ms, 0);
  EXPECT_EQ(st->pending, (std::vector<std::string>{"trading", "vault", "logon"}));
  EXPECT_EQ(st->admin_token_sha256, digest_a);
  EXPECT_EQ(rows("SELECT COUNT(*) FROM audit_logs WHERE action = 'security.lockdown' AND "
                 "detail = 'keys leaked (2 credentials revoked, admin token rotated)'"),
            1);
  // A credential stored afterwards is active: it is what `logon` uses.
  credential_record c{"sim", "alice", "k2", "sealed", "nonce", 0, 0};
  uint64_t rotated = 0;
  ASSERT_FALSE(put_credential(db_, c, "ops", rotated));
  EXPECT_EQ(rotated, 0u);
}

TEST_F(security_state_test, unlock_is_step_by_step_and_ends_with_the_last_step) {
  ASSERT_TRUE(record_lockdown(db_, {"ops", "drill", digest_a}));
  auto st = record_unlock(db_, "ops", {"vault"}, "reconciled");
  ASSERT_TRUE(st) << runtime::to_text(st.error());
  EXPECT_TRUE(st->locked_down);
  EXPECT_EQ(st->pending, (std::vector<std::string>{"trading", "logon"}));
  // A step undone twice changes nothing; an unknown one is refused whole.
  st = record_unlock(db_, "ops", {"vault"}, "");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pending, (std::vector<std::string>{"trading", "logon"}));
  auto bad = record_unlock(db_, "ops", {"logon", "everything"}, "");
  ASSERT_FALSE(bad);
  EXPECT_NE(runtime::to_text(bad.error()).find("unknown unlock step 'everything'"),
            std::string::npos);
  EXPECT_EQ(load_security_state(db_)->pending, (std::vector<std::string>{"trading", "logon"}));
  st = record_unlock(db_, "ops", {"logon", "trading"}, "keys rotated");
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->locked_down);
  EXPECT_TRUE(st->pending.empty());
  // The token a lockdown issued stays in force after it.
  EXPECT_EQ(load_security_state(db_)->admin_token_sha256, digest_a);
  EXPECT_EQ(rows("SELECT COUNT(*) FROM audit_logs WHERE action = 'security.unlocked'"), 1);
}

TEST_F(security_state_test, a_token_digest_is_64_hex_digits_and_a_reset_replaces_it) {
  EXPECT_FALSE(record_lockdown(db_, {"ops", "x", "not-a-digest"}));
  EXPECT_TRUE(record_admin_token(db_, "ABC", "ops"));
  EXPECT_EQ(rows("SELECT COUNT(*) FROM credentials WHERE revoked_at IS NULL"), 2)
      << "a refused lockdown revokes nothing";
  ASSERT_FALSE(record_admin_token(db_, digest_b, "ops"));
  auto st = load_security_state(db_);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->admin_token_sha256, digest_b);
  EXPECT_EQ(st->token_rotated_by, "ops");
  EXPECT_FALSE(st->locked_down);
}

TEST_F(security_state_test, a_missing_database_is_an_error_not_a_new_file) {
  auto st = load_security_state(dir_.file("nope.db"));
  EXPECT_FALSE(st);
  EXPECT_TRUE(record_admin_token(dir_.file("nope.db"), digest_a, "ops"));
}

} // namespace
