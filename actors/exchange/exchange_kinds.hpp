// The exchange domain's kinds, messages and error names, registered by whoever
// builds a node or an actor system with it.
#pragma once

#include <caf/fwd.hpp>

#include "runtime/fwd.hpp"

namespace tfarm::actors {

/// Adds "sim_venue" and "exchange_session" to `x`.
void add_exchange_kinds(runtime::kind_registry& x);

/// Registers the domains below it (vault first) and the exchange domain's messages and error names
/// with an actor system configuration (call before creating the system).
void configure_exchange(caf::actor_system_config& cfg);

} // namespace tfarm::actors
