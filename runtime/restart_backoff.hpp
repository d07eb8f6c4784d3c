// Restart delays and restart intensity, as pure functions of their inputs so
// that their bounds can be tested exhaustively.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "config/supervision_policy.hpp"

namespace tfarm::runtime {

/// Delay before the `attempt`-th restart (1-based) of a child within the
/// intensity period: min * 2^(attempt-1) capped at max, then shortened by
/// `jitter * random_unit` of itself, never below min. `random_unit` is in
/// [0, 1) (callers pass a uniform draw). Always within [min, max].
std::chrono::milliseconds restart_delay(const config::restart_backoff& policy, uint32_t attempt,
                                        double random_unit) noexcept;

/// splitmix64: a tiny, seedable generator for jitter (determinism matters
/// more here than statistical quality).
class jitter_source {
public:
  explicit jitter_source(uint64_t seed) noexcept : state_(seed) {}

  /// Uniform in [0, 1).
  double next_unit() noexcept;

private:
  uint64_t state_;
};

/// Timestamps of recent restarts within a sliding window (OTP's MaxR/MaxT).
/// Not thread-safe: owned by one supervisor.
template <class TimePoint>
class restart_window {
public:
  using duration = typename TimePoint::duration;

  /// Records a restart at `now`; returns how many restarts, this one
  /// included, fall within the last `period`.
  std::size_t record(TimePoint now, duration period) {
    times_.push_back(now);
    auto first_recent = std::find_if(times_.begin(), times_.end(),
                                     [&](const TimePoint& t) { return now - t < period; });
    times_.erase(times_.begin(), first_recent);
    return times_.size();
  }

  /// How many recorded restarts fall within the last `period` (nothing
  /// recorded).
  std::size_t count(TimePoint now, duration period) const {
    return static_cast<std::size_t>(std::count_if(
        times_.begin(), times_.end(), [&](const TimePoint& t) { return now - t < period; }));
  }

  std::size_t size() const noexcept { return times_.size(); }

private:
  // A vector, not a deque: a window exists per child, often empty, and an
  // empty std::deque still allocates its first block.
  std::vector<TimePoint> times_;
};

} // namespace tfarm::runtime
