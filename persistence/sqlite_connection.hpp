// sql_connection on an SQLite database file (the embedded, single-node
// store). Owns the SQLiteCpp handle so SQLite-only maintenance (online
// backup, integrity_check) can reach it through native().
#pragma once

#include <memory>
#include <string>

#include "persistence/sql_connection.hpp"

namespace SQLite {
class Database;
} // namespace SQLite

namespace tfarm::persistence {

class sqlite_connection final : public sql_connection {
public:
  sqlite_connection(std::unique_ptr<SQLite::Database> db, std::string file);
  ~sqlite_connection() override;

  sql_dialect dialect() const noexcept override { return sql_dialect::sqlite; }
  const std::string& name() const noexcept override { return file_; }
  void exec(const std::string& sql) override;
  using sql_connection::prepare;
  std::unique_ptr<sql_statement> prepare(const std::string& sql, plan how) override;
  bool table_exists(const std::string& table) override;
  void begin_write() override;
  void begin_read() override;
  void rollback() noexcept override;

  SQLite::Database& native() noexcept { return *db_; }

private:
  std::unique_ptr<SQLite::Database> db_;
  std::string file_;
};

/// The sql_failure of an SQLite result code (primary or extended).
sql_failure sqlite_failure(int code) noexcept;

} // namespace tfarm::persistence
