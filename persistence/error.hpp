// Error codes of the persistence module (category "tfstore").
//
// Messages that accompany them name the database file and, where there is
// one, the way out (e.g. `tfarm db restore`).
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::persistence {

enum class store_errc : uint8_t {
  none = 0,
  /// The file cannot be opened or created.
  open_failed,
  /// The file is not a database or fails its integrity check.
  corrupt,
  /// Another process holds the database (or SQLite's lock) too long.
  locked,
  /// The file or its folder is read-only.
  read_only,
  /// No space left (or the database hit its size limit).
  disk_full,
  /// Any other I/O or database failure.
  io_error,
  /// The schema is from a newer tfarm, or a migration failed.
  migration_failed,
  /// A ledger transaction whose legs do not sum to zero per asset.
  unbalanced_transaction,
  /// A record with a missing or invalid field (names the field).
  invalid_record,
  /// A fill for an order that was never recorded.
  unknown_order,
  /// A backup could not be written or verified.
  backup_failed,
  /// A restore was refused (integrity, a node holding the database).
  restore_refused,
  /// A ledger transaction would leave a user account's balance below zero.
  negative_balance,
  /// A vault account id already belongs to another user.
  account_conflict,
  /// A balance would pass 64 bits.
  amount_overflow,
  /// A fill recorded before with different content, or one its order
  /// cannot have (beyond its quantity or its limit price).
  fill_conflict,
  /// The database server cannot be reached, or the connection broke while
  /// a write was in flight (it may or may not have committed: the store
  /// finds out before answering).
  unavailable,
  /// The database server refused the credentials.
  auth_failed,
  /// A statement ran past the statement timeout.
  timeout,
  /// Concurrent writers conflicted more often than the store retries.
  conflict,
  /// A write made under an epoch of its user that is no longer current:
  /// another member owns the user now (docs/cluster.md). Nothing written.
  fenced,
};

std::string to_string(store_errc x);

/// Registers the "tfstore" category with runtime::to_text(), and its
/// `unavailable` and `fenced` as outages (runtime/outage.hpp). Idempotent.
void register_error_names();

} // namespace tfarm::persistence

CAF_ERROR_CODE_ENUM(tfarm::persistence::store_errc, "tfstore")
