// The agent domain's CAF type-ID block (after the exchange's): trading states,
// agent statuses, and their atoms.
#pragma once

#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "actors/agent/agent_messages.hpp"
#include "actors/exchange/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_agent, caf::id_block::tfarm_exchange::end)

CAF_ADD_TYPE_ID(tfarm_agent, (tfarm::actors::trading_state))
CAF_ADD_TYPE_ID(tfarm_agent, (tfarm::actors::trading_states))
CAF_ADD_TYPE_ID(tfarm_agent, (tfarm::actors::trading_state_change))
CAF_ADD_TYPE_ID(tfarm_agent, (tfarm::actors::risk_states))
CAF_ADD_TYPE_ID(tfarm_agent, (tfarm::actors::agent_status))
CAF_ADD_TYPE_ID(tfarm_agent, (std::vector<tfarm::actors::agent_status>))

CAF_ADD_ATOM(tfarm_agent, tfarm::actors, risk_subscribe_atom, "risksub")
CAF_ADD_ATOM(tfarm_agent, tfarm::actors, risk_states_atom, "riskstate")
CAF_ADD_ATOM(tfarm_agent, tfarm::actors, risk_refresh_atom, "riskrefr")
CAF_ADD_ATOM(tfarm_agent, tfarm::actors, agent_status_atom, "agentstat")
CAF_ADD_ATOM(tfarm_agent, tfarm::actors, agent_timer_atom, "agenttimer")
CAF_ADD_ATOM(tfarm_agent, tfarm::actors, agent_retire_atom, "agentretir")

CAF_END_TYPE_ID_BLOCK(tfarm_agent)
