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
#include "persistence/migrations.hpp"
#include "persistence/node_lock.hpp"
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
std::vector<std::string> integrity_problems(SQLite::Database& db,
                                            const char* pragma = "integrity_check") {
  std::vector<std::string> result;
  SQLite::Statement q{db, std::string{"PRAGMA "} + pragma};
  while (q.executeStep()) {
    std::stringstream lines{q.getColumn(0).getString()};
    for (std::string line; std::getline(lines, line);)
      if (line != "ok" && line.rfind("***", 0) != 0)
        result.push_back(line);
  }
  return result;
}

std::vector<std::string> integrity_findings(SQLite::Database& db) {
  auto result = integrity_problems(db);
  for (auto& line : result)
    line = "integrity: " + line;
  return result;
}

// Runs `sql`; each row becomes a finding through `describe`.
template <class F>
void collect(SQLite::Database& db, const char* sql, F describe, std::vector<std::string>& out) {
  SQLite::Statement q{db, sql};
  size_t n = 0;
  while (q.executeStep()) {
    if (++n <= findings_per_check_max)
      out.push_back(describe(q));
  }
  if (n > findings_per_check_max)
    out.push_back("... and " + std::to_string(n - findings_per_check_max) + " more like the above");
}

// A connection to an existing database, without migrating it (tools read
// files of any schema version this tfarm knows).
caf::expected<std::unique_ptr<SQLite::Database>> open_existing(const std::string& db) {
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
      auto problems = integrity_problems(**conn, "quick_check");
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
    store_core core{std::move(*conn), db};
    return core.load_all_checkpoints();
  } catch (const std::exception& e) {
    return classify(e, db, "reading checkpoints");
  }
}

caf::error backup_database(const std::string& db, const std::string& out) {
  std::error_code ec;
  if (!fs::exists(db, ec))
    return caf::error{store_errc::backup_failed, db + ": no such database file"};
  auto partial = out + ".partial";
  fs::remove(partial, ec);
  try {
    SQLite::Database src{db, SQLite::OPEN_READWRITE,
                         static_cast<int>(config::store_busy_timeout_ms_default)};
    SQLite::Database dst{partial, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    {
      SQLite::Backup backup{dst, src};
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
    findings = integrity_findings(d);
    if (!findings.empty())
      return report; // the rest would read a damaged file
    collect(
        d, "PRAGMA foreign_key_check",
        [](SQLite::Statement& q) {
          return "foreign key: a row of " + q.getColumn(0).getString() + " (rowid " +
                 q.getColumn(1).getString() + ") points at a missing row of " +
                 q.getColumn(2).getString();
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
        "GROUP BY e.txn_id, e.asset HAVING SUM(e.amount) <> 0",
        [](SQLite::Statement& q) {
          return "ledger: transaction " + q.getColumn(0).getString() + " sums to " +
                 q.getColumn(2).getString() + " in " + q.getColumn(1).getString() + ", not 0";
        },
        findings);
    collect(
        d,
        "SELECT t.idempotency_key, COUNT(e.id) FROM ledger_transactions t "
        "LEFT JOIN ledger_entries e ON e.txn_id = t.id GROUP BY t.id HAVING COUNT(e.id) < 2",
        [](SQLite::Statement& q) {
          return "ledger: transaction " + q.getColumn(0).getString() + " has " +
                 q.getColumn(1).getString() + " legs, fewer than 2";
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
        [](SQLite::Statement& q) {
          return "balance: " + q.getColumn(0).getString() + " " + q.getColumn(1).getString() + " " +
                 q.getColumn(2).getString() + " is " + q.getColumn(3).getString() +
                 " but its ledger entries sum to " + q.getColumn(4).getString();
        },
        findings);
    if (version >= 3)
      collect(
          d,
          "SELECT f.venue_fill_id, f.client_order_id FROM fills f "
          "LEFT JOIN orders o ON o.client_order_id = f.client_order_id "
          "WHERE o.client_order_id IS NULL",
          [](SQLite::Statement& q) {
            return "fill: " + q.getColumn(0).getString() + " belongs to order " +
                   q.getColumn(1).getString() + ", which does not exist";
          },
          findings);
    collect(
        d,
        "SELECT account, asset, bucket, amount FROM balances "
        "WHERE amount < 0 AND account NOT LIKE '@%'",
        [](SQLite::Statement& q) {
          return "balance: " + q.getColumn(0).getString() + " " + q.getColumn(1).getString() + " " +
                 q.getColumn(2).getString() + " is " + q.getColumn(3).getString() +
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
          [](SQLite::Statement& q) {
            return "reservations: " + q.getColumn(0).getString() + " " +
                   q.getColumn(1).getString() + " has " + q.getColumn(2).getString() +
                   " reserved but its open reservations hold " + q.getColumn(3).getString();
          },
          findings);
    SQLite::Statement cps{d, "SELECT path, seq, blob, crc32 FROM checkpoints"};
    size_t bad = 0;
    while (cps.executeStep()) {
      auto blob = cps.getColumn(2);
      std::string_view bytes{static_cast<const char*>(blob.getBlob()),
                             static_cast<size_t>(blob.getBytes())};
      if (runtime::crc32(bytes) != static_cast<uint32_t>(cps.getColumn(3).getInt64()) &&
          ++bad <= findings_per_check_max)
        findings.push_back("checkpoint: " + cps.getColumn(0).getString() + " seq " +
                           cps.getColumn(1).getString() + " fails its CRC-32 check");
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
    SQLite::Database check{from, SQLite::OPEN_READONLY};
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
    store_core core{std::move(*conn), db};
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
    store_core core{std::move(*conn), db};
    core.begin();
    core.append_audit(std::move(x));
    core.commit();
    return {};
  } catch (const std::exception& e) {
    return classify(e, db, "writing the audit log");
  }
}

} // namespace tfarm::persistence
