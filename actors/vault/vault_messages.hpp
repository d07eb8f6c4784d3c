// The vault's messages (type IDs in actors/vault/type_ids.hpp). Amounts are
// integer minor units of their asset; no floating point anywhere.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "persistence/vault_records.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::actors {

using persistence::balance_row;

enum class vault_op : uint8_t {
  /// Opens `account` for `user` (idempotent; no key needed).
  open,
  /// Credits `amount` of `asset` from outside the vault.
  deposit,
  /// Debits `amount` of `asset` to outside the vault.
  withdraw,
  /// Moves `amount` of `asset` to `to_account` (two-phase).
  transfer,
  /// Sets `amount` of `asset` aside as reservation `reservation`.
  reserve,
  /// Settles a fill against `reservation`: `amount` of `asset` leaves for
  /// `venue`, `credit_amount` of `credit_asset` arrives from it, and `fee`
  /// goes to the vault's fee account, taken from what leaves when
  /// `fee_asset` is `asset`, else from what arrives. What leaves comes out
  /// of the reservation, and out of available where the reservation no
  /// longer covers it (a fee above its allowance, a fill after the
  /// reservation was released): a fill that happened is always booked while
  /// the account can pay; a refusal for lack of funds is not final (the
  /// key stays unused, the settlement can be asked again).
  settle,
  /// Returns what is left of `reservation` to available; a reservation its
  /// fills settled entirely releases nothing, and that is a success.
  release,
  /// Reads the balance of `asset` (all assets when empty); no key needed.
  balance,
};

std::string to_string(vault_op x);

/// One operation on one account. Every operation but open and balance
/// carries an idempotency key: a replay returns the first result and
/// changes nothing. Keys are scoped to the account.
struct vault_request {
  vault_op op = vault_op::balance;
  std::string key;
  /// The user acting; must own `account`.
  std::string user;
  std::string account;
  std::string asset;
  int64_t amount = 0;
  /// transfer: the receiving account.
  std::string to_account;
  /// reserve, settle, release: the reservation's id (unique per account).
  std::string reservation;
  /// reserve: the order it is for (required); its settlements must fit it.
  persistence::reservation_terms terms;
  /// settle: what arrives, and the fee taken from it.
  std::string credit_asset;
  int64_t credit_amount = 0;
  int64_t fee = 0;
  /// settle: the fee's asset: `asset` or `credit_asset` (empty: the latter).
  std::string fee_asset;
  /// settle: the venue on the other side ("@venue:<name>" in the ledger).
  std::string venue;
  /// reserve: the record of the order it is for (at most one; its id the
  /// reservation's, its terms the reservation's), written in the
  /// reservation's transaction (persistence::vault_write::orders), so that
  /// the order may leave on the reply alone (vault_reply::order_recorded).
  std::vector<persistence::order_record> orders;
  /// release: the final status of the reservation's order when it never
  /// reached a venue (refused before it left, halted, cancelled unsent),
  /// written in the release's transaction (at most one; status rejected or
  /// cancelled).
  std::vector<persistence::order_update> order_updates;
  /// settle: the venue's fill it books (at most one, of the reservation's
  /// order, its figures those of the settlement), recorded in the
  /// settlement's transaction (persistence::vault_write::fills).
  std::vector<persistence::fill_record> fills;
  /// open: deposited together with opening the account (asset -> amount);
  /// nothing when the account exists already.
  std::map<std::string, int64_t> opening_balance;
  /// Set by the gateway while a vault mode (emergency, transfer freeze)
  /// stops this operation: the account answers a key it knows as it did
  /// (an acknowledged operation asked again stays acknowledged) and refuses
  /// a new one with error `closed_code` (a vault_errc) and this text,
  /// unrecorded: asked again once the mode is off, it runs.
  std::string closed;
  uint8_t closed_code = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_request& x) {
  return f(caf::meta::type_name("tfarm.vault_request"), x.op, x.key, x.user, x.account, x.asset,
           x.amount, x.to_account, x.reservation, x.terms, x.credit_asset, x.credit_amount, x.fee,
           x.fee_asset, x.venue, x.orders, x.order_updates, x.fills, x.opening_balance, x.closed,
           x.closed_code);
}

/// The answer to an operation that was applied (refusals are caf::error
/// values of category tfvault).
struct vault_reply {
  /// Ledger transaction written (0 for none, e.g. open or balance).
  uint64_t txn_id = 0;
  /// The account's balances after the operation: of `asset` (and, for a
  /// settle, also of `credit_asset`); all assets for balance without one.
  std::vector<balance_row> balances;
  /// True if this answers a replayed key.
  bool replayed = false;
  /// reserve: true if the write this answers recorded the order the
  /// request carried, now: the order may leave without being recorded
  /// again. False for a replay, for a later caller of the same key, and for
  /// an id recorded before (that order's venues must be asked first).
  bool order_recorded = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_reply& x) {
  return f(caf::meta::type_name("tfarm.vault_reply"), x.txn_id, x.balances, x.replayed,
           x.order_recorded);
}

/// A vault-wide mode switch (runbook "Vault Banking Emergency Procedures").
/// The vault's switches: emergency (withdrawals and transfers stop) and a
/// transfer freeze.
enum class vault_mode : uint8_t { emergency, transfers_frozen };

