// The vault domain's kinds, messages and error names, registered by whoever
// builds a node or an actor system with it.
#pragma once

#include <caf/fwd.hpp>

#include "runtime/fwd.hpp"

namespace tfarm::actors {

/// Adds "vault_account" and "vault_gateway" to `x`.
void add_vault_kinds(runtime::kind_registry& x);

/// Registers the vault domain's messages and error names with an actor
/// system configuration (call before creating the system).
void configure_vault(caf::actor_system_config& cfg);

} // namespace tfarm::actors
