#include "persistence/maintenance.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <pwd.h>
#include <unistd.h>

#include "config/limits.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/fence_proof.hpp"
#include "persistence/migrations.hpp"
#include "persistence/node_lock.hpp"
#include "persistence/pg_tools.hpp"
#include "persistence/sqlite_connection.hpp"
#include "persistence/store_core.hpp"
#include "persistence/trading_check.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::persistence {

namespace fs = std::filesystem;

namespace {

/// Findings listed per kind of problem before the rest are only counted.
constexpr size_t findings_per_check_max = 50;

// What `PRAGMA integrity_check` (or `quick_check`) reports wrong, one
// problem a line: SQLite may put several in one row, under a
// "*** in database main ***" heading.
std::vector<std::string> integrity_problems(sql_connection& db,
                                            const char* pragma = "integrity_check") {
  std::vector<std::string> result;
  auto q_stmt = db.prepare(std::string{"PRAGMA "} + pragma);
  auto& q = *q_stmt;
  while (q.step()) {
    std::stringstream lines{q.text(0)};
    for (std::string line; std::getline(lines, line);)
      if (line != "ok" && line.rfind("***", 0) != 0)
        result.push_back(line);
  }
  return result;
}

std::vector<std::string> integrity_findings(sql_connection& db) {
  auto result = integrity_problems(db);
  for (auto& line : result)
    line = "integrity: " + line;
  return result;
}

// Wraps an SQLite file opened here (backup copies) for the checks above.
sqlite_connection wrap(std::unique_ptr<SQLite::Database> db, const std::string& file) {
  return sqlite_connection{std::move(db), file};
}

// Runs `sql`; each row becomes a finding through `describe`.
template <class F>
void collect(sql_connection& db, const char* sql, F describe, std::vector<std::string>& out) {
  auto q_stmt = db.prepare(sql);
  auto& q = *q_stmt;
  size_t n = 0;
  while (q.step()) {
    if (++n <= findings_per_check_max)
      out.push_back(describe(q));
  }
  if (n > findings_per_check_max)
    out.push_back("... and " + std::to_string(n - findings_per_check_max) + " more like the above");
}

// A connection to an existing database, without migrating it (tools read
// files of any schema version this tfarm knows).
caf::expected<std::unique_ptr<sql_connection>> open_existing(const std::string& db) {
  open_options opts;
  opts.create = false;
  opts.migrate = false;
  return open_database(db, opts);
}

} // namespace

std::string utc_stamp_compact() {
  auto t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string operator_name() {
  if (auto user = std::getenv("USER"); user && *user)
    return user;
  if (auto pw = getpwuid(getuid()))
    return pw->pw_name;
  return "uid:" + std::to_string(getuid());
}

std::string format_utc(int64_t unix_ms) {
  auto secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof(ms), ".%03dZ", static_cast<int>(unix_ms % 1000));
  return std::string{buf} + ms;
}

caf::expected<std::vector<runtime::checkpoint>> prepare_database(const std::string& db,
                                                                 const open_options& opts) {
  {
    // A damaged file is refused before it is migrated or anything starts:
    // pages SQLite has not read yet would fail later, in the middle of a
    // money operation.
    auto check = opts;
    check.migrate = false;
    auto conn = open_database(db, check);
    if (!conn)
      return conn.error();
    try {
      auto problems = (*conn)->dialect() == sql_dialect::sqlite
                          ? integrity_problems(**conn, "quick_check")
                          : std::vector<std::string>{};
      if (!problems.empty())
        return caf::error{
            store_errc::corrupt,
            db + " fails its integrity check (" + problems.front() +
                (problems.size() > 1 ? ", and " + std::to_string(problems.size() - 1) + " more"
                                     : std::string{}) +
                "); refusing to start on it. The way out: `tfarm db restore --db " + db +
                " --from BACKUP`; `tfarm db check --db " + db + "` lists what is damaged"};
    } catch (const std::exception& e) {
      return classify(e, db, "checking the integrity");
    }
  }
  auto conn = open_database(db, opts);
  if (!conn)
    return conn.error();
  try {
    store_core core{std::move(*conn)};
    return core.load_all_checkpoints();
  } catch (const std::exception& e) {
    return classify(e, db, "reading checkpoints");
  }
}

