// Operator procedures on a database file, for `tfarm db ...` and `tfarm
// audit`, usable while a node runs (backup, check, audit) or only while none
// does (restore). Synchronous; each opens its own connections.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "persistence/audit_record.hpp"
#include "persistence/database.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

/// Opens (creating and migrating) the database a node is about to run on,
/// so that problems surface before anything starts, and returns every kept
/// checkpoint for preloading. A file that fails `PRAGMA quick_check` is
/// refused (store_errc::corrupt, naming the way out) before it is migrated.
caf::expected<std::vector<runtime::checkpoint>> prepare_database(const std::string& db,
                                                                 const open_options& opts);

/// Copies `db` to `out`, a consistent snapshot even while a node writes:
/// SQLite's online backup API, verified with `PRAGMA integrity_check`; on
/// PostgreSQL pg_dump (custom format), verified with `pg_restore --list`.
/// Writes to `out.partial` and renames at the end, so `out` is never a
/// half-written file.
caf::error backup_database(const std::string& db, const std::string& out);

/// What check_database found.
struct database_check {
  /// Violations, one line each: integrity, the ledger's and the trading
  /// invariants.
  std::vector<std::string> problems;
  /// Work a node finishes by itself at its next start (after a kill -9:
  /// fills to settle, reservations of final orders to release).
  std::vector<std::string> pending;

  bool clean() const noexcept { return problems.empty(); }
};

/// `PRAGMA integrity_check` and foreign keys, then the ledger invariants:
/// every transaction has two or more legs summing to zero per asset; every
/// balance equals its ledger sum; no fill without its order; every
/// checkpoint matches its CRC-32; then the trading invariants
/// (trading_check.hpp).
caf::expected<database_check> check_database(const std::string& db);

/// What restore_database did.
struct restore_report {
  /// Where the replaced database (and its -wal/-shm) went; empty if there
  /// was none.
  std::string kept_aside;
};

/// Replaces `db` with the backup `from`: refuses while a node holds `db` or
/// when the backup fails its integrity check; keeps the replaced file aside
/// (`db.replaced-<UTC time>`); audits the restore in the restored database.
/// On PostgreSQL `db` must be an empty database (pg_restore fills it in
/// one transaction); nothing is replaced.
caf::expected<restore_report> restore_database(const std::string& db, const std::string& from,
                                               const std::string& operator_name);

/// Audit records of `db` since `since_ms`, oldest first.
caf::expected<std::vector<audit_record>> read_audit(const std::string& db, int64_t since_ms,
                                                    uint32_t limit);

/// Appends one audit record to `db` directly (operator commands that run
/// without a node).
caf::error write_audit(const std::string& db, audit_record x);

/// The login name of the operator running this process.
std::string operator_name();

/// "2026-11-28T21:03:05.123Z".
std::string format_utc(int64_t unix_ms);

/// The current UTC time as "20261128T210305Z" (for file names).
std::string utc_stamp_compact();

} // namespace tfarm::persistence
