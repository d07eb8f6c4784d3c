// A closed-loop load: `count` requests, `in_flight` outstanding at any time
// (each answer sends the next), with every request's latency, as many
// clients of a service would load it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace tfarm::bench {

struct load_result {
  double seconds = 0;
  uint64_t ok = 0;
  uint64_t failed = 0;
  std::vector<double> latencies_us;
};

/// Sends request `i` from `self`; calls `done(ok)` once it is answered.
using issue_fn =
    std::function<void(caf::event_based_actor* self, uint64_t i, std::function<void(bool)> done)>;

/// Runs the load from an actor of `sys`; returns when every request is
/// answered.
load_result closed_loop(caf::actor_system& sys, uint64_t count, uint64_t in_flight, issue_fn issue);

} // namespace tfarm::bench