caf::error backup_database(const std::string& db, const std::string& out) {
  if (is_postgres_url(db))
    return pg_backup(db, out);
  std::error_code ec;
  if (!fs::exists(db, ec))
    return caf::error{store_errc::backup_failed, db + ": no such database file"};
  auto partial = out + ".partial";
  fs::remove(partial, ec);
  try {
    SQLite::Database src{db, SQLite::OPEN_READWRITE,
                         static_cast<int>(config::store_busy_timeout_ms_default)};
    auto dst = wrap(
        std::make_unique<SQLite::Database>(partial, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE),
        partial);
    {
      SQLite::Backup backup{dst.native(), src};
      // One step copies every page under one read transaction: a consistent
      // snapshot, whatever the node commits meanwhile (WAL).
      backup.executeStep(-1);
    }
    // A backup is one self-contained file: no -wal or -shm beside it.
    dst.exec("PRAGMA journal_mode = DELETE");
    if (auto findings = integrity_findings(dst); !findings.empty()) {
      fs::remove(partial, ec);
      return caf::error{store_errc::backup_failed,
                        "the backup of " + db + " fails its integrity check: " + findings.front()};
    }
  } catch (const std::exception& e) {
    fs::remove(partial, ec);
    auto err = classify(e, db, "backup to " + out);
    return caf::error{store_errc::backup_failed, runtime::to_text(err)};
  }
  fs::rename(partial, out, ec);
  if (ec)
    return caf::error{store_errc::backup_failed,
                      "cannot move the backup into place at " + out + ": " + ec.message()};
  return {};
}

