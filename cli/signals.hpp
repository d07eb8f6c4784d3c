// SIGINT/SIGTERM handling without async-signal-unsafe handlers: the signals
// are blocked in every thread (call block_stop_signals() before any thread
// starts, so the actor system's threads inherit the mask) and the main thread
// polls for them.
#pragma once

#include <chrono>

namespace tfarm::cli {

void block_stop_signals();

/// Waits up to `timeout` for SIGINT or SIGTERM; returns the signal number or 0.
int wait_stop_signal(std::chrono::milliseconds timeout);

} // namespace tfarm::cli
