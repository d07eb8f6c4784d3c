// The actors module's kinds and node wiring.
#pragma once

#include <caf/actor_system_config.hpp>

#include "config/farm_config.hpp"
#include "runtime/child_spec.hpp"
#include "runtime/kind_registry.hpp"

namespace tfarm::actors {

/// Adds "vault_account" and "vault_gateway" to `x`.
void add_kinds(runtime::kind_registry& x);

/// Registers the actors' messages and error categories with an actor
/// system configuration (call before creating the system).
void configure(caf::actor_system_config& cfg);

/// Fills the tree's /vault supervisor: "accounts" (one supervisor holding
/// an actor per account, started on demand) and "gateway" (after it, so
/// that it finds the accounts supervisor running).
void extend_tree(const config::farm_config& farm, runtime::child_spec& root);

} // namespace tfarm::actors
