// The process's CPU and memory use, read from /proc, as the monitor's
// `cpu_pct` and `memory_pct` (the runbook's > 70 / 90 % and > 70 / 85 %).
//
// CPU % is over the interval between two samples, of all cores (100 % =
// every core busy); memory % is the resident set over the machine's total
// memory. Integers only. Parsing is separate from reading so that it is
// tested on fixed text. Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tfarm::runtime {

struct process_sample {
  /// utime + stime of the process, in clock ticks.
  uint64_t cpu_ticks = 0;
  /// Resident set, bytes.
  uint64_t rss_bytes = 0;
  /// The machine's memory, bytes.
  uint64_t total_bytes = 0;
  /// Monotonic time of the sample, nanoseconds.
  int64_t at_ns = 0;
  /// When the process started, milliseconds since the Unix epoch (0 if
  /// unknown), and the file descriptors it holds open.
  int64_t start_time_ms = 0;
  uint64_t open_fds = 0;
};

/// Field `field` (1-based, as proc(5) numbers them; 3 or more) of
/// /proc/<pid>/stat as an unsigned number.
std::optional<uint64_t> parse_proc_stat_field(const std::string& stat, int field);

/// utime + stime from the text of /proc/<pid>/stat (the command name may
/// hold spaces and parentheses).
std::optional<uint64_t> parse_proc_stat_cpu(const std::string& stat);

/// btime (the boot time, seconds since the Unix epoch) from the text of
/// /proc/stat.
std::optional<int64_t> parse_boot_time(const std::string& proc_stat);

/// VmRSS from the text of /proc/<pid>/status, bytes.
std::optional<uint64_t> parse_status_rss(const std::string& status);

/// MemTotal from the text of /proc/meminfo, bytes.
std::optional<uint64_t> parse_meminfo_total(const std::string& meminfo);

/// Reads the sample of process `pid` (0: this process); nullopt where /proc
/// is not there or the process is gone (or not ours to read).
std::optional<process_sample> read_process_sample(int pid = 0);

/// CPU use between two samples, percent of all cores (0 if no time passed).
int64_t cpu_pct(const process_sample& before, const process_sample& after, int64_t ticks_per_s,
                int64_t cores);

/// Resident memory, percent of the machine's.
int64_t memory_pct(const process_sample& x);

} // namespace tfarm::runtime
