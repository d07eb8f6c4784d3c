#include "persistence/database.hpp"

#include <filesystem>

#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "persistence/migrations.hpp"
#include "persistence/pg_connection.hpp"
#include "persistence/sqlite_connection.hpp"
#include "runtime/clock.hpp"

namespace tfarm::persistence {

caf::error classify(const std::exception& e, const std::string& target, const std::string& what) {
  auto name = redact_url(target);
  auto kind = sql_failure::other;
  auto pg = false;
  if (auto x = dynamic_cast<const sql_error*>(&e)) {
    kind = x->kind();
    pg = x->backend() == sql_dialect::postgresql;
  } else if (auto sqlite_error = dynamic_cast<const SQLite::Exception*>(&e)) {
    kind = sqlite_failure(sqlite_error->getErrorCode());
  }
  auto detail = std::string{pg ? " (PostgreSQL: " : " (SQLite: "} + e.what() + ")";
  switch (kind) {
  case sql_failure::disk_full:
    return caf::error{
        store_errc::disk_full,
        name + ": " + what + " failed: disk full" + detail +
            "; writes are refused until space is freed, nothing acknowledged was lost"};
  case sql_failure::read_only:
    return caf::error{store_errc::read_only,
                      name + ": " + what + " failed: the database is read-only" + detail +
                          (pg ? "; the server is a standby or runs read-only: point --db at "
                                "the primary"
                              : "; fix the permissions of the file and its folder, or use --db "
                                "elsewhere")};
  case sql_failure::locked:
    return caf::error{store_errc::locked,
                      name + ": " + what + " failed: locked by another process" + detail +
                          "; stop the other process (another tfarm node?) or use --db elsewhere"};
  case sql_failure::corrupt:
    return caf::error{
        store_errc::corrupt,
        name + ": " + what + " failed: " +
            (pg ? "the server reports corrupt data" : "the file is corrupt or not a database") +
            detail + "; restore a backup with `tfarm db restore --db " + name + " --from BACKUP`"};
  case sql_failure::cant_open:
    return caf::error{
        store_errc::open_failed,
        name + ": " + what + " failed: " +
            (pg ? "no such database" + detail + "; create it first (createdb -O USER NAME)"
                : "cannot open the file" + detail +
                      "; check that its folder exists and is writable")};
  case sql_failure::connection_lost:
    return caf::error{store_errc::unavailable,
                      name + ": " + what + " failed: the database server is unreachable" + detail +
                          "; check that it runs and accepts connections"};
  case sql_failure::auth:
    return caf::error{store_errc::auth_failed,
                      name + ": " + what + " failed: the server refused the credentials" + detail +
                          "; check the user in the URL and its password (PGPASSWORD, "
                          "~/.pgpass or the URL's password)"};
  case sql_failure::timeout:
    return caf::error{store_errc::timeout,
                      name + ": " + what +
                          " failed: a statement ran past the statement "
                          "timeout" +
                          detail + "; raise [store] statement_timeout or find what blocks it"};
  case sql_failure::serialization:
    return caf::error{store_errc::conflict,
                      name + ": " + what + " failed: concurrent writers conflicted" + detail};
  case sql_failure::constraint:
  case sql_failure::other:
    break;
  }
  return caf::error{store_errc::io_error, name + ": " + what + " failed" + detail};
}

namespace {

caf::expected<std::unique_ptr<sql_connection>> open_sqlite(const std::string& file,
                                                           const open_options& opts) {
  std::error_code ec;
  if (!opts.create && !std::filesystem::exists(file, ec))
    return caf::error{store_errc::open_failed, file + ": no such database file"};
  int flags = opts.read_only ? SQLite::OPEN_READONLY
                             : SQLite::OPEN_READWRITE | (opts.create ? SQLite::OPEN_CREATE : 0);
  std::unique_ptr<sql_connection> conn;
  try {
    auto db = std::make_unique<SQLite::Database>(
        file, flags, static_cast<int>(opts.busy_timeout.count()), opts.vfs);
    // The first statement reads the header: a non-database fails here.
    if (!opts.read_only) {
      SQLite::Statement wal{*db, "PRAGMA journal_mode = WAL"};
      wal.executeStep();
      if (wal.getColumn(0).getString() != "wal")
        return caf::error{store_errc::io_error, file + ": cannot switch to WAL journaling (got '" +
                                                    wal.getColumn(0).getString() + "')"};
    } else {
      db->exec("SELECT count(*) FROM sqlite_master");
    }
    db->exec("PRAGMA synchronous = " + opts.synchronous);
    db->exec("PRAGMA foreign_keys = ON");
    // SQLite's default page cache (2 MiB) makes a busy store read its own
    // index pages back from the OS on every statement.
    db->exec("PRAGMA cache_size = -" + std::to_string(config::store_page_cache_kib));
    if (opts.max_page_count > 0)
      db->exec("PRAGMA max_page_count = " + std::to_string(opts.max_page_count));
    conn = std::make_unique<sqlite_connection>(std::move(db), file);
  } catch (const std::exception& e) {
    return classify(e, file, "opening");
  }
  return conn;
}

caf::expected<std::unique_ptr<sql_connection>> open_postgres(const std::string& url,
                                                             const open_options& opts) {
  std::unique_ptr<sql_connection> conn;
  try {
    pg_options pg;
    pg.connect_timeout = opts.connect_timeout;
    pg.statement_timeout = opts.statement_timeout;
    // What an operator sees in pg_stat_activity (and a lock holder's name).
    pg.application_name = "tfarm pid " + std::to_string(getpid());
    conn = std::make_unique<pg_connection>(url, pg);
    if (opts.read_only)
      conn->exec("SET default_transaction_read_only = on");
  } catch (const std::exception& e) {
    return classify(e, redact_url(url), "connecting");
  }
  return conn;
}

} // namespace

caf::expected<std::unique_ptr<sql_connection>> open_database(const std::string& target,
                                                             const open_options& opts) {
  auto conn = is_postgres_url(target) ? open_postgres(target, opts) : open_sqlite(target, opts);
  if (!conn)
    return conn;
  auto& db = **conn;
  if (opts.migrate && !opts.read_only) {
    if (auto err = migrate(db))
      return err;
  } else {
    try {
      if (schema_version(db) > latest_schema_version())
        return caf::error{store_errc::migration_failed,
                          db.name() + " has a schema newer than this tfarm knows; use a newer "
                                      "tfarm"};
    } catch (const std::exception& e) {
      return classify(e, db.name(), "reading the schema version");
    }
  }
  return conn;
}

void append_audit_row(sql_connection& db, const std::string& actor, const std::string& user,
                      const std::string& action, const std::string& detail) {
  auto s = db.prepare("INSERT INTO audit_logs (ts, actor, \"user\", action, detail) "
                      "VALUES (?, ?, ?, ?, ?)");
  s->bind(1, runtime::unix_now_ms());
  s->bind(2, actor);
  s->bind(3, user);
  s->bind(4, action);
  s->bind(5, detail);
  s->exec();
}

} // namespace tfarm::persistence
