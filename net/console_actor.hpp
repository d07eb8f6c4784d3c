// The inspector: the actor a node publishes on its console port and
// registers as console_registry_name (so that other nodes can look it up
// over a connection they already have).
#pragma once

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "net/type_ids.hpp"

namespace tfarm::net {

/// Name of the inspector in each node's actor registry (remote_lookup).
constexpr caf::atom_value console_registry_name = caf::atom("tfconsole");

/// Runs one console command line; the reply says how it ended.
using console_actor = caf::typed_actor<caf::replies_to<console_request>::with<console_reply>>;

} // namespace tfarm::net
