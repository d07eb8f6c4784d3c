// Typed interfaces of the vault: the gateway every client talks to, and the
// account actors behind it.
#pragma once

#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/vault/type_ids.hpp"

namespace tfarm::actors {

/// One account. Only the gateway sends to it.
using vault_account_actor = caf::typed_actor<
    // An operation on this account (the gateway checked modes and existence).
    caf::replies_to<vault_request>::with<vault_reply>,
    // Second phase of a transfer: credit this account (key scoped already).
    caf::replies_to<transfer_credit_atom, vault_request>::with<vault_reply>,
    // Every holding of the account.
    caf::replies_to<balances_atom>::with<std::vector<balance_row>>,
    // Compares the account's memory with the store's balances.
    caf::replies_to<verify_atom>::with<std::vector<discrepancy>>,
    // Fault injection for tests and the console: fail at the next `phase`
    // of a transfer ("after_debit", "before_post", "after_credit"), or
    // refuse the next credit ("refuse_credit").
    caf::reacts_to<vault_fault_atom, std::string>,
    // Internal: retry the credit phase of a pending transfer.
    caf::reacts_to<transfer_retry_atom, std::string>>;

/// The vault: routes operations to accounts (starting them on demand),
/// enforces the vault-wide modes, reconciles, and keeps the metrics.
using vault_actor =
    caf::typed_actor<caf::replies_to<vault_request>::with<vault_reply>,
                     // From an account: the credit phase of its transfer (modes do not apply:
                     // a transfer that passed them is completed).
                     caf::replies_to<transfer_credit_atom, vault_request>::with<vault_reply>,
                     // Switches a mode; replies once the change is durable and audited.
                     caf::replies_to<vault_mode_change>::with<vault_status>,
                     caf::replies_to<vault_status_atom>::with<vault_status>,
                     caf::replies_to<reconcile_request>::with<reconcile_report>,
                     // Internal: look for an account that was restarting again.
                     caf::reacts_to<resolve_retry_atom, std::string>,
                     // Internal: give up on requests a failed account had taken.
                     caf::reacts_to<orphan_check_atom, std::string>,
                     // Internal (cluster members): look for transfers to credit.
                     caf::reacts_to<transfer_poll_atom>, caf::reacts_to<mode_refresh_atom>,
                     // Internal: the second look of a reconciliation's trading check.
                     caf::reacts_to<reconcile_confirm_atom, uint64_t>>;

} // namespace tfarm::actors
