// The actors module's CAF type-ID block, following the persistence one.
#pragma once

#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "actors/agent/agent_messages.hpp"
#include "actors/exchange/exchange_messages.hpp"
#include "actors/vault/vault_messages.hpp"
#include "persistence/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_actors, caf::id_block::tfarm_persistence::end)

CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::vault_request))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::vault_reply))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::vault_mode_change))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::vault_status))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::venue_balance))
CAF_ADD_TYPE_ID(tfarm_actors, (std::vector<tfarm::actors::venue_balance>))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::reconcile_request))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::discrepancy))
CAF_ADD_TYPE_ID(tfarm_actors, (std::vector<tfarm::actors::discrepancy>))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::reconcile_report))

CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::order_request))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::venue_fill))
CAF_ADD_TYPE_ID(tfarm_actors, (std::vector<tfarm::actors::venue_fill>))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::order_report))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::book_top))
CAF_ADD_TYPE_ID(tfarm_actors, (std::vector<tfarm::actors::book_top>))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::trade_tick))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::venue_faults))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::exchange_status))
CAF_ADD_TYPE_ID(tfarm_actors, (std::vector<tfarm::actors::exchange_status>))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::agent_restraint))

CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::trading_state))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::trading_states))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::trading_state_change))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::risk_states))
CAF_ADD_TYPE_ID(tfarm_actors, (tfarm::actors::agent_status))
CAF_ADD_TYPE_ID(tfarm_actors, (std::vector<tfarm::actors::agent_status>))

CAF_ADD_ATOM(tfarm_actors, tfarm::actors, transfer_credit_atom, "xfercredit")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, transfer_retry_atom, "xferretry")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, balances_atom, "balances")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, verify_atom, "verify")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, vault_fault_atom, "vaultfault")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, vault_status_atom, "vaultstat")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, resolve_retry_atom, "resolve")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, orphan_check_atom, "orphans")

CAF_ADD_ATOM(tfarm_actors, tfarm::actors, cancel_order_atom, "cancelord")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, order_status_atom, "ordstatus")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, order_update_atom, "ordupdate")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, venue_balances_atom, "vbalances")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, ping_atom, "ping")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, logon_atom, "logon")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, md_subscribe_atom, "mdsub")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, md_tick_atom, "mdtick")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, deliver_atom, "deliver")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, session_status_atom, "xstatus")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, session_test_atom, "xtest")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, session_recover_atom, "xrecover")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, session_timer_atom, "xtimer")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, lookup_venue_atom, "lookupvn")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, venue_window_atom, "vwindow")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, venue_epoch_atom, "vepoch")

CAF_ADD_ATOM(tfarm_actors, tfarm::actors, risk_subscribe_atom, "risksub")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, risk_states_atom, "riskstate")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, agent_status_atom, "agentstat")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, agent_timer_atom, "agenttimer")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, agent_retire_atom, "agentretir")

// monitor
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, monitoring_atom, "monitoring")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, alert_ack_atom, "alertack")
CAF_ADD_ATOM(tfarm_actors, tfarm::actors, incident_atom, "incident")

CAF_END_TYPE_ID_BLOCK(tfarm_actors)
