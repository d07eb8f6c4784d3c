#include "net/refusal_budget.hpp"

namespace tfarm::net {

bool refusal_budget::take(int64_t now_ms, int64_t& skipped) {
  std::lock_guard<std::mutex> guard{mtx_};
  skipped = 0;
  if (now_ms - window_ms_ >= 60'000) {
    skipped = skipped_;
    window_ms_ = now_ms;
    in_window_ = 0;
    skipped_ = 0;
  }
  if (in_window_ < per_minute_) {
    ++in_window_;
    return true;
  }
  ++skipped_;
  return false;
}

} // namespace tfarm::net
