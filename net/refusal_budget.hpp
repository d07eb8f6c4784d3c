// How many refusals (a wrong token, an oversize request) are written to the
// audit log: at most a number a minute, so that a peer guessing tokens
// cannot flood it; the rest are counted and said in the log when the next
// minute begins. Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <mutex>

namespace tfarm::net {

class refusal_budget {
public:
  explicit refusal_budget(int32_t per_minute) : per_minute_(per_minute) {
    // nop
  }

  /// True if the refusal at `now_ms` (a steady clock) may be audited. When
  /// a new minute begins, `skipped` gets how many of the last were not
  /// (else 0).
  bool take(int64_t now_ms, int64_t& skipped);

private:
  const int32_t per_minute_;
  std::mutex mtx_;
  int64_t window_ms_ = 0;
  int32_t in_window_ = 0;
  int64_t skipped_ = 0;
};

} // namespace tfarm::net
