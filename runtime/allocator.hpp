// The process's allocator (glibc malloc): how many arenas it may keep, and
// giving back to the system what it holds free.
//
// Under bursts of allocation on many threads glibc opens up to 8 arenas
// per core and keeps what is freed in each of them. A cluster member that
// rode out faults grew its resident memory by hundreds of MiB an hour
// while its live heap stayed under 8 MiB (docs/reliability.md, "The soak").
// A node therefore bounds the arenas when the process starts and trims
// them every allocator_trim_interval_ms. Thread-safe.
#pragma once

#include <cstdint>

namespace tfarm::runtime {

/// Arenas at most: one per core, at least 2 and at most 8 (glibc's own
/// default is 8 per core).
constexpr int allocator_arenas_min = 2;
constexpr int allocator_arenas_max = 8;

/// How often a running node gives the allocator's free memory back.
constexpr int64_t allocator_trim_interval_ms = 30'000;

/// Bounds glibc's arenas (see above), unless the operator set
/// MALLOC_ARENA_MAX, which glibc applies itself. Call before any thread
/// starts. Returns the bound set (0 if the environment's was kept).
int bound_allocator_arenas();

/// Returns the free memory of every arena to the system (malloc_trim).
/// Takes a few milliseconds per arena: call it off the actors' threads.
void trim_allocator();

} // namespace tfarm::runtime
