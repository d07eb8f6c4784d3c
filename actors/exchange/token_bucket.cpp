#include "actors/exchange/token_bucket.hpp"

#include <algorithm>

namespace tfarm::actors {

token_bucket::token_bucket(int64_t rate_per_s, int64_t burst, int64_t now_us) noexcept
    : rate_per_s_(std::max<int64_t>(rate_per_s, 1)), burst_(std::max<int64_t>(burst, 1)),
      level_(burst_ * unit), last_us_(now_us) {
  // nop
}

void token_bucket::refill(int64_t now_us) noexcept {
  if (now_us <= last_us_)
    return;
  // rate tokens per 1e6 us = rate micro-tokens per us; cap the elapsed time
  // first so that the product cannot overflow after a long pause.
  auto elapsed = std::min<int64_t>(now_us - last_us_, burst_ * unit / rate_per_s_ + 1);
  level_ = std::min(level_ + elapsed * rate_per_s_, burst_ * unit);
  last_us_ = now_us;
}

bool token_bucket::try_take(int64_t now_us) noexcept {
  refill(now_us);
  if (level_ < unit)
    return false;
  level_ -= unit;
  return true;
}

int64_t token_bucket::wait_us(int64_t now_us) noexcept {
  refill(now_us);
  if (level_ >= unit)
    return 0;
  return (unit - level_ + rate_per_s_ - 1) / rate_per_s_;
}

int64_t token_bucket::available(int64_t now_us) noexcept {
  refill(now_us);
  return level_ / unit;
}

} // namespace tfarm::actors