/// "emergency", "transfers_frozen" (the audit log's vault.<mode>.on/off).
std::string to_string(vault_mode x);

struct vault_mode_change {
  vault_mode mode = vault_mode::emergency;
  bool on = false;
  /// Who asks (for the audit log) and why.
  std::string user;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vault_mode_change& x) {
  return f(caf::meta::type_name("tfarm.vault_mode_change"), x.mode, x.on, x.user, x.reason);
}

/// Modes and metrics of the vault: the gateway's registry status and its
/// answer to vault_status_atom.
struct vault_status {
  bool emergency = false;
  bool transfers_frozen = false;
  /// Accounts the vault knows; those whose actor runs now.
  uint64_t accounts = 0;
  uint64_t running_accounts = 0;
  /// Operations answered (replays and balance reads excluded).
  uint64_t transactions = 0;
  /// Replayed keys answered with their first result.
  uint64_t replays = 0;
  uint64_t succeeded = 0;
  /// Credits made here of transfers another member of the cluster debited.
  uint64_t member_credits = 0;
  /// Refusals by reason name.
  std::map<std::string, uint64_t> rejections;
  /// Reconciliations waiting for their second look at the trading record.
  uint64_t reconciling = 0;
  /// Success rate in parts per million (1'000'000 when nothing happened).
  uint32_t success_ppm = 1'000'000;
  /// Latency from request to answer, microseconds.
  int64_t p50_us = 0;
  int64_t p95_us = 0;
  int64_t p99_us = 0;
  int64_t max_us = 0;
};

TFARM_STATUS_FIELDS(vault_status, "tfarm.vault_status", emergency, transfers_frozen, accounts,
                    running_accounts, transactions, replays, succeeded, member_credits, rejections,
                    reconciling, success_ppm, p50_us, p95_us, p99_us, max_us)

/// One asset of a vault account, minor units.
struct holding_status {
  int64_t available = 0;
  int64_t reserved = 0;
};

TFARM_STATUS_FIELDS(holding_status, "tfarm.holding_status", available, reserved)

/// A vault account actor's registry status.
struct vault_account_status {
  std::string user;
  /// Asset -> what the account holds of it.
  std::map<std::string, holding_status> holdings;
  uint64_t open_reservations = 0;
  uint64_t pending_transfers = 0;
  uint64_t writes_in_flight = 0;
  /// Idempotency keys whose results it holds (at most [vault]
  /// cached_operations).
  uint64_t remembered_keys = 0;
  /// Keys of the idempotency window it knows only by digest: a replay of
  /// one reads its result from the journal.
  uint64_t older_keys = 0;
  /// Reservations in memory: every open one and recently closed ones.
  uint64_t cached_reservations = 0;
};

TFARM_STATUS_FIELDS(vault_account_status, "tfarm.vault_account_status", user, holdings,
                    open_reservations, pending_transfers, writes_in_flight, remembered_keys,
                    older_keys, cached_reservations)

/// What a venue says an account holds (for reconciliation).
struct venue_balance {
  std::string venue;
  std::string account;
  std::string asset;
  /// Total held (available + reserved), minor units.
  int64_t amount = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, venue_balance& x) {
  return f(caf::meta::type_name("tfarm.venue_balance"), x.venue, x.account, x.asset, x.amount);
}

struct reconcile_request {
  /// Who asks and why (for the audit log).
  std::string user;
  std::string reason;
  /// Balances reported by venues; accounts a venue does not mention are not
  /// compared with it.
  std::vector<venue_balance> venue_balances;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reconcile_request& x) {
  return f(caf::meta::type_name("tfarm.reconcile_request"), x.user, x.reason, x.venue_balances);
}

/// One difference found by reconciliation.
struct discrepancy {
  /// "ledger_vs_balances", "actor_vs_ledger", "venue_vs_ledger",
  /// "unbalanced_transaction", "asset_total", "negative_balance", or a
  /// trading finding's kind ("fill_unsettled", "settlement_amount", ...,
  /// persistence/trading_check.hpp).
  std::string kind;
  std::string account;
  std::string asset;
  int64_t expected = 0;
  int64_t actual = 0;
  std::string detail;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, discrepancy& x) {
  return f(caf::meta::type_name("tfarm.discrepancy"), x.kind, x.account, x.asset, x.expected,
           x.actual, x.detail);
}

struct reconcile_report {
  bool clean = true;
  uint64_t accounts_checked = 0;
  /// Running account actors whose in-memory balances were compared.
  uint64_t actors_checked = 0;
  uint64_t venue_balances_checked = 0;
  std::vector<discrepancy> discrepancies;
  /// Trading work the node finishes by itself (fills its agents settle,
  /// reservations of final orders they release): not discrepancies.
  uint64_t trading_pending = 0;
  /// Id of the audit record written for it.
  uint64_t audit_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reconcile_report& x) {
  return f(caf::meta::type_name("tfarm.reconcile_report"), x.clean, x.accounts_checked,
           x.actors_checked, x.venue_balances_checked, x.discrepancies, x.trading_pending,
           x.audit_id);
}

} // namespace tfarm::actors
