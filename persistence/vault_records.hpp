// The vault's rows as the store records them: accounts, the operation
// journal (idempotency), reservations, and balances. Messages (type IDs in
// persistence/type_ids.hpp); amounts are integer minor units.
//
// Accounts whose id starts with '@' are the vault's own system accounts
// (the outside world, transfers in flight, venues, fees): they are the other
// side of every movement and may go negative; user accounts never may.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "persistence/ledger_txn.hpp"
#include "persistence/trade_records.hpp"

namespace tfarm::persistence {

/// True for the vault's system accounts ("@external", "@transit", ...).
inline bool is_system_account(const std::string& id) {
  return !id.empty() && id.front() == '@';
}

struct account_record {
  std::string id;
  std::string user;
  int64_t created_at_ms = 0;
  /// Deposited (asset -> minor units) in the same transaction that opens
  /// the account, under the keys "<id>:opening-balance:<ASSET>"; ignored
  /// when the account exists already.
  std::map<std::string, int64_t> opening_balance;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_record& x) {
  return f(caf::meta::type_name("tfarm.account_record"), x.id, x.user, x.created_at_ms,
           x.opening_balance);
}

/// One row of the operation journal (table vault_operations).
struct vault_op_record {
  /// Idempotency key, scoped to the account ("<account>:<client key>").
  std::string key;
  std::string account;
  std::string user;
  /// deposit, withdraw, transfer, transfer_in, reserve, settle, release.
  std::string op;
  /// Reservation id, or the other account of a transfer.
  std::string ref;
  std::string asset;
  int64_t amount = 0;
  /// "applied", "pending" (a transfer between phases) or a rejection reason.
  std::string outcome;
  /// What happened, in words with the numbers (the rejection message).
  std::string detail;
  /// The account's balance of `asset` right after the operation.
  int64_t available_after = 0;
  int64_t reserved_after = 0;
  /// The ledger transaction it wrote (0 if none).
  uint64_t txn_id = 0;
  int64_t created_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_op_record& x) {
  return f(caf::meta::type_name("tfarm.vault_op_record"), x.key, x.account, x.user, x.op, x.ref,
           x.asset, x.amount, x.outcome, x.detail, x.available_after, x.reserved_after, x.txn_id,
           x.created_at_ms);
}

/// The order a reservation was made for: only fills it can explain may draw
/// on it or credit the account. Prices are minor units of the price asset
/// per unit of quantity; quantities are minor units of the traded asset.
struct reservation_terms {
  /// "buy" (the reservation holds the price asset, the fills bring the
  /// traded asset) or "sell" (the reverse); empty for reservations made
  /// before schema 7, whose fills the vault cannot check.
  std::string side;
  /// The order's limit (a market order's collar): a buy fills at or below
  /// it, a sell at or above it. Positive.
  int64_t limit = 0;
  /// The order's quantity: its fills add up to at most this. Positive.
  int64_t qty = 0;
  /// What the fills bring: the traded asset of a buy, the price asset of a
  /// sell.
  std::string credit_asset;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_terms& x) {
  return f(caf::meta::type_name("tfarm.reservation_terms"), x.side, x.limit, x.qty, x.credit_asset);
}

/// One row of vault_reservations.
struct reservation_record {
  std::string account;
  std::string id;
  std::string asset;
  int64_t amount = 0;
  int64_t remaining = 0;
  /// "open", "settled" or "released".
  std::string state;
  int64_t created_at_ms = 0;
  reservation_terms terms;
  /// The quantity its settled fills add up to (at most terms.qty).
  int64_t filled = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_record& x) {
  return f(caf::meta::type_name("tfarm.reservation_record"), x.account, x.id, x.asset, x.amount,
           x.remaining, x.state, x.created_at_ms, x.terms, x.filled);
}

/// An account's holding of one asset.
struct balance_row {
  std::string account;
  std::string asset;
  int64_t available = 0;
  int64_t reserved = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, balance_row& x) {
  return f(caf::meta::type_name("tfarm.balance_row"), x.account, x.asset, x.available, x.reserved);
}

/// What one vault operation writes, atomically: its journal row (inserted,
/// or updated from 'pending' when `update` is set), its ledger transaction
/// if it moves money, the reservations it changes, and, for a reservation
/// made for an order, that order's record (`orders`): the money and the
/// order's id durable in one transaction before the order leaves. The
/// orders are recorded only if the operation is applied (a refusal records
/// none), each like store_core::record_order (a known id is kept as it is
/// and reported in vault_write_result::orders_known). Likewise a settlement
/// carries the venue fill it books (`fills`): the fill's row and its money
/// durable together, so no fill is ever settled that the fills table lacks,
/// whoever else was to record it and whenever that failed. A fill recorded
/// before with the same terms is kept; one that cannot be recorded (its
/// order never was, or it was recorded with other terms) leaves the
/// settlement standing and is reported in vault_write_result::fills_unrecorded.
/// A release of an order that never reached a venue carries that order's
/// final status (`order_updates`), so that money and record close together
/// (an order never recorded has nothing to close).
///
/// `seq` chains an account actor's writes: the account decides each one on
/// its memory, which already holds the effects of its writes still in
/// flight, so a write is only right if every write before it was stored as
/// decided. The store applies a write with seq N only while the account's
/// stored sequence is N - 1, and advances it only when it stored what the
/// account decided (not for a replay or a refusal only the store could
/// see). After a write fails or is decided otherwise, every later write of
/// that account instance is refused (store_errc::conflict) and nothing
/// decided on memory ahead of the ledger is stored; the instance restarts
/// from the store. 0: not chained (the store's own writes).
struct vault_write {
  vault_op_record op;
  bool update = false;
  bool has_txn = false;
  ledger_txn txn;
  std::vector<reservation_record> reservations;
  std::vector<order_record> orders;
  /// settle only: the fill it books, of the reservation's order.
  std::vector<fill_record> fills;
  /// release only: the final status of the reservation's order.
  std::vector<order_update> order_updates;
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_write& x) {
  return f(caf::meta::type_name("tfarm.vault_write"), x.op, x.update, x.has_txn, x.txn,
           x.reservations, x.orders, x.fills, x.order_updates, x.seq);
}

/// The store's answer to a vault_write, once durable.
struct vault_write_result {
  /// The journal row as stored: for a replayed key, the first one.
  vault_op_record op;
  /// True if the key was known (nothing was written).
  bool replayed = false;
  /// Ids of the write's orders that were recorded before (by an earlier
  /// write under the same key, or another order's): not recorded now, so
  /// not to be sent as new. Every one of them when the key was replayed.
  std::vector<std::string> orders_known;
  /// Why each of the write's fills that could not be recorded was not (the
  /// settlement itself stands: the venue's report moved the money).
  std::vector<std::string> fills_unrecorded;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_write_result& x) {
  return f(caf::meta::type_name("tfarm.vault_write_result"), x.op, x.replayed, x.orders_known,
           x.fills_unrecorded);
}

/// A journal key known only by its digest (key_digest_of) and the time its
/// row was created: what an account keeps of a key whose result it no
/// longer holds, so that a request under that key is looked up in the
/// store before it is decided (16 bytes instead of the whole row).
struct key_digest {
  uint64_t digest = 0;
  int64_t at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_digest& x) {
  return f(caf::meta::type_name("tfarm.key_digest"), x.digest, x.at_ms);
}

/// FNV-1a (64 bits) of a journal key: the same on every node and build,
/// since the store computes it for the account that compares.
inline uint64_t key_digest_of(std::string_view key) noexcept {
  uint64_t h = 14'695'981'039'346'656'037ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1'099'511'628'211ULL;
  }
  return h;
}

