// Process CPU and memory from /proc: parsing fixed texts, the percentages,
// and a live sample of this process.
#include <gtest/gtest.h>

#include "runtime/process_stats.hpp"

namespace tfarm::runtime {
namespace {

TEST(process_stats, parses_cpu_ticks_even_with_odd_command_names) {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
  // cmajflt utime stime ...
  std::string stat = "4242 (tfarm (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0";
  EXPECT_EQ(parse_proc_stat_cpu(stat), 300u);
  EXPECT_FALSE(parse_proc_stat_cpu("no parenthesis here"));
  EXPECT_FALSE(parse_proc_stat_cpu("1 (x) S 1 2"));
  EXPECT_FALSE(parse_proc_stat_cpu("1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 5"));
}

TEST(process_stats, parses_the_start_time_field_and_the_boot_time) {
  // ... field 22 is the start time in clock ticks after boot.
  std::string stat = "7 (a) S 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 123456 1000 50";
  EXPECT_EQ(parse_proc_stat_field(stat, 22), 123456u);
  EXPECT_EQ(parse_proc_stat_field(stat, 3), std::nullopt); // "S" is not a number
  EXPECT_FALSE(parse_proc_stat_field(stat, 40));
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nbtime 1764892800\nprocesses 9\n"), 1764892800);
  EXPECT_FALSE(parse_boot_time("cpu 1 2 3\n"));
}

TEST(process_stats, parses_resident_and_total_memory) {
  EXPECT_EQ(parse_status_rss("Name:\ttfarm\nVmPeak:\t  9000 kB\nVmRSS:\t  2048 kB\n"),
            2048u * 1024);
  EXPECT_FALSE(parse_status_rss("Name:\ttfarm\n"));
  EXPECT_EQ(parse_meminfo_total("MemTotal:       24683640 kB\nMemFree: 1 kB\n"),
            24683640ull * 1024);
}

TEST(process_stats, percentages) {
  process_sample a{1'000, 0, 0, 0};
  process_sample b{1'100, 0, 0, 1'000'000'000}; // 100 ticks in 1 s
  EXPECT_EQ(cpu_pct(a, b, 100, 2), 50);         // one of two cores busy
  EXPECT_EQ(cpu_pct(a, b, 100, 1), 100);
  EXPECT_EQ(cpu_pct(b, a, 100, 2), 0); // time going backwards
  EXPECT_EQ(memory_pct(process_sample{0, 700, 1'000, 0}), 70);
  EXPECT_EQ(memory_pct(process_sample{0, 700, 0, 0}), 0);
}

TEST(process_stats, reads_this_process) {
  auto x = read_process_sample();
  ASSERT_TRUE(x);
  EXPECT_GT(x->rss_bytes, 0u);
  EXPECT_GT(x->total_bytes, x->rss_bytes);
  EXPECT_GE(memory_pct(*x), 0);
  EXPECT_LT(memory_pct(*x), 100);
  EXPECT_GT(x->open_fds, 2u); // at least stdin, stdout, stderr
  EXPECT_GT(x->start_time_ms, 1'700'000'000'000);
}

} // namespace
} // namespace tfarm::runtime
