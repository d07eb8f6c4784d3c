// Typed interfaces of trading agents and of the risk control that holds
// the kill switch.
#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/agent/type_ids.hpp"
#include "actors/exchange/exchange_interfaces.hpp"

namespace tfarm::actors {

/// Where a node keeps its risk control (the sessions' agent restrainer).
inline const char* risk_control_path = agent_restrainer_path;

/// The kill switch: trading states per farm, user and agent, durable
/// (checkpointed before a change is acknowledged) and audited. Agents
/// subscribe when they start and get every change that concerns them.
/// It is the exchange sessions' agent restrainer: an agent_restraint sets
/// the agent REDUCING unless it is halted already.
using risk_control_actor = agent_restrainer_actor::extend<
    // Sets a state; answered once it is durable, with every state.
    caf::replies_to<trading_state_change>::with<risk_states>,
    // An agent (path, user, handle) subscribes; answered with its states,
    // later changes arrive as trading_states messages.
    caf::replies_to<risk_subscribe_atom, std::string, std::string,
                    caf::actor>::with<trading_states>,
    caf::replies_to<risk_states_atom>::with<risk_states>,
    // Internal (shared): read the cluster's states again.
    caf::reacts_to<risk_refresh_atom>>;

/// A trading agent: market data and order updates from its session,
/// trading states from the risk control, and its status on request.
using trading_agent_actor =
    caf::typed_actor<caf::reacts_to<book_top>, caf::reacts_to<trade_tick>,
                     caf::reacts_to<order_update_atom, order_report>,
                     caf::reacts_to<trading_states>,
                     caf::replies_to<agent_status_atom>::with<agent_status>,
                     // An operator's stop: no new orders; once every order is
                     // finished (cancelled, settled, released) the agent asks
                     // its supervisor to remove it. Durable: a restart goes on
                     // retiring. Answered at once with its status.
                     caf::replies_to<agent_retire_atom>::with<agent_status>,
                     // Internal: the agent's clock (strategy timer, polls, retries).
                     caf::reacts_to<agent_timer_atom, uint64_t>>;

} // namespace tfarm::actors
