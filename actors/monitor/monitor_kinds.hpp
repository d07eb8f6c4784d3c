// The monitor domain's kinds, messages and error names, registered by whoever
// builds a node or an actor system with it.
#pragma once

#include <caf/fwd.hpp>

#include "runtime/fwd.hpp"

namespace tfarm::actors {

/// Adds "farm_monitor" to `x`.
void add_monitor_kinds(runtime::kind_registry& x);

/// Registers the domains below it (agent first) and the monitor domain's messages and error names
/// with an actor system configuration (call before creating the system).
void configure_monitor(caf::actor_system_config& cfg);

} // namespace tfarm::actors
