// The agent domain's kinds, messages and error names, registered by whoever
// builds a node or an actor system with it.
#pragma once

#include <caf/fwd.hpp>

#include "runtime/fwd.hpp"

namespace tfarm::actors {

/// Adds "risk_control" and "trading_agent" to `x`.
void add_agent_kinds(runtime::kind_registry& x);

/// Registers the domains below it (exchange first) and the agent domain's messages and error names
/// with an actor system configuration (call before creating the system).
void configure_agent(caf::actor_system_config& cfg);

} // namespace tfarm::actors
