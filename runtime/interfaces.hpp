// Typed actor interfaces of the runtime, so that a wrong message to a
// supervisor or a checkpoint store is a compile error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "runtime/type_ids.hpp"

namespace tfarm::runtime {

/// A supervisor. Besides this interface it reacts to down messages of its
/// children and to exit messages (an exit from anyone but a child means "stop
/// your children in reverse order, then stop").
using supervisor_actor = caf::typed_actor<
    // Adds and starts a dynamic child; replies with its handle, or with
    // duplicate_child, unknown_kind, too_many_children, shutting_down.
    caf::replies_to<start_child_atom, child_spec>::with<caf::actor>,
    // Stops a child (shutdown timeout, then kill) and removes it.
    caf::replies_to<stop_child_atom, std::string>::with<bool>,
    // Kills a child (its subtree with it: no shutdown phase) and removes
    // it: for one whose node may no longer act for it (a cluster member
    // that lost its lease), where a graceful stop only delays its next owner.
    caf::replies_to<stop_child_now_atom, std::string>::with<bool>,
    // Stops and starts a child again (from its last checkpoint).
    caf::replies_to<restart_child_atom, std::string>::with<caf::actor>,
    // Lists the children in start order.
    caf::replies_to<which_children_atom>::with<std::vector<child_info>>,
    // Replies true once every static child has started (nested supervisors
    // included), or with an error if the supervisor fails first.
    caf::replies_to<wait_started_atom>::with<bool>,
    // Looks its policy up again in the node context (after a policy
    // reload) and applies it from now on: strategy, intensity, backoff,
    // limits, children's restart types and shutdown timeouts. No child is
    // restarted for it. Replies true if anything changed.
    caf::replies_to<reload_policy_atom>::with<bool>,
    // Internal: backoff delays and shutdown timeouts (token identifies the wait).
    caf::reacts_to<supervisor_timer_atom, uint64_t>>;

/// Where actor checkpoints live: in memory here, in SQLite in persistence/.
using checkpoint_store_actor = caf::typed_actor<
    // Replies with the newest intact checkpoints of a path, newest first
    // (at most checkpoint_versions_kept; empty when there is none).
    caf::replies_to<load_checkpoint_atom, std::string>::with<std::vector<checkpoint>>,
    // Stores a checkpoint; replies with its durable sequence number.
    caf::replies_to<save_checkpoint_atom, checkpoint>::with<uint64_t>>;

} // namespace tfarm::runtime
