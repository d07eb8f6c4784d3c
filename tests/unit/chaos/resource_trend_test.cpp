// The soak's growth check: slopes per hour from samples, the longest life
// of a process judged after its warm-up by the slope of its second half,
// growth beyond the limits named, and a run too short to tell never judged.
#include "chaos/resource_trend.hpp"

#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

namespace tfarm::test {
namespace {

using chaos::resource_sampler;

constexpr int64_t minute_ms = 60'000;

TEST(resource_trend, the_slope_is_per_hour_and_zero_without_two_times) {
  EXPECT_EQ(chaos::slope_per_hour({{0, 100}, {30 * minute_ms, 600}, {60 * minute_ms, 1'100}}),
            1'000);
  EXPECT_EQ(chaos::slope_per_hour({{0, 100}, {60 * minute_ms, 100}}), 0);
  EXPECT_EQ(chaos::slope_per_hour({{5, 100}}), 0);
  EXPECT_EQ(chaos::slope_per_hour({{5, 100}, {5, 900}}), 0);
}

/// A life of `minutes` sampled every 5 s: RSS from `rss_kib` growing by
/// `kib_per_hour`, `fds` open throughout.
void life(resource_sampler& s, const std::string& process, pid_t pid, int64_t born_ms,
          int64_t minutes, int64_t rss_kib, int64_t kib_per_hour, int64_t fds) {
  for (int64_t t = 0; t <= minutes * minute_ms; t += chaos::resource_sample_every_ms)
    s.record(process, pid, born_ms + t, rss_kib + kib_per_hour * t / (60 * minute_ms), fds);
}

TEST(resource_trend, a_steady_process_is_bounded_and_a_leaking_one_is_named) {
  resource_sampler s;
  life(s, "node-1", 100, 0, 30, 200'000, 1'000, 40);
  life(s, "node-2", 200, 0, 30, 200'000, 64 * 1'024, 40);
  auto trends = s.trends();
  ASSERT_EQ(trends.size(), 2u);
  EXPECT_EQ(trends[0].process, "node-1");
  EXPECT_TRUE(trends[0].judged);
  EXPECT_EQ(trends[0].growth, "");
  EXPECT_NEAR(trends[0].rss_kib_per_hour, 1'000, 10);
  EXPECT_EQ(trends[0].span_ms, 29 * minute_ms) << "the first minute is warm-up";
  EXPECT_TRUE(trends[1].judged);
  EXPECT_NEAR(trends[1].rss_kib_per_hour, 64 * 1'024, 10);
  // 10 % of its size after the warm-up (~201,000 KiB) is above 16 MiB:
  // that is the limit.
  EXPECT_EQ(trends[1].growth.rfind("resident memory grows 6553", 0), 0u) << trends[1].growth;
  EXPECT_NE(trends[1].growth.find("KiB/h (at most 2010"), std::string::npos) << trends[1].growth;
}

TEST(resource_trend, a_cache_filling_to_its_bound_is_not_growth_and_a_late_leak_is) {
  // 30 MiB in the first 20 minutes (its caches filling), then flat for 40:
  // over the whole hour the slope is above the limit, over the last half 0.
  resource_sampler s;
  for (int64_t t = 0; t <= 60 * minute_ms; t += chaos::resource_sample_every_ms)
    s.record("node-3", 7, t,
             30'000 + std::min<int64_t>(t, 20 * minute_ms) * 30 * 1'024 / (20 * minute_ms), 20);
  // Flat for 30 minutes, then leaking 40 MiB an hour.
  for (int64_t t = 0; t <= 60 * minute_ms; t += chaos::resource_sample_every_ms)
    s.record("node-1", 8, t,
             30'000 + std::max<int64_t>(t - 30 * minute_ms, 0) * 40 * 1'024 / (60 * minute_ms), 20);
  auto trends = s.trends();
  ASSERT_EQ(trends.size(), 2u);
  EXPECT_EQ(trends[1].process, "node-3");
  EXPECT_GT(trends[1].rss_kib_per_hour_all, chaos::resource_rss_growth_kib_per_hour_max);
  EXPECT_NEAR(trends[1].rss_kib_per_hour, 0, 10);
  EXPECT_EQ(trends[1].growth, "");
  EXPECT_EQ(trends[0].process, "node-1");
  EXPECT_NEAR(trends[0].rss_kib_per_hour, 40 * 1'024, 400);
  EXPECT_EQ(trends[0].growth.rfind("resident memory grows ", 0), 0u) << trends[0].growth;
}

TEST(resource_trend, growing_file_descriptors_are_named) {
  resource_sampler s;
  for (int64_t t = 0; t <= 30 * minute_ms; t += chaos::resource_sample_every_ms)
    s.record("exchange", 7, t, 50'000, 20 + t / (3 * minute_ms));
  auto trends = s.trends();
  ASSERT_EQ(trends.size(), 1u);
  EXPECT_NEAR(trends[0].fds_per_hour, 20, 1);
  EXPECT_EQ(trends[0].growth.rfind("open files grow ", 0), 0u) << trends[0].growth;
  EXPECT_NE(trends[0].growth.find("/h (at most 8)"), std::string::npos) << trends[0].growth;
}

TEST(resource_trend, memory_growth_does_not_hide_growing_file_descriptors) {
  resource_sampler s;
  for (int64_t t = 0; t <= 30 * minute_ms; t += chaos::resource_sample_every_ms)
    s.record("node-1", 7, t, 50'000 + t / 100, 20 + t / (3 * minute_ms));
  auto trends = s.trends();
  ASSERT_EQ(trends.size(), 1u);
  EXPECT_EQ(trends[0].growth.rfind("resident memory grows ", 0), 0u) << trends[0].growth;
  EXPECT_NE(trends[0].growth.find("; open files grow "), std::string::npos) << trends[0].growth;
}

TEST(resource_trend, the_longest_life_is_judged_and_a_short_run_is_not) {
  resource_sampler s;
  // Killed after 10 minutes (leaking), restarted and steady for 25.
  life(s, "node-3", 300, 0, 10, 100'000, 500'000, 30);
  life(s, "node-3", 301, 10 * minute_ms, 25, 100'000, 0, 30);
  auto trends = s.trends();
  ASSERT_EQ(trends.size(), 1u);
  EXPECT_EQ(trends[0].pid, 301);
  EXPECT_TRUE(trends[0].judged);
  EXPECT_EQ(trends[0].growth, "");
  resource_sampler short_run;
  life(short_run, "node-1", 100, 0, 5, 100'000, 500'000, 30);
  auto t = short_run.trends();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].judged);
  EXPECT_EQ(t[0].growth, "") << "five minutes cannot tell growth from warming up";
}

TEST(resource_trend, this_process_can_be_sampled_and_a_gone_one_is_skipped) {
  resource_sampler s;
  s.sample("self", getpid(), 0);
  s.sample("gone", 0, 0);
  s.sample("self", getpid(), 2 * minute_ms);
  auto trends = s.trends();
  ASSERT_EQ(trends.size(), 1u);
  EXPECT_EQ(trends[0].process, "self");
  EXPECT_GT(trends[0].last_rss_kib, 0);
  EXPECT_GT(trends[0].last_fds, 0);
}

} // namespace
} // namespace tfarm::test
