// One connection to the store's database, SQLite or PostgreSQL, behind one
// interface: the store's SQL is written once and runs on both.
//
// The SQL the store writes is the common part of the two dialects: `?`
// placeholders (`?N` to repeat one; the PostgreSQL driver numbers them
// `$N`), `INSERT ... ON CONFLICT`, `RETURNING`, quoted "user" (a reserved
// word in PostgreSQL), a CAST on a parameter whose type its use does not
// fix (`CAST(? AS BIGINT) * 2`: PostgreSQL infers parameter types). What
// differs (transaction modes, row locks, catalog
// queries) goes through dialect() or the methods below. Integer results are
// read as int64 whatever the backend's type (PostgreSQL's SUM is NUMERIC,
// EXISTS is boolean).
//
// Failures throw sql_error. Not thread-safe: a connection and its
// statements belong to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "persistence/sql_error.hpp"

namespace tfarm::persistence {

/// A prepared statement. Parameters are numbered from 1, columns from 0.
class sql_statement {
public:
  virtual ~sql_statement() = default;

  virtual void bind_int64(int index, int64_t value) = 0;
  virtual void bind_text(int index, const std::string& value) = 0;
  virtual void bind_blob(int index, const void* data, size_t size) = 0;
  virtual void bind_null(int index) = 0;

  template <class T>
  std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>> bind(int index, T value) {
    bind_int64(index, static_cast<int64_t>(value));
  }
  void bind(int index, const std::string& value) { bind_text(index, value); }
  void bind(int index, const char* value) { bind_text(index, value); }

  /// Runs the statement on the first call; moves to the next row; false once
  /// no row is left.
  virtual bool step() = 0;

  /// Runs the statement to completion; the number of rows it changed.
  virtual int64_t exec() = 0;

  /// Runs a statement whose result is not needed, possibly later: the
  /// PostgreSQL driver queues it and sends it with the next statement that
  /// waits (a transaction's writes then cost one round trip together, not
  /// one each). Its failure is thrown by the next call on the connection
  /// that waits (step, exec, commit), which then fails too; everything
  /// queued after a failed statement is skipped. The statement may be
  /// reset and bound again at once. SQLite runs it now.
  virtual void send() { exec(); }

  /// Forgets results and bindings: ready to bind and run again.
  virtual void reset() noexcept = 0;

  virtual bool is_null(int column) const = 0;
  /// An integer column (a boolean reads as 0 or 1; NULL as 0).
  virtual int64_t int64(int column) const = 0;
  virtual std::string text(int column) const = 0;
  virtual std::string blob(int column) const = 0;
};

class sql_connection {
public:
  virtual ~sql_connection() = default;

  virtual sql_dialect dialect() const noexcept = 0;

  /// Where the database is, for messages: a file, or a URL without its
  /// password.
  virtual const std::string& name() const noexcept = 0;

  /// Runs one or more statements without parameters.
  virtual void exec(const std::string& sql) = 0;

  /// How a statement is planned on PostgreSQL: once per connection
  /// (cached), or at every run with that run's parameters (per_run: for a
  /// statement whose best plan depends on them, such as a lookup of a list
  /// of keys in a table that grows; a plan cached while the table was small
  /// scans it whole). SQLite ignores it.
  enum class plan { cached, per_run };

  std::unique_ptr<sql_statement> prepare(const std::string& sql) {
    return prepare(sql, plan::cached);
  }
  virtual std::unique_ptr<sql_statement> prepare(const std::string& sql, plan how) = 0;

  virtual bool table_exists(const std::string& table) = 0;

  /// Starts a transaction that will write: SQLite takes the write lock now
  /// (a competing writer shows up here, not mid-batch); PostgreSQL runs it
  /// SERIALIZABLE, so concurrent writers from other nodes never lose an
  /// update (a conflict is sql_failure::serialization: run it again).
  virtual void begin_write() = 0;

  /// Starts a read-only transaction that sees one consistent snapshot.
  virtual void begin_read() = 0;

  /// Commits the open transaction; a failure of a statement sent before
  /// (send) is thrown here and nothing is committed.
  virtual void commit() { exec("COMMIT"); }

  /// Rolls back the open transaction, if any; never throws (a broken
  /// connection has nothing left to roll back).
  virtual void rollback() noexcept = 0;

  /// True once the connection is gone for good (a server that went away):
  /// only a new connection can go on.
  virtual bool broken() const noexcept { return false; }

  /// Sets a savepoint / rolls back to it / releases it (inside a transaction).
  void savepoint(const std::string& id) { exec("SAVEPOINT " + id); }
  void rollback_to(const std::string& id) { exec("ROLLBACK TO SAVEPOINT " + id); }
  void release(const std::string& id) { exec("RELEASE SAVEPOINT " + id); }
};

/// Runs `sql` (no parameters) and returns the first column of its first row
/// as an integer (0 without a row).
int64_t query_int64(sql_connection& db, const std::string& sql);

/// A transaction that rolls back unless committed.
class sql_transaction {
public:
  enum class mode { write, read };

  explicit sql_transaction(sql_connection& db, mode m = mode::write) : db_(db) {
    if (m == mode::write)
      db_.begin_write();
    else
      db_.begin_read();
  }
  ~sql_transaction() {
    if (!done_)
      db_.rollback();
  }
  sql_transaction(const sql_transaction&) = delete;
  sql_transaction& operator=(const sql_transaction&) = delete;

  void commit() {
    db_.commit();
    done_ = true;
  }

private:
  sql_connection& db_;
  bool done_ = false;
};

} // namespace tfarm::persistence
