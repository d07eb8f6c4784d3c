// The store's typed interface: the runtime's checkpoint store plus the
// ledger, orders, fills and the audit log. Every write is answered only
// once it is durable (after its group commit).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "persistence/type_ids.hpp"
#include "runtime/interfaces.hpp"

namespace tfarm::runtime {
class node_context;
} // namespace tfarm::runtime

namespace tfarm::persistence {

using store_actor = runtime::checkpoint_store_actor::extend<
    // Appends a transaction; unbalanced legs are refused; a known key replays.
    caf::replies_to<append_ledger_atom, ledger_txn>::with<ledger_receipt>,
    // Records an order; true if new, false if its client order id was known.
    caf::replies_to<record_order_atom, order_record>::with<bool>,
    // A recorded order by client order id (unknown_order if none).
    caf::replies_to<load_order_atom, std::string>::with<order_record>,
    // Records an order's new fills, then its status (atomically); refused
    // fills are named in the result; an error if it was never recorded.
    caf::replies_to<update_order_atom, order_update>::with<order_update_result>,
    // An agent's fills, orders not final and open reservations (restart).
    caf::replies_to<load_agent_book_atom, agent_book_query>::with<agent_book>,
    // The active credential (sealed) of a venue and account.
    caf::replies_to<load_credential_atom, std::string, std::string>::with<credential_record>,
    // Records a fill of a recorded order; true if new, false if the same
    // fill was known (fill_conflict if it was known with other content).
    caf::replies_to<record_fill_atom, fill_record>::with<bool>,
    // Appends an audit record; replies with its id.
    caf::replies_to<append_audit_atom, audit_record>::with<uint64_t>,
    // Audit records since (ms since epoch), oldest first, at most `limit`.
    caf::replies_to<query_audit_atom, int64_t, uint32_t>::with<std::vector<audit_record>>,
    // Inserts (id 0) or updates an alert; replies with its id.
    caf::replies_to<save_alert_atom, alert_record>::with<uint64_t>,
    // Alerts not resolved (true) or the newest ones of any state (false),
    // newest first, at most `limit`.
    caf::replies_to<load_alerts_atom, bool, uint32_t>::with<std::vector<alert_record>>,
    // Records a vault account (idempotent; another user's id is refused).
    caf::replies_to<open_account_atom, account_record>::with<account_record>,
    // Writes one vault operation atomically; a known key replays.
    caf::replies_to<vault_write_atom, vault_write>::with<vault_write_result>,
    // An account's balances, open reservations and journal since (ms),
    // at most the given number of whole rows (store_core::load_vault_account).
    caf::replies_to<load_vault_account_atom, std::string, int64_t,
                    uint32_t>::with<vault_account_data>,
    // One reservation of an account by its id (none or one).
    caf::replies_to<load_reservation_atom, std::string,
                    std::string>::with<std::vector<reservation_record>>,
    // Every vault account.
    caf::replies_to<load_accounts_atom>::with<std::vector<account_record>>,
    // Ledger sums, balances table and unbalanced transactions.
    caf::replies_to<ledger_totals_atom>::with<ledger_totals>,
    // The trading invariants (trading_check.hpp), after every write before it.
    caf::replies_to<trading_check_atom>::with<std::vector<trading_finding>>,
    // Commits whatever is pending now (answers once it is durable).
    caf::replies_to<flush_atom>::with<bool>,
    // A cluster member's store: holds the user under this epoch from now
    // on (epoch > 0) or no longer (0); writes after it see it.
    caf::replies_to<set_fence_atom, write_fence>::with<bool>,
    // Where an account runs in a cluster (its user's owner and address).
    caf::replies_to<account_placement_atom, std::string>::with<account_placement>,
    // One journal row by its key (none or one).
    caf::replies_to<load_vault_op_atom, std::string>::with<std::vector<vault_op_record>>,
    // Every transfer whose debit waits for its credit (the vault's outbox).
    caf::replies_to<pending_transfers_atom>::with<std::vector<vault_op_record>>,
    // Sets a farm-wide switch (an empty state puts it back); true once
    // durable.
    caf::replies_to<put_switch_atom, farm_switch>::with<bool>,
    // The switches whose names start with the prefix.
    caf::replies_to<load_switches_atom, std::string>::with<std::vector<farm_switch>>,
    // Internal: the store's writer thread finished jobs.
    caf::reacts_to<writer_done_atom>>;

/// The store of `node` with this module's interface (an invalid handle
/// without a node or a store): what every actor that writes through the
/// store asks for.
store_actor store_of(const runtime::node_context* node);

} // namespace tfarm::persistence
