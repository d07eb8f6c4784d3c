#include "runtime/restart_backoff.hpp"

#include <algorithm>

namespace tfarm::runtime {

std::chrono::milliseconds restart_delay(const config::restart_backoff& policy, uint32_t attempt,
                                        double random_unit) noexcept {
  using std::chrono::milliseconds;
  auto min = policy.min.count();
  auto max = std::max(policy.max.count(), min);
  // Exponential growth, saturating well before overflow.
  int64_t delay = min;
  for (uint32_t i = 1; i < attempt && delay < max; ++i)
    delay = delay > max / 2 ? max : delay * 2;
  delay = std::min(delay, max);
  auto unit = std::clamp(random_unit, 0.0, 1.0);
  auto jitter = static_cast<double>(policy.jitter_ppm) / 1'000'000.0;
  auto cut = static_cast<int64_t>(static_cast<double>(delay) * jitter * unit);
  delay = std::max(delay - cut, min);
  return milliseconds{delay};
}

double jitter_source::next_unit() noexcept {
  state_ += 0x9E3779B97F4A7C15ull;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  // 53 random bits -> [0, 1).
  return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
}

} // namespace tfarm::runtime
