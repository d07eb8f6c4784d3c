// The runtime's CAF type-ID block: every message type and atom the runtime
// sends. Compiled with CAF_ENABLE_TYPE_ID_CHECKS, so sending a type that is
// not listed here fails the build. Later modules start their own blocks at
// caf::id_block::tfarm_runtime::end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "runtime/actor_info.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/child_spec.hpp"
#include "runtime/crash_request.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tfarm_runtime, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(tfarm_runtime, (tfarm::runtime::child_spec))
CAF_ADD_TYPE_ID(tfarm_runtime, (tfarm::runtime::child_info))
CAF_ADD_TYPE_ID(tfarm_runtime, (std::vector<tfarm::runtime::child_info>))
CAF_ADD_TYPE_ID(tfarm_runtime, (tfarm::runtime::checkpoint))
CAF_ADD_TYPE_ID(tfarm_runtime, (std::vector<tfarm::runtime::checkpoint>))
CAF_ADD_TYPE_ID(tfarm_runtime, (tfarm::runtime::crash_request))
CAF_ADD_TYPE_ID(tfarm_runtime, (tfarm::runtime::actor_info))
CAF_ADD_TYPE_ID(tfarm_runtime, (std::vector<tfarm::runtime::actor_info>))
CAF_ADD_TYPE_ID(tfarm_runtime, (std::vector<std::string>))

// Atoms are at most 10 characters in CAF 0.17.
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, start_child_atom, "startchild")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, stop_child_atom, "stopchild")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, restart_child_atom, "rstchild")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, which_children_atom, "children")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, wait_started_atom, "waitstart")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, supervisor_timer_atom, "svtimer")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, load_checkpoint_atom, "loadcp")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, save_checkpoint_atom, "savecp")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, checkpoint_tick_atom, "cptick")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, status_tick_atom, "sttick")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, reload_policy_atom, "rldpolicy")
CAF_ADD_ATOM(tfarm_runtime, tfarm::runtime, stop_child_now_atom, "stopnow")

CAF_END_TYPE_ID_BLOCK(tfarm_runtime)
