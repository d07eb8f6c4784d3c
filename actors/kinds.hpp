// The actors module's kinds and node wiring.
#pragma once

#include <caf/actor_system_config.hpp>

#include "config/farm_config.hpp"
#include "runtime/child_spec.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/node.hpp"

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

/// Completes the agents under `users` (the /user supervisor's spec) with
/// what the farm implies: each trading agent's fee_bps (the larger taker
/// fee of its venue and its backup) unless it sets one.
void extend_agents(const config::farm_config& farm, runtime::child_spec& users);

/// Everything a node on a SQLite database needs: the built-in, persistence
/// and actors kinds, the sqlite_store at /store, their messages, the vault's
/// part of the tree, and incidents written to the audit log. `preload` holds
/// the checkpoints read at start (persistence::prepare_database).
runtime::node_options sqlite_node_options(config::farm_config farm,
                                          std::vector<runtime::checkpoint> preload);

} // namespace tfarm::actors
