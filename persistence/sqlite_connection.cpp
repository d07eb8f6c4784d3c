#include "persistence/sqlite_connection.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

namespace tfarm::persistence {

sql_failure sqlite_failure(int code) noexcept {
  switch (code & 0xff) {
  case SQLITE_FULL:
    return sql_failure::disk_full;
  case SQLITE_READONLY:
  case SQLITE_PERM:
    return sql_failure::read_only;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return sql_failure::locked;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return sql_failure::corrupt;
  case SQLITE_CANTOPEN:
    return sql_failure::cant_open;
  case SQLITE_CONSTRAINT:
    return sql_failure::constraint;
  default:
    return sql_failure::other;
  }
}

namespace {

[[noreturn]] void fail(sqlite3* db, int code) {
  throw sql_error{sql_dialect::sqlite, sqlite_failure(code), std::to_string(code),
                  sqlite3_errmsg(db)};
}

class sqlite_statement final : public sql_statement {
public:
  sqlite_statement(sqlite3* db, const std::string& sql) : db_(db) {
    auto rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK)
      fail(db, sqlite3_extended_errcode(db));
  }
  ~sqlite_statement() override { sqlite3_finalize(stmt_); }

  void bind_int64(int index, int64_t value) override {
    check(sqlite3_bind_int64(stmt_, index, value));
  }
  void bind_text(int index, const std::string& value) override {
    check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
  }
  void bind_blob(int index, const void* data, size_t size) override {
    // A zero-length blob is still a blob (not NULL): NOT NULL columns take it.
    check(size == 0 ? sqlite3_bind_zeroblob(stmt_, index, 0)
                    : sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT));
  }
  void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index)); }

  bool step() override {
    if (done_)
      return false;
    auto rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
      return true;
    if (rc == SQLITE_DONE) {
      done_ = true;
      return false;
    }
    fail(db_, sqlite3_extended_errcode(db_));
  }

  int64_t exec() override {
    while (step()) {
    }
    return sqlite3_changes64(db_);
  }

  void reset() noexcept override {
    // sqlite3_reset repeats the last step's error, which was handled then.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    done_ = false;
  }

  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int64_t int64(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const override {
    auto p = sqlite3_column_text(stmt_, column);
    auto n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string{reinterpret_cast<const char*>(p), static_cast<size_t>(n)}
             : std::string{};
  }
  std::string blob(int column) const override {
    auto p = sqlite3_column_blob(stmt_, column);
    auto n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string{static_cast<const char*>(p), static_cast<size_t>(n)} : std::string{};
  }

private:
  void check(int rc) {
    if (rc != SQLITE_OK)
      fail(db_, rc);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool done_ = false;
};

} // namespace

sqlite_connection::sqlite_connection(std::unique_ptr<SQLite::Database> db, std::string file)
    : db_(std::move(db)), file_(std::move(file)) {}

sqlite_connection::~sqlite_connection() = default;

void sqlite_connection::exec(const std::string& sql) {
  auto rc = sqlite3_exec(db_->getHandle(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    fail(db_->getHandle(), sqlite3_extended_errcode(db_->getHandle()));
}

std::unique_ptr<sql_statement> sqlite_connection::prepare(const std::string& sql, plan) {
  return std::make_unique<sqlite_statement>(db_->getHandle(), sql);
}

bool sqlite_connection::table_exists(const std::string& table) {
  auto q = prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  q->bind(1, table);
  return q->step();
}

void sqlite_connection::begin_write() {
  exec("BEGIN IMMEDIATE");
}

void sqlite_connection::begin_read() {
  // A deferred transaction's first read fixes its snapshot (WAL).
  exec("BEGIN");
}

void sqlite_connection::rollback() noexcept {
  if (sqlite3_get_autocommit(db_->getHandle()))
    return;
  // SQLite may have rolled back already (e.g. after SQLITE_FULL).
  sqlite3_exec(db_->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

} // namespace tfarm::persistence
