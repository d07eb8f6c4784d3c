// The session's rate limiter and backoff, driven by explicit time.
#include <gtest/gtest.h>

#include "actors/exchange/token_bucket.hpp"
#include "config/farm_config.hpp"
#include "runtime/restart_backoff.hpp"

namespace tfarm::actors {
namespace {

TEST(token_bucket, a_full_bucket_allows_its_burst_at_once_then_nothing) {
  token_bucket b{10, 3, 0};
  EXPECT_EQ(b.available(0), 3);
  EXPECT_TRUE(b.try_take(0));
  EXPECT_TRUE(b.try_take(0));
  EXPECT_TRUE(b.try_take(0));
  EXPECT_FALSE(b.try_take(0));
  EXPECT_EQ(b.available(0), 0);
}

TEST(token_bucket, refills_at_its_rate_exactly) {
  token_bucket b{10, 3, 0};
  for (int k = 0; k < 3; ++k)
    ASSERT_TRUE(b.try_take(0));
  // 10/s: one token per 100 ms.
  EXPECT_EQ(b.wait_us(0), 100'000);
  EXPECT_FALSE(b.try_take(99'999));
  EXPECT_EQ(b.wait_us(99'999), 1);
  EXPECT_TRUE(b.try_take(100'000));
  EXPECT_FALSE(b.try_take(100'000));
  // 1,000 tokens in 100 s of 10/s: 1,000 takes, not one more.
  int taken = 0;
  for (int64_t t = 100'000; t <= 100'100'000; t += 50'000)
    while (b.try_take(t))
      ++taken;
  EXPECT_EQ(taken, 1'000);
}

TEST(token_bucket, never_saves_more_than_its_burst_even_after_a_long_pause) {
  token_bucket b{1'000'000, 5, 0};
  ASSERT_TRUE(b.try_take(0));
  // A day later (and near the top of the clock): still only 5 at once.
  EXPECT_EQ(b.available(86'400'000'000LL), 5);
  EXPECT_EQ(b.available(INT64_MAX / 2), 5);
  for (int k = 0; k < 5; ++k)
    EXPECT_TRUE(b.try_take(INT64_MAX / 2));
  EXPECT_FALSE(b.try_take(INT64_MAX / 2));
}

TEST(token_bucket, time_going_backwards_adds_nothing) {
  token_bucket b{10, 1, 1'000'000};
  ASSERT_TRUE(b.try_take(1'000'000));
  EXPECT_FALSE(b.try_take(0));
  EXPECT_EQ(b.available(500'000), 0);
}

TEST(session_backoff, delays_double_from_min_stay_within_bounds_and_jitter_shortens_only) {
  // The exchange defaults: 10 ms up to 2 s, 20 % jitter.
  config::exchange_settings ex;
  config::restart_backoff p;
  p.min = ex.backoff_min;
  p.max = ex.backoff_max;
  p.jitter_ppm = 200'000;
  runtime::jitter_source rng{42};
  for (uint32_t attempt = 1; attempt <= 40; ++attempt) {
    for (int k = 0; k < 50; ++k) {
      auto d = runtime::restart_delay(p, attempt, rng.next_unit());
      ASSERT_GE(d, p.min) << "attempt " << attempt;
      ASSERT_LE(d, p.max) << "attempt " << attempt;
    }
  }
  p.jitter_ppm = 0;
  EXPECT_EQ(runtime::restart_delay(p, 1, 0.5).count(), 10);
  EXPECT_EQ(runtime::restart_delay(p, 2, 0.5).count(), 20);
  EXPECT_EQ(runtime::restart_delay(p, 5, 0.5).count(), 160);
  EXPECT_EQ(runtime::restart_delay(p, 20, 0.5).count(), 2'000);
}

} // namespace
} // namespace tfarm::actors
