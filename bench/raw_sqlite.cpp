#include "bench/raw_sqlite.hpp"

#include <memory>
#include <stdexcept>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "persistence/sqlite_connection.hpp"

#include "persistence/database.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/sql_connection.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::bench {

namespace {

// A fresh store database at `file` with one ledger transaction (id 1) the
// raw rows are entries of.
std::unique_ptr<persistence::sql_connection> raw_database(const std::string& file) {
  if (!persistence::prepare_database(file, persistence::open_options{}))
    throw std::runtime_error("cannot create " + file);
  auto db = persistence::open_database(file);
  if (!db)
    throw std::runtime_error(runtime::to_text(db.error()));
  static_cast<persistence::sqlite_connection&>(**db).native().exec(
      "INSERT INTO ledger_transactions (id, idempotency_key, kind, created_at) "
      "VALUES (1, 'bench', 'bench', 0)");
  return std::move(*db);
}

constexpr const char* raw_entry_sql =
    "INSERT INTO ledger_entries (txn_id, account, asset, bucket, amount) "
    "VALUES (1, ?, 'USD', 'available', ?)";

} // namespace

double raw_ledger_rows_per_s(const std::string& file, uint64_t rows, uint64_t batch,
                             uint64_t accounts) {
  auto db = raw_database(file);
  // Raw SQLiteCpp on the connection the store would use (same PRAGMAs).
  auto& d = static_cast<persistence::sqlite_connection&>(*db).native();
  SQLite::Statement ins{d, raw_entry_sql};
  auto start = runtime::steady_now_ns();
  for (uint64_t i = 0; i < rows;) {
    d.exec("BEGIN IMMEDIATE");
    for (uint64_t j = 0; j < batch && i < rows; ++j, ++i) {
      ins.bind(1, "acct-" + std::to_string(i % accounts));
      ins.bind(2, static_cast<int64_t>(i % 2 == 0 ? 1 : -1));
      ins.exec();
      ins.reset();
    }
    d.exec("COMMIT");
  }
  return static_cast<double>(rows) / (static_cast<double>(runtime::steady_now_ns() - start) / 1e9);
}

std::vector<double> raw_commit_latencies_us(const std::string& file, uint64_t commits) {
  auto db = raw_database(file);
  auto& d = static_cast<persistence::sqlite_connection&>(*db).native();
  SQLite::Statement ins{d, raw_entry_sql};
  std::vector<double> result;
  result.reserve(commits);
  for (uint64_t i = 0; i < commits; ++i) {
    auto t0 = runtime::steady_now_ns();
    d.exec("BEGIN IMMEDIATE");
    for (int64_t amount : {int64_t{1}, int64_t{-1}}) {
      ins.bind(1, "acct-" + std::to_string(i % 1'000) + (amount > 0 ? "a" : "b"));
      ins.bind(2, amount);
      ins.exec();
      ins.reset();
    }
    d.exec("COMMIT");
    result.push_back(static_cast<double>(runtime::steady_now_ns() - t0) / 1e3);
  }
  return result;
}

} // namespace tfarm::bench
