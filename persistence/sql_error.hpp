// The failure of a statement on either backend, as one exception type the
// store's callers classify (persistence::classify) without knowing whether
// SQLite or PostgreSQL raised it.
//
// Thrown by sql_connection and sql_statement; caught at the store's
// boundary (store_writer, the maintenance commands), never across an actor.
#pragma once

#include <stdexcept>
#include <string>

namespace tfarm::persistence {

enum class sql_dialect { sqlite, postgresql };

/// What went wrong, in the terms the store reacts to.
enum class sql_failure {
  other,
  /// No space left on the server or disk (SQLITE_FULL, SQLSTATE 53100).
  disk_full,
  /// The database or transaction is read-only.
  read_only,
  /// Another writer holds the lock (SQLITE_BUSY) or a lock wait timed out.
  locked,
  /// The file is not a database or is damaged.
  corrupt,
  /// The database cannot be opened (missing folder, no such database).
  cant_open,
  /// The server cannot be reached or the connection broke mid-statement:
  /// what was in flight may or may not have committed.
  connection_lost,
  /// The server refused the credentials.
  auth,
  /// The statement ran longer than the statement timeout.
  timeout,
  /// A concurrent transaction conflicted (SQLSTATE 40001, 40P01): running
  /// the whole transaction again is safe.
  serialization,
  /// A constraint (unique, check, foreign key) refused a row.
  constraint,
};

const char* to_string(sql_failure x) noexcept;

class sql_error : public std::runtime_error {
public:
  /// `code` is the backend's own (SQLite result code or SQLSTATE).
  sql_error(sql_dialect backend, sql_failure kind, std::string code, const std::string& what)
      : std::runtime_error(what), backend_(backend), kind_(kind), code_(std::move(code)) {}

  sql_dialect backend() const noexcept { return backend_; }
  sql_failure kind() const noexcept { return kind_; }
  const std::string& code() const noexcept { return code_; }

private:
  sql_dialect backend_;
  sql_failure kind_;
  std::string code_;
};

} // namespace tfarm::persistence
