#include "runtime/restart_backoff.hpp"

#include <chrono>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using namespace tfarm;
using namespace tfarm::runtime;

TEST(restart_delay, grows_exponentially_up_to_max) {
  config::restart_backoff b{10ms, 100ms, 0};
  EXPECT_EQ(restart_delay(b, 1, 0.0), 10ms);
  EXPECT_EQ(restart_delay(b, 2, 0.0), 20ms);
  EXPECT_EQ(restart_delay(b, 3, 0.0), 40ms);
  EXPECT_EQ(restart_delay(b, 4, 0.0), 80ms);
  EXPECT_EQ(restart_delay(b, 5, 0.0), 100ms);
  EXPECT_EQ(restart_delay(b, 1'000'000, 0.0), 100ms);
}

TEST(restart_delay, stays_within_min_and_max_for_any_input) {
  jitter_source rng{7};
  for (auto jitter : {0u, 250'000u, 1'000'000u}) {
    for (auto min : {0ms, 1ms, 10ms, 999ms}) {
      config::restart_backoff b{min, 1000ms, jitter};
      for (uint32_t attempt = 0; attempt < 70; ++attempt) {
        for (auto unit : {0.0, 0.5, 0.999999, rng.next_unit(), 1.0, -3.0, 42.0}) {
          auto d = restart_delay(b, attempt, unit);
          EXPECT_GE(d, min);
          EXPECT_LE(d, 1000ms);
        }
      }
    }
  }
}

TEST(restart_delay, jitter_shortens_by_at_most_its_fraction) {
  config::restart_backoff b{100ms, 10'000ms, 200'000}; // 20 %
  EXPECT_EQ(restart_delay(b, 4, 0.0), 800ms);
  EXPECT_EQ(restart_delay(b, 4, 0.5), 720ms);
  EXPECT_GE(restart_delay(b, 4, 0.9999), 640ms);
}

TEST(restart_delay, zero_min_means_no_delay) {
  config::restart_backoff b{0ms, 5s, 500'000};
  EXPECT_EQ(restart_delay(b, 10, 0.3), 0ms);
}

TEST(restart_delay, min_greater_than_max_is_clamped_not_trusted) {
  config::restart_backoff b{300ms, 100ms, 0};
  EXPECT_EQ(restart_delay(b, 3, 0.0), 300ms);
}

TEST(jitter_source, is_deterministic_per_seed_and_uniform_enough) {
  jitter_source a{1};
  jitter_source b{1};
  jitter_source c{2};
  double sum = 0;
  bool differs = false;
  for (int i = 0; i < 10'000; ++i) {
    auto x = a.next_unit();
    EXPECT_EQ(x, b.next_unit());
    differs = differs || x != c.next_unit();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
    sum += x;
  }
  EXPECT_TRUE(differs);
  EXPECT_NEAR(sum / 10'000, 0.5, 0.02);
}

TEST(restart_window, counts_restarts_within_the_period_only) {
  using tp = std::chrono::steady_clock::time_point;
  restart_window<tp> w;
  tp t0{};
  EXPECT_EQ(w.record(t0, 5s), 1u);
  EXPECT_EQ(w.record(t0 + 1s, 5s), 2u);
  EXPECT_EQ(w.record(t0 + 4999ms, 5s), 3u);
  EXPECT_EQ(w.record(t0 + 5s, 5s), 3u); // t0 fell out
  EXPECT_EQ(w.record(t0 + 20s, 5s), 1u);
}
