// The network module's kinds and node wiring: the exchange role (offering
// venues to other nodes) and reaching remote venues.
#pragma once

#include <vector>

#include <caf/actor_system_config.hpp>

#include "config/farm_config.hpp"
#include "config/loader.hpp"
#include "runtime/child_spec.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/node.hpp"

namespace tfarm::net {

/// Adds "venue_directory" and "venue_connector" to `x`.
void add_kinds(runtime::kind_registry& x);

/// What `config check`, `run` and every cluster command check farm files
/// with: every kind a node of this program can run (runtime, persistence,
/// actors, net), each agent's parameters against its kind, and the
/// process environment's overrides.
config::check_options farm_check_options();

/// True if `farm` talks to other nodes (offers venues, uses remote ones) or
/// to console clients.
bool needs_middleman(const config::farm_config& farm);

/// Registers the console's messages and loads CAF's middleman with heartbeats and a connection
/// timeout turned on (both are off by default in CAF 0.17: a lost node would go unnoticed);
/// with `tls` set, CAF's openssl module too, so that every CAF port is mutual TLS. Check `tls`
/// first (check_tls): CAF aborts on a bad file.
void configure(caf::actor_system_config& cfg, const config::tls_settings& tls = {});

/// Adds /exchanges/directory ([exchange] listen) and /exchanges/remote
/// (remote venues) to the tree.
void extend_tree(const config::farm_config& farm, runtime::child_spec& root);

/// actors::sqlite_node_options plus the network: what `tfarm run` starts.
runtime::node_options sqlite_node_options(config::farm_config farm,
                                          std::vector<runtime::checkpoint> preload);

} // namespace tfarm::net
