// Whether the cluster's processes grow without bound: resident memory and
// open file descriptors of each process (a member or the exchange node),
// sampled through a run, and their least-squares slopes per hour. A member
// restarted by a fault starts a new series (its pid changes); the longest
// series of each process is what is judged, after its first minute (start
// up is not growth), by its slope over the second half of that: a leak
// grows as fast then as before, while caches filling to their bounds
// (minutes of orders, the vault's newest operations) slow down and stop.
// The whole series' slope is reported beside it. Not thread-safe: the
// run's thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tfarm::chaos {

/// How often the run samples every process.
constexpr int64_t resource_sample_every_ms = 5'000;
/// Samples this early in a process's life are start-up, not growth.
constexpr int64_t resource_warmup_ms = 60'000;
/// A series shorter than this (after its warm-up) is not judged: a short
/// run cannot tell growth from noise.
constexpr int64_t resource_judged_span_ms = 20 * 60'000;
/// The most a judged process may grow per hour: resident memory, in KiB
/// and in percent of its size at the start of the series (whichever is
/// larger), and open file descriptors.
constexpr int64_t resource_rss_growth_kib_per_hour_max = 16 * 1'024;
constexpr int64_t resource_rss_growth_pct_per_hour_max = 10;
constexpr int64_t resource_fd_growth_per_hour_max = 8;

/// One process's longest series, summarised.
struct resource_trend {
  std::string process;
  pid_t pid = -1;
  /// Samples after the warm-up, and the time they span.
  int64_t samples = 0;
  int64_t span_ms = 0;
  int64_t first_rss_kib = 0;
  int64_t last_rss_kib = 0;
  /// Slopes over the second half of the span (judged) and over all of it.
  int64_t rss_kib_per_hour = 0;
  int64_t rss_kib_per_hour_all = 0;
  int64_t first_fds = 0;
  int64_t last_fds = 0;
  int64_t fds_per_hour = 0;
  int64_t fds_per_hour_all = 0;
  /// False when the series is too short to judge (span_ms under
  /// resource_judged_span_ms).
  bool judged = false;
  /// Why it is growing without bound ("" if not, or not judged).
  std::string growth;
};

class resource_sampler {
public:
  /// Samples `pid` as `process` at `at_ms` (ms since the run started); a
  /// process gone or not readable is skipped.
  void sample(const std::string& process, pid_t pid, int64_t at_ms);

  /// Adds a sample read elsewhere (what sample() does after reading /proc).
  void record(const std::string& process, pid_t pid, int64_t at_ms, int64_t rss_kib, int64_t fds);

  /// Every process's longest series, judged.
  std::vector<resource_trend> trends() const;

private:
  struct point {
    int64_t at_ms;
    int64_t rss_kib;
    int64_t fds;
  };
  struct series {
    int64_t born_ms = 0;
    std::vector<point> points;
  };
  /// By process name, then pid.
  std::map<std::string, std::map<pid_t, series>> series_;
};

/// The least-squares slope of (x ms, y) in y per hour (0 with fewer than
/// two distinct times).
int64_t slope_per_hour(const std::vector<std::pair<int64_t, int64_t>>& xy);

} // namespace tfarm::chaos
