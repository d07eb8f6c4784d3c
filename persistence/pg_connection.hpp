// sql_connection on a PostgreSQL server through libpq (the shared store of
// a cluster).
//
// Statements are prepared on the server the second time they run (named
// per connection; once is one round trip with nothing left behind) and run
// with text results; integers, NUMERIC sums and
// booleans read as int64, BYTEA as raw bytes. Every session runs with
// synchronous_commit = on, so a COMMIT that returned is on the server's
// disk (and, with synchronous replicas configured, on theirs).
//
// Statements sent without waiting (sql_statement::send, and the BEGIN of a
// write transaction) go out in libpq's pipeline mode: they queue on the
// connection and travel with the next statement that waits, so a batch of
// writes and its COMMIT cost one round trip rather than one per statement.
// The connection is in pipeline mode only while something is queued.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/sql_connection.hpp"

struct pg_conn;
struct pg_result;

namespace tfarm::persistence {

struct pg_options {
  /// How long connecting may take before the server counts as unreachable.
  std::chrono::seconds connect_timeout{5};
  /// The server cancels a statement that runs longer (0: no limit).
  std::chrono::milliseconds statement_timeout{0};
  /// application_name the server shows in pg_stat_activity.
  std::string application_name = "tfarm";
};

class pg_connection final : public sql_connection {
public:
  /// Connects; throws sql_error (connection_lost for an unreachable server,
  /// auth for refused credentials, cant_open for a missing database) with a
  /// message naming host and port, never the password.
  pg_connection(const std::string& url, const pg_options& opts = {});
  ~pg_connection() override;

  sql_dialect dialect() const noexcept override { return sql_dialect::postgresql; }
  const std::string& name() const noexcept override { return name_; }
  void exec(const std::string& sql) override;
  using sql_connection::prepare;
  std::unique_ptr<sql_statement> prepare(const std::string& sql, plan how) override;
  bool table_exists(const std::string& table) override;
  void begin_write() override;
  void begin_read() override;
  void commit() override;
  void rollback() noexcept override;

  bool broken() const noexcept override;

  /// The server's "host:port" (or socket folder and port).
  std::string endpoint() const;

  pg_conn* native() noexcept { return conn_; }

  /// The next statement name of this connection ("tf1", "tf2", ...).
  std::string next_statement_name();

  // -- the pipeline (for the driver's statements) --------------------------------

  bool pipelined() const noexcept { return pipelined_; }

  /// Queues a prepared statement, entering pipeline mode if needed; waits
  /// for the queue once it holds pipeline_queued_max results.
  void queue_prepared(const std::string& statement, int params, const char* const* values,
                      const int* lengths, const int* formats);

  /// The same for a statement planned at this run (given by its text).
  void queue_params(const std::string& sql, int params, const char* const* values,
                    const int* lengths, const int* formats);

  /// Sends what is queued with a sync point, reads every result and leaves
  /// pipeline mode; throws the first failure. With `keep_last`, returns the
  /// last queued statement's result (the caller clears it); else null.
  pg_result* drain(bool keep_last = false);

  /// A prepared statement was destroyed: its server side goes at the next
  /// transaction's start.
  void closed_statement(const std::string& name);

private:
  void queue(const char* sql);
  void enter_pipeline();
  /// Pipeline mode, with fewer than pipeline_queued_max results owed.
  void make_room();
  void deallocate_closed();
  [[noreturn]] void fail_sending(const char* what);

  pg_conn* conn_ = nullptr;
  std::string name_;
  uint64_t statements_ = 0;
  bool pipelined_ = false;
  /// Results the server owes for what is queued.
  int queued_ = 0;
  /// Statements destroyed since the last DEALLOCATE.
  std::vector<std::string> closed_;
};

/// Results queued in pipeline mode before the driver waits for them: the
/// server's answers must fit the socket's buffer, or it would block writing
/// them while the driver blocks sending more (a few dozen bytes each).
constexpr int pipeline_queued_max = 512;

/// Rewrites `?` / `?N` placeholders (outside quotes) to `$N`; `count` gets
/// the number of parameters.
std::string pg_placeholders(const std::string& sql, int& count);

} // namespace tfarm::persistence
