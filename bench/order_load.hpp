// The order loads of the session scenarios: resting buy orders over 50
// price levels (every one acknowledged as open, none fills), `in_flight`
// outstanding, sent to an exchange session or straight to a venue.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>

#include "bench/closed_loop.hpp"

namespace tfarm::runtime {
class node;
} // namespace tfarm::runtime

namespace tfarm::bench {

/// The running actor at `path` on `n` (throws if there is none).
caf::actor find_actor(runtime::node& n, const std::string& path);

/// `count` orders of `account` with client order ids `prefix`0, 1, ... to
/// `dest` from an actor of `n`'s system.
load_result order_load(runtime::node& n, const caf::actor& dest, const std::string& account,
                       const std::string& prefix, uint64_t count, uint64_t in_flight);

} // namespace tfarm::bench
