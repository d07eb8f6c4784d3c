// Numbered schema migrations (persistence/migrations/NNN_name.sql, embedded
// at build time) and the schema_version table that records them.
//
// A database is migrated one version at a time, each in its own
// transaction, from whatever version it is at; a database from a newer tfarm
// is refused rather than touched.
#pragma once

#include <string>
#include <vector>

#include <caf/error.hpp>

namespace SQLite {
class Database;
} // namespace SQLite

namespace tfarm::persistence {

struct migration {
  int version;
  std::string name;
  std::string sql;
};

/// Every migration, in version order (generated from the .sql files).
const std::vector<migration>& migrations();

/// The newest schema version this build knows.
int latest_schema_version();

/// The version a database is at (0 for an empty one).
int schema_version(SQLite::Database& db);

/// Migrates `db` up to `target` (default: the latest). `file` names the
/// database in messages.
caf::error migrate(SQLite::Database& db, const std::string& file, int target = -1);

} // namespace tfarm::persistence
