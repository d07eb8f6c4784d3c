// The monotonic clock as integers, for latencies and rate limits (never for
// timestamps that are stored or shown: those are runtime::unix_now_ms()).
#pragma once

#include <chrono>
#include <cstdint>

namespace tfarm::runtime {

/// Nanoseconds of std::chrono::steady_clock.
inline int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace tfarm::runtime