/// Everything an account actor rebuilds itself from.
struct vault_account_data {
  bool found = false;
  account_record account;
  std::vector<balance_row> balances;
  /// Open reservations, and the most recently closed ones since the
  /// requested time (at most the requested number).
  std::vector<reservation_record> reservations;
  /// Every pending journal row, and the most recent rows created since the
  /// requested time (at most the requested number), oldest first.
  std::vector<vault_op_record> ops;
  /// The keys of the other rows created since the requested time, oldest
  /// first.
  std::vector<key_digest> older_keys;
  /// The sequence number of the account's last chained write (vault_write).
  uint64_t write_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_account_data& x) {
  return f(caf::meta::type_name("tfarm.vault_account_data"), x.found, x.account, x.balances,
           x.reservations, x.ops, x.older_keys, x.write_seq);
}

/// The ledger seen two ways, for reconciliation.
struct ledger_totals {
  /// Sums of ledger entries per account and asset.
  std::vector<balance_row> ledger;
  /// The balances table.
  std::vector<balance_row> balances;
  /// Transactions whose legs do not sum to zero ("txn <id> <asset> <sum>").
  std::vector<std::string> unbalanced;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_totals& x) {
  return f(caf::meta::type_name("tfarm.ledger_totals"), x.ledger, x.balances, x.unbalanced);
}

} // namespace tfarm::persistence
