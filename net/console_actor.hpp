// The inspector: the actor a node publishes on its console port and
// registers as console_registry_name (so that other nodes can look it up
// over a connection they already have).
#pragma once

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/exchange/exchange_interfaces.hpp"
#include "net/type_ids.hpp"

namespace tfarm::net {

/// Name of the inspector in each node's actor registry (remote_lookup).
constexpr caf::atom_value console_registry_name = caf::atom("tfconsole");

/// Runs one console command line; the reply says how it ended.
using console_actor = caf::typed_actor<caf::replies_to<console_request>::with<console_reply>>;

/// What an exchange node publishes on its listen port: the venue directory,
/// which also answers with the node's inspector (an error if its console is
/// off), so that a trading node reaches a peer's console over the
/// connection it already has.
using exchange_directory_actor =
    actors::venue_directory_actor::extend<caf::replies_to<console_lookup_atom>::with<caf::actor>>;

/// A trading node's venue connector: also the way to its peers' consoles,
/// by the peer's endpoint ("host:port" of its directory).
using venue_connector_actor = actors::venue_directory_actor::extend<
    caf::replies_to<console_lookup_atom, std::string>::with<caf::actor>,
    // Internal: the lookups waiting for an endpoint ran out of time.
    caf::reacts_to<connect_wait_atom, std::string, uint64_t>>;

} // namespace tfarm::net
