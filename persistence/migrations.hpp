// Numbered schema migrations (persistence/migrations/<dialect>/NNN_name.sql,
// embedded at build time) and the schema_version table that records them.
//
// A version number is one logical schema on both backends: SQLite reaches
// version 8 through 001-008, PostgreSQL starts at 008 (the whole schema at
// once); later migrations come in pairs. A database is migrated from
// whatever version it is at; a database from a newer tfarm is refused
// rather than touched. On PostgreSQL every migration runs in one
// transaction under an advisory lock, so nodes starting together migrate
// once.
#pragma once

#include <string>
#include <vector>

#include <caf/error.hpp>

#include "persistence/sql_connection.hpp"

namespace tfarm::persistence {

struct migration {
  int version;
  std::string name;
  std::string sql;
};

/// Every migration of a dialect, in version order (generated from the .sql
/// files).
const std::vector<migration>& migrations(sql_dialect d);

/// The newest schema version this build knows (the same for both dialects).
int latest_schema_version();

/// The version a database is at (0 for an empty one).
int schema_version(sql_connection& db);

/// Migrates `db` up to `target` (default: the latest).
caf::error migrate(sql_connection& db, int target = -1);

} // namespace tfarm::persistence
