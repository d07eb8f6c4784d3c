#include "bench/raw_sqlite.hpp"

#include <stdexcept>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "persistence/sqlite_connection.hpp"

#include "persistence/database.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::bench {

double raw_ledger_rows_per_s(const std::string& file, uint64_t rows, uint64_t batch,
                             uint64_t accounts) {
  if (!persistence::prepare_database(file, persistence::open_options{}))
    throw std::runtime_error("cannot create " + file);
  auto db = persistence::open_database(file);
  if (!db)
    throw std::runtime_error(runtime::to_text(db.error()));
  // Raw SQLiteCpp on the connection the store would use (same PRAGMAs).
  auto& d = static_cast<persistence::sqlite_connection&>(**db).native();
  d.exec("INSERT INTO ledger_transactions (id, idempotency_key, kind, created_at) "
         "VALUES (1, 'bench', 'bench', 0)");
  SQLite::Statement ins{d, "INSERT INTO ledger_entries (txn_id, account, asset, bucket, amount) "
                           "VALUES (1, ?, 'USD', 'available', ?)"};
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

} // namespace tfarm::bench