caf::expected<database_check> check_database(const std::string& db) {
  auto conn = open_existing(db);
  if (!conn)
    return conn.error();
  auto& d = **conn;
  database_check report;
  auto& findings = report.problems;
  try {
    // PostgreSQL enforces foreign keys itself and checks pages on read (with
    // data checksums on); SQLite's file is checked here.
    auto sqlite = d.dialect() == sql_dialect::sqlite;
    if (sqlite)
      findings = integrity_findings(d);
    if (!findings.empty())
      return report; // the rest would read a damaged file
    if (sqlite)
      collect(
          d, "PRAGMA foreign_key_check",
          [](sql_statement& q) {
            return "foreign key: a row of " + q.text(0) + " (rowid " + q.text(1) +
                   ") points at a missing row of " + q.text(2);
          },
          findings);
    auto version = schema_version(d);
    if (version < latest_schema_version())
      findings.push_back("schema version " + std::to_string(version) + " is older than this " +
                         "tfarm's " + std::to_string(latest_schema_version()) +
                         "; a node started on it migrates it");
    if (version < 2)
      return report; // no ledger yet
    collect(
        d,
        "SELECT t.idempotency_key, e.asset, SUM(e.amount) FROM ledger_entries e "
        "JOIN ledger_transactions t ON t.id = e.txn_id "
        "GROUP BY e.txn_id, t.idempotency_key, e.asset HAVING SUM(e.amount) <> 0",
        [](sql_statement& q) {
          return "ledger: transaction " + q.text(0) + " sums to " + q.text(2) + " in " + q.text(1) +
                 ", not 0";
        },
        findings);
    collect(
        d,
        "SELECT t.idempotency_key, COUNT(e.id) FROM ledger_transactions t "
        "LEFT JOIN ledger_entries e ON e.txn_id = t.id GROUP BY t.id HAVING COUNT(e.id) < 2",
        [](sql_statement& q) {
          return "ledger: transaction " + q.text(0) + " has " + q.text(1) + " legs, fewer than 2";
        },
        findings);
    collect(
        d,
        "WITH sums AS (SELECT account, asset, bucket, SUM(amount) AS total "
        "  FROM ledger_entries GROUP BY account, asset, bucket) "
        "SELECT b.account, b.asset, b.bucket, b.amount, COALESCE(s.total, 0) FROM balances b "
        "  LEFT JOIN sums s USING (account, asset, bucket) "
        "  WHERE b.amount <> COALESCE(s.total, 0) "
        "UNION ALL "
        "SELECT s.account, s.asset, s.bucket, 0, s.total FROM sums s "
        "  LEFT JOIN balances b USING (account, asset, bucket) "
        "  WHERE b.account IS NULL AND s.total <> 0",
        [](sql_statement& q) {
          return "balance: " + q.text(0) + " " + q.text(1) + " " + q.text(2) + " is " + q.text(3) +
                 " but its ledger entries sum to " + q.text(4);
        },
        findings);
    if (version >= 3)
      collect(
          d,
          "SELECT f.venue_fill_id, f.client_order_id FROM fills f "
          "LEFT JOIN orders o ON o.client_order_id = f.client_order_id "
          "WHERE o.client_order_id IS NULL",
          [](sql_statement& q) {
            return "fill: " + q.text(0) + " belongs to order " + q.text(1) +
                   ", which does not exist";
          },
          findings);
    collect(
        d,
        "SELECT account, asset, bucket, amount FROM balances "
        "WHERE amount < 0 AND account NOT LIKE '@%'",
        [](sql_statement& q) {
          return "balance: " + q.text(0) + " " + q.text(1) + " " + q.text(2) + " is " + q.text(3) +
                 ", below zero (only system accounts, @..., may be)";
        },
        findings);
    if (version >= 5)
      collect(
          d,
          "WITH open AS (SELECT account, asset, SUM(remaining) AS total FROM vault_reservations "
          "  WHERE state = 'open' GROUP BY account, asset) "
          "SELECT b.account, b.asset, b.amount, COALESCE(o.total, 0) FROM balances b "
          "  LEFT JOIN open o USING (account, asset) "
          "  WHERE b.bucket = 'reserved' AND b.account NOT LIKE '@%' "
          "    AND b.amount <> COALESCE(o.total, 0) "
          "UNION ALL "
          "SELECT o.account, o.asset, 0, o.total FROM open o "
          "  LEFT JOIN balances b ON b.account = o.account AND b.asset = o.asset "
          "    AND b.bucket = 'reserved' "
          "  WHERE b.account IS NULL AND o.total <> 0",
          [](sql_statement& q) {
            return "reservations: " + q.text(0) + " " + q.text(1) + " has " + q.text(2) +
                   " reserved but its open reservations hold " + q.text(3);
          },
          findings);
    if (version >= 12)
      collect(
          d, fence_violations_sql,
          [](sql_statement& q) {
            return "fence: user " + q.text(1) + ": " + q.text(0) + " (" + q.text(2) + ")";
          },
          findings);
    auto cps_stmt = d.prepare("SELECT path, seq, blob, crc32 FROM checkpoints");
    auto& cps = *cps_stmt;
    size_t bad = 0;
    while (cps.step()) {
      auto bytes = cps.blob(2);
      if (runtime::crc32(bytes) != static_cast<uint32_t>(cps.int64(3)) &&
          ++bad <= findings_per_check_max)
        findings.push_back("checkpoint: " + cps.text(0) + " seq " + cps.text(1) +
                           " fails its CRC-32 check");
    }
    if (bad > findings_per_check_max)
      findings.push_back("... and " + std::to_string(bad - findings_per_check_max) +
                         " more corrupt checkpoints");
    if (version >= 6)
      for (auto& x : check_trading(d))
        (x.pending ? report.pending : report.problems).push_back(to_string(x));
  } catch (const std::exception& e) {
    return classify(e, db, "checking");
  }
  return report;
}

