// The persistence module's actor kinds and node wiring.
#pragma once

#include <caf/actor_system_config.hpp>

#include "config/farm_config.hpp"
#include "runtime/child_spec.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/node.hpp"
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

/// Adds /backup after /store when the farm's [backup] every is set.
void extend_tree(const config::farm_config& farm, runtime::child_spec& root);

/// A node on the farm's SQLite database: the built-in and persistence
/// kinds, the sqlite_store at /store, its messages, scheduled backups and
/// incidents written to the audit log. `preload` holds the checkpoints read
/// at start (prepare_database); it is complete.
runtime::node_options sqlite_node_options(config::farm_config farm,
                                          std::vector<runtime::checkpoint> preload);

} // namespace tfarm::persistence
