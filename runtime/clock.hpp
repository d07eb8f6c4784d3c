// Time as integers: the system's clocks, and the node clock actors read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tfarm::runtime {

/// Wall-clock milliseconds since the Unix epoch: timestamps that are
/// stored or shown.
inline int64_t unix_now_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Wall-clock microseconds since the Unix epoch: a stamp that latency
/// across actors (and processes on one machine) is measured from.
inline int64_t unix_now_us() noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Nanoseconds of std::chrono::steady_clock: latencies and rate limits.
inline int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The clocks a node's actors read (node_context::clock(), through
/// managed_actor::node_clock()): the system's, shifted forward by what a test
/// advanced it. Idempotency windows, staleness, pacing and timestamps all
/// follow it, so a test moves time past a window instead of sleeping
/// through it. CAF's timers (delayed_send) still run on real time.
/// Thread-safe; the shift only grows, so both clocks stay monotonic.
class clock {
public:
  int64_t unix_ms() const noexcept { return unix_now_ms() + shift_ns() / 1'000'000; }
  int64_t unix_us() const noexcept { return unix_now_us() + shift_ns() / 1'000; }
  int64_t steady_ns() const noexcept { return steady_now_ns() + shift_ns(); }

  /// Moves both clocks forward by `d` (a negative `d` is ignored: time
  /// never goes back).
  void advance(std::chrono::nanoseconds d) noexcept {
    if (d.count() > 0)
      shift_ns_.fetch_add(d.count(), std::memory_order_relaxed);
  }

  /// The system's clocks, unshifted: for code that runs outside a node.
  static const clock& system() noexcept {
    static const clock instance;
    return instance;
  }

private:
  int64_t shift_ns() const noexcept { return shift_ns_.load(std::memory_order_relaxed); }

  std::atomic<int64_t> shift_ns_{0};
};

} // namespace tfarm::runtime
