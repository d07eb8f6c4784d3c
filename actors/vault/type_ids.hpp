// The vault's CAF type-ID block (after persistence's): its messages and atoms.
#pragma once

#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "actors/vault/vault_messages.hpp"
#include "persistence/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_vault, caf::id_block::tfarm_persistence::end)

CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::vault_request))
CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::vault_reply))
CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::vault_mode_change))
CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::vault_status))
CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::venue_balance))
CAF_ADD_TYPE_ID(tfarm_vault, (std::vector<tfarm::actors::venue_balance>))
CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::reconcile_request))
CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::discrepancy))
CAF_ADD_TYPE_ID(tfarm_vault, (std::vector<tfarm::actors::discrepancy>))
CAF_ADD_TYPE_ID(tfarm_vault, (tfarm::actors::reconcile_report))

CAF_ADD_ATOM(tfarm_vault, tfarm::actors, transfer_credit_atom, "xfercredit")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, transfer_retry_atom, "xferretry")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, balances_atom, "balances")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, verify_atom, "verify")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, vault_fault_atom, "vaultfault")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, vault_status_atom, "vaultstat")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, resolve_retry_atom, "resolve")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, orphan_check_atom, "orphans")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, transfer_poll_atom, "xferpoll")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, mode_refresh_atom, "moderefr")
CAF_ADD_ATOM(tfarm_vault, tfarm::actors, reconcile_confirm_atom, "reconconf")

CAF_END_TYPE_ID_BLOCK(tfarm_vault)
