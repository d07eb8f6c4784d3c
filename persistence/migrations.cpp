#include "persistence/migrations.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/logger.h>

#include "persistence/error.hpp"
#include "persistence/logger.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

int latest_schema_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

int schema_version(SQLite::Database& db) {
  if (!db.tableExists("schema_version"))
    return 0;
  SQLite::Statement q{db, "SELECT COALESCE(MAX(version), 0) FROM schema_version"};
  q.executeStep();
  return q.getColumn(0).getInt();
}

caf::error migrate(SQLite::Database& db, const std::string& file, int target) {
  if (target < 0)
    target = latest_schema_version();
  try {
    db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    auto current = schema_version(db);
    if (current > latest_schema_version())
      return caf::error{store_errc::migration_failed,
                        file + " has schema version " + std::to_string(current) +
                            ", newer than this tfarm knows (" +
                            std::to_string(latest_schema_version()) + "); use a newer tfarm"};
    for (auto& m : migrations()) {
      if (m.version <= current || m.version > target)
        continue;
      SQLite::Transaction txn{db};
      db.exec(m.sql);
      SQLite::Statement ins{db, "INSERT INTO schema_version (version, name, applied_at) "
                                "VALUES (?, ?, ?)"};
      ins.bind(1, m.version);
      ins.bind(2, m.name);
      ins.bind(3, static_cast<int64_t>(runtime::unix_now_ms()));
      ins.exec();
      txn.commit();
      log().info("{}: applied migration {:03d}_{}", file, m.version, m.name);
    }
    return {};
  } catch (const std::exception& e) {
    return caf::error{store_errc::migration_failed, file + ": migration failed: " + e.what()};
  }
}

} // namespace tfarm::persistence
