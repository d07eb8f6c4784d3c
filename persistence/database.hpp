// Opening the store's database: an SQLite file (WAL, the configured
// `synchronous`, foreign keys, a busy timeout) or a PostgreSQL server (a
// `postgresql://` URL: synchronous_commit on, the statement timeout), and
// migrations up to the latest schema.
//
// Every failure comes back as a caf::error (category "tfstore") whose text
// names the file or the server (never a password) and the way out, e.g. a
// corrupt file points at `tfarm db restore`. Not thread-safe: a connection
// belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "persistence/sql_connection.hpp"

namespace tfarm::persistence {

struct open_options {
  /// SQLite: off, normal, full or extra.
  std::string synchronous = "full";
  std::chrono::milliseconds busy_timeout{5'000};
  /// SQLite: create the file when missing.
  bool create = true;
  /// Open read-only (backup source, check, audit queries).
  bool read_only = false;
  /// Run migrations (never with read_only).
  bool migrate = true;
  /// Limits the database to this many pages (0: no limit); with it, tests
  /// can make SQLite report a full disk.
  int64_t max_page_count = 0;
  /// SQLite: the VFS to open the file through (empty: SQLite's default);
  /// tests open the store through one that injects I/O faults.
  std::string vfs;
  /// PostgreSQL: how long connecting may take.
  std::chrono::seconds connect_timeout{5};
  /// PostgreSQL: the server cancels a statement running longer (0: never).
  std::chrono::milliseconds statement_timeout{30'000};
};

/// `base` for reading an existing database: read-only, never created or
/// migrated (tools, readers beside a node's writer).
inline open_options read_only_options(open_options base = {}) {
  base.read_only = true;
  base.migrate = false;
  base.create = false;
  return base;
}

/// True for a `postgresql://` or `postgres://` URL (a store target that is
/// not an SQLite file).
bool is_postgres_url(const std::string& target) noexcept;

/// `target` with any password replaced by `***`: what logs, messages and
/// output show of a database.
std::string redact_url(const std::string& target);

/// Opens `target` (an SQLite file, or a postgresql:// URL) as a Trading
/// Farm database.
caf::expected<std::unique_ptr<sql_connection>> open_database(const std::string& target,
                                                             const open_options& opts = {});

/// Appends an audit record on `db` (in the caller's transaction); for the
/// modules that write the database directly (credentials, security state).
void append_audit_row(sql_connection& db, const std::string& actor, const std::string& user,
                      const std::string& action, const std::string& detail);

/// Turns an exception from a connection (sql_error) or SQLiteCpp into an
/// error that names `name` (the file or server), says what failed (`what`,
/// e.g. "commit") and the way out.
caf::error classify(const std::exception& e, const std::string& name, const std::string& what);

} // namespace tfarm::persistence
