// The four domains assembled (tfarm::actors): every domain kind, every
// domain message, and the node's domain subtrees.
#pragma once

#include <caf/actor_system_config.hpp>

#include "config/farm_config.hpp"
#include "runtime/child_spec.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/node.hpp"

namespace tfarm::actors {

/// Adds every domain's kinds to `x` (vault, exchange, agent, monitor).
void add_kinds(runtime::kind_registry& x);

/// Registers every domain's messages and error categories with an actor
/// system configuration (call before creating the system).
void configure(caf::actor_system_config& cfg);

/// Adds the domains' subtrees before /user: /exchanges (venues, sessions),
/// /vault and /risk; makes /monitor the farm monitor. The /vault supervisor
/// holds "accounts" (one supervisor holding
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
