// A token bucket: `rate_per_s` tokens a second, at most `burst` saved up.
//
// Integer arithmetic in micro-tokens, so that refills are exact and the
// bucket behaves the same on every run. Time is passed in (microseconds of
// any monotonic clock): tests drive it without sleeping. Not thread-safe:
// one owner (an exchange session).
#pragma once

#include <cstdint>

namespace tfarm::actors {

class token_bucket {
public:
  /// `rate_per_s` >= 1, `burst` >= 1; starts full at time `now_us`.
  token_bucket(int64_t rate_per_s, int64_t burst, int64_t now_us) noexcept;

  /// Takes one token if there is one.
  bool try_take(int64_t now_us) noexcept;

  /// Microseconds until a token is there (0 if one is there now).
  int64_t wait_us(int64_t now_us) noexcept;

  /// Whole tokens there now.
  int64_t available(int64_t now_us) noexcept;

  int64_t rate_per_s() const noexcept { return rate_per_s_; }
  int64_t burst() const noexcept { return burst_; }

private:
  static constexpr int64_t unit = 1'000'000;

  void refill(int64_t now_us) noexcept;

  int64_t rate_per_s_;
  int64_t burst_;
  /// Micro-tokens (one token = `unit`).
  int64_t level_;
  int64_t last_us_;
};

} // namespace tfarm::actors
