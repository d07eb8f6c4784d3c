#include "persistence/database.hpp"

#include <filesystem>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "persistence/migrations.hpp"
#include "runtime/clock.hpp"

namespace tfarm::persistence {

caf::error classify(const std::exception& e, const std::string& file, const std::string& what) {
  int code = SQLITE_ERROR;
  if (auto sqlite_error = dynamic_cast<const SQLite::Exception*>(&e))
    code = sqlite_error->getErrorCode() & 0xff;
  auto sqlite_text = std::string{" (SQLite: "} + e.what() + ")";
  switch (code) {
  case SQLITE_FULL:
    return caf::error{
        store_errc::disk_full,
        file + ": " + what + " failed: disk full" + sqlite_text +
            "; writes are refused until space is freed, nothing acknowledged was lost"};
  case SQLITE_READONLY:
  case SQLITE_PERM:
    return caf::error{
        store_errc::read_only,
        file + ": " + what + " failed: the database is read-only" + sqlite_text +
            "; fix the permissions of the file and its folder, or use --db elsewhere"};
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return caf::error{store_errc::locked,
                      file + ": " + what + " failed: locked by another process" + sqlite_text +
                          "; stop the other process (another tfarm node?) or use --db elsewhere"};
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return caf::error{store_errc::corrupt,
                      file + ": " + what + " failed: the file is corrupt or not a database" +
                          sqlite_text + "; restore a backup with `tfarm db restore --db " + file +
                          " --from BACKUP`"};
  case SQLITE_CANTOPEN:
    return caf::error{store_errc::open_failed,
                      file + ": " + what + " failed: cannot open the file" + sqlite_text +
                          "; check that its folder exists and is writable"};
  default:
    return caf::error{store_errc::io_error, file + ": " + what + " failed" + sqlite_text};
  }
}

caf::expected<std::unique_ptr<SQLite::Database>> open_database(const std::string& file,
                                                               const open_options& opts) {
  std::error_code ec;
  if (!opts.create && !std::filesystem::exists(file, ec))
    return caf::error{store_errc::open_failed, file + ": no such database file"};
  int flags = opts.read_only ? SQLite::OPEN_READONLY
                             : SQLite::OPEN_READWRITE | (opts.create ? SQLite::OPEN_CREATE : 0);
  std::unique_ptr<SQLite::Database> db;
  try {
    db = std::make_unique<SQLite::Database>(file, flags,
                                            static_cast<int>(opts.busy_timeout.count()));
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
  } catch (const std::exception& e) {
    return classify(e, file, "opening");
  }
  if (opts.migrate && !opts.read_only) {
    if (auto err = migrate(*db, file))
      return err;
  } else if (schema_version(*db) > latest_schema_version()) {
    return caf::error{store_errc::migration_failed,
                      file + " has a schema newer than this tfarm knows; use a newer tfarm"};
  }
  return db;
}

void append_audit_row(SQLite::Database& db, const std::string& actor, const std::string& user,
                      const std::string& action, const std::string& detail) {
  SQLite::Statement s{db, "INSERT INTO audit_logs (ts, actor, user, action, detail) "
                          "VALUES (?, ?, ?, ?, ?)"};
  s.bind(1, runtime::unix_now_ms());
  s.bind(2, actor);
  s.bind(3, user);
  s.bind(4, action);
  s.bind(5, detail);
  s.exec();
}

} // namespace tfarm::persistence
