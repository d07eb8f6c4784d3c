// The exchange domain's CAF type-ID block (after the vault's): orders, fills,
// market data, venue and session statuses, and their atoms.
#pragma once

#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "actors/exchange/exchange_messages.hpp"
#include "actors/vault/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_exchange, caf::id_block::tfarm_vault::end)

CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::order_request))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::venue_fill))
CAF_ADD_TYPE_ID(tfarm_exchange, (std::vector<tfarm::actors::venue_fill>))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::order_report))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::book_top))
CAF_ADD_TYPE_ID(tfarm_exchange, (std::vector<tfarm::actors::book_top>))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::trade_tick))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::venue_faults))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::exchange_status))
CAF_ADD_TYPE_ID(tfarm_exchange, (std::vector<tfarm::actors::exchange_status>))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::agent_restraint))
CAF_ADD_TYPE_ID(tfarm_exchange, (tfarm::actors::venue_statement))
CAF_ADD_TYPE_ID(tfarm_exchange, (std::vector<tfarm::actors::venue_statement>))

CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, cancel_order_atom, "cancelord")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, order_status_atom, "ordstatus")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, order_update_atom, "ordupdate")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, venue_balances_atom, "vbalances")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, ping_atom, "ping")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, logon_atom, "logon")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, md_subscribe_atom, "mdsub")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, md_tick_atom, "mdtick")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, deliver_atom, "deliver")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, session_status_atom, "xstatus")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, session_test_atom, "xtest")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, session_recover_atom, "xrecover")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, session_timer_atom, "xtimer")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, lookup_venue_atom, "lookupvn")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, venue_window_atom, "vwindow")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, venue_epoch_atom, "vepoch")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, logoff_atom, "logoff")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, logon_challenge_atom, "challenge")
CAF_ADD_ATOM(tfarm_exchange, tfarm::actors, venue_statement_atom, "vstatement")

CAF_END_TYPE_ID_BLOCK(tfarm_exchange)
