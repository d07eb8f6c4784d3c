// The persistence module's actor kinds and node wiring.
#pragma once

#include <caf/actor_system_config.hpp>

#include "runtime/kind_registry.hpp"
#include "runtime/node_context.hpp"

namespace tfarm::persistence {

/// Adds "sqlite_store" and "backup_scheduler" to `x`.
void add_kinds(runtime::kind_registry& x);

/// Registers the persistence messages and error category with an actor
/// system configuration (call before creating the system).
void configure(caf::actor_system_config& cfg);

/// Routes the node's incidents (corrupt checkpoints, ...) into the audit log
/// of its store, when that store is a sqlite_store.
void audit_incidents(runtime::node_context& ctx);

} // namespace tfarm::persistence
