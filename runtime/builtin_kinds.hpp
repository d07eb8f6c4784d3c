// The actor kinds every node knows.
//
//  supervisor    supervises children by policy (supervisor.hpp)
//  memory_store  in-memory checkpoint store (memory_checkpoint_store.hpp)
//  monitor       samples the registry and logs a summary every interval
//  heartbeat     counts beats at an interval and checkpoints its count: the
//                demo agent until trading agents exist
//  stubborn      ignores exit requests, so only a kill stops it: a diagnostic
//                kind for testing bounded shutdown
#pragma once

#include "runtime/kind_registry.hpp"

namespace tfarm::runtime {

/// A registry holding all built-in kinds.
kind_registry builtin_kinds();

/// Adds the built-in kinds to `x`.
void add_builtin_kinds(kind_registry& x);

} // namespace tfarm::runtime
