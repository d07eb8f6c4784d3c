// Opening the node's SQLite database: WAL, the configured `synchronous`,
// foreign keys, a busy timeout, and migrations up to the latest schema.
//
// Every failure comes back as a caf::error (category "tfstore") whose text
// names the file and the way out, e.g. a corrupt file points at
// `tfarm db restore`. Not thread-safe: a connection belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace SQLite {
class Database;
} // namespace SQLite

namespace tfarm::persistence {

struct open_options {
  /// off, normal, full or extra.
  std::string synchronous = "full";
  std::chrono::milliseconds busy_timeout{5'000};
  /// Create the file when missing.
  bool create = true;
  /// Open read-only (backup source, check, audit queries).
  bool read_only = false;
  /// Run migrations (never with read_only).
  bool migrate = true;
  /// Limits the database to this many pages (0: no limit); with it, tests
  /// can make SQLite report a full disk.
  int64_t max_page_count = 0;
};

/// Opens `file` as a Trading Farm database.
caf::expected<std::unique_ptr<SQLite::Database>> open_database(const std::string& file,
                                                               const open_options& opts = {});

/// Appends an audit record on `db` (in the caller's transaction); for the
/// modules that write the database directly (credentials, security state).
void append_audit_row(SQLite::Database& db, const std::string& actor, const std::string& user,
                      const std::string& action, const std::string& detail);

/// Turns an exception from SQLite(Cpp) into an error that names `file`,
/// says what failed (`what`, e.g. "commit") and the way out.
caf::error classify(const std::exception& e, const std::string& file, const std::string& what);

} // namespace tfarm::persistence