caf::expected<restore_report> restore_database(const std::string& db, const std::string& from,
                                               const std::string& who) {
  if (is_postgres_url(db)) {
    // No node may start on the database while it fills.
    auto lock = node_lock::acquire(db);
    if (!lock)
      return caf::error{store_errc::restore_refused,
                        "refusing to restore: " + runtime::to_text(lock.error())};
    if (auto err = pg_restore_into(db, from))
      return err;
    auto x = make_audit("cli", who, "db.restore", "restored from " + from);
    if (auto err = write_audit(db, x))
      return err;
    return restore_report{};
  }
  std::error_code ec;
  if (!fs::exists(from, ec))
    return caf::error{store_errc::restore_refused, from + ": no such backup file"};
  // Hold the node lock while restoring: no node may start on a half-restored
  // file, and none may be running now.
  auto lock = node_lock::acquire(db);
  if (!lock)
    return caf::error{store_errc::restore_refused,
                      "refusing to restore " + db + ": a tfarm node (pid " +
                          std::to_string(node_lock::holder(db)) + ") is using it; stop it first"};
  try {
    auto check = wrap(std::make_unique<SQLite::Database>(from, SQLite::OPEN_READONLY), from);
    if (auto findings = integrity_findings(check); !findings.empty())
      return caf::error{store_errc::restore_refused,
                        "refusing to restore: the backup " + from +
                            " fails its integrity check: " + findings.front()};
    if (schema_version(check) > latest_schema_version())
      return caf::error{store_errc::restore_refused,
                        "refusing to restore: the backup " + from +
                            " has a schema newer than this tfarm knows"};
  } catch (const std::exception& e) {
    auto err = classify(e, from, "reading the backup");
    return caf::error{store_errc::restore_refused, "refusing to restore: " + runtime::to_text(err)};
  }
  restore_report report;
  auto restoring = db + ".restoring";
  fs::remove(restoring, ec);
  try {
    SQLite::Database src{from, SQLite::OPEN_READONLY};
    SQLite::Database dst{restoring, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    {
      SQLite::Backup backup{dst, src};
      backup.executeStep(-1);
    }
    dst.exec("PRAGMA journal_mode = DELETE");
  } catch (const std::exception& e) {
    fs::remove(restoring, ec);
    return classify(e, restoring, "copying the backup");
  }
  if (fs::exists(db, ec)) {
    report.kept_aside = db + ".replaced-" + utc_stamp_compact();
    for (auto suffix : {"", "-wal", "-shm"}) {
      if (fs::exists(db + suffix, ec)) {
        fs::rename(db + suffix, report.kept_aside + suffix, ec);
        if (ec)
          return caf::error{store_errc::restore_refused, "cannot move " + db + suffix +
                                                             " aside: " + ec.message() +
                                                             " (nothing was replaced)"};
      }
    }
  }
  fs::rename(restoring, db, ec);
  if (ec)
    return caf::error{store_errc::io_error,
                      "cannot move the restored file into place at " + db + ": " + ec.message() +
                          (report.kept_aside.empty() ? std::string{}
                                                     : "; the old one is at " + report.kept_aside)};
  auto x = make_audit(
      "cli", who, "db.restore",
      "restored from " + from +
          (report.kept_aside.empty() ? "" : "; replaced file kept at " + report.kept_aside));
  if (auto err = write_audit(db, x))
    return err;
  return report;
}

caf::expected<std::vector<audit_record>> read_audit(const std::string& db, int64_t since_ms,
                                                    uint32_t limit) {
  auto conn = open_existing(db);
  if (!conn)
    return conn.error();
  try {
    if (schema_version(**conn) < 4)
      return std::vector<audit_record>{};
    store_core core{std::move(*conn)};
    return core.query_audit(since_ms, limit);
  } catch (const std::exception& e) {
    return classify(e, db, "reading the audit log");
  }
}

caf::error write_audit(const std::string& db, audit_record x) {
  auto conn = open_database(db, open_options{});
  if (!conn)
    return conn.error();
  try {
    store_core core{std::move(*conn)};
    core.begin();
    core.append_audit(std::move(x));
    core.commit();
    return {};
  } catch (const std::exception& e) {
    return classify(e, db, "writing the audit log");
  }
}

} // namespace tfarm::persistence
