#include "persistence/migrations.hpp"

#include <optional>

#include <spdlog/logger.h>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/logger.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

namespace {

/// pg_advisory_xact_lock key of schema migrations ("tfarm" in ASCII).
constexpr int64_t migration_lock_key = 0x746661726d;

caf::error too_new(sql_connection& db, int current) {
  return caf::error{store_errc::migration_failed,
                    db.name() + " has schema version " + std::to_string(current) +
                        ", newer than this tfarm knows (" +
                        std::to_string(latest_schema_version()) + "); use a newer tfarm"};
}

// Runs one migration and records it (in the caller's transaction).
void apply(sql_connection& db, const migration& m) {
  db.exec(m.sql);
  auto ins = db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)");
  ins->bind(1, m.version);
  ins->bind(2, m.name);
  ins->bind(3, runtime::unix_now_ms());
  ins->exec();
  log().info("{}: applied migration {:03d}_{}", db.name(), m.version, m.name);
}

} // namespace

int latest_schema_version() {
  auto& all = migrations(sql_dialect::sqlite);
  return all.empty() ? 0 : all.back().version;
}

int schema_version(sql_connection& db) {
  if (!db.table_exists("schema_version"))
    return 0;
  return static_cast<int>(query_int64(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version"));
}

caf::error migrate(sql_connection& db, int target) {
  if (target < 0)
    target = latest_schema_version();
  auto pg = db.dialect() == sql_dialect::postgresql;
  try {
    auto create = std::string{"CREATE TABLE IF NOT EXISTS schema_version (version "} +
                  (pg ? "BIGINT" : "INTEGER") + " PRIMARY KEY, name TEXT NOT NULL, applied_at " +
                  (pg ? "BIGINT" : "INTEGER") + " NOT NULL)";
    // PostgreSQL: transactional DDL, so every step and the versions land
    // together, and a second node waits on the lock and then finds
    // nothing to do. The lock is the session's, taken before the
    // transaction begins: a transaction's snapshot (repeatable read)
    // would predate the other node's commit it waited for. SQLite: a
    // transaction per step.
    struct session_lock {
      sql_connection* db = nullptr;
      ~session_lock() {
        if (db == nullptr)
          return;
        try {
          db->exec("SELECT pg_advisory_unlock(" + std::to_string(migration_lock_key) + ")");
        } catch (const std::exception&) {
          // The connection broke: the server dropped its locks with it.
        }
      }
    } lock;
    std::optional<sql_transaction> all;
    if (pg) {
      db.exec("SELECT pg_advisory_lock(" + std::to_string(migration_lock_key) + ")");
      lock.db = &db;
      all.emplace(db);
    }
    db.exec(create);
    auto current = schema_version(db);
    if (current > latest_schema_version())
      return too_new(db, current);
    for (auto& m : migrations(db.dialect())) {
      if (m.version <= current || m.version > target)
        continue;
      std::optional<sql_transaction> one;
      if (!pg)
        one.emplace(db);
      apply(db, m);
      if (one)
        one->commit();
    }
    if (all)
      all->commit();
    return {};
  } catch (const std::exception& e) {
    // A server that went away meanwhile is unreachable (try again), not a
    // migration that failed.
    if (auto err = classify(e, db.name(), "migrating"); err == store_errc::unavailable)
      return err;
    return caf::error{store_errc::migration_failed, db.name() + ": migration failed: " + e.what()};
  }
}

} // namespace tfarm::persistence
