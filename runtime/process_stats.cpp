#include "runtime/process_stats.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/clock.hpp"

namespace tfarm::runtime {

namespace {

std::optional<std::string> slurp(const char* path) {
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// "Key:   1234 kB" -> 1234 * 1024.
std::optional<uint64_t> kb_field(const std::string& text, const std::string& key) {
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size() + 1, key + ":") != 0)
      continue;
    std::istringstream fields{line.substr(key.size() + 1)};
    uint64_t kb = 0;
    std::string unit;
    if (!(fields >> kb))
      return std::nullopt;
    fields >> unit;
    return unit == "kB" ? kb * 1024 : kb;
  }
  return std::nullopt;
}

} // namespace

std::optional<uint64_t> parse_proc_stat_field(const std::string& stat, int field) {
  // Fields after the command (which ends at the last ')') start with the
  // state, field 3 of the whole line.
  auto close = stat.rfind(')');
  if (close == std::string::npos || field < 3)
    return std::nullopt;
  std::istringstream in{stat.substr(close + 1)};
  std::string x;
  for (int i = 3; i <= field; ++i)
    if (!(in >> x))
      return std::nullopt;
  try {
    size_t used = 0;
    auto n = std::stoull(x, &used);
    if (used != x.size())
      return std::nullopt;
    return n;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<uint64_t> parse_proc_stat_cpu(const std::string& stat) {
  auto utime = parse_proc_stat_field(stat, 14);
  auto stime = parse_proc_stat_field(stat, 15);
  if (!utime || !stime)
    return std::nullopt;
  return *utime + *stime;
}

std::optional<int64_t> parse_boot_time(const std::string& proc_stat) {
  std::istringstream in{proc_stat};
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, 6, "btime ") != 0)
      continue;
    try {
      return std::stoll(line.substr(6));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_status_rss(const std::string& status) {
  return kb_field(status, "VmRSS");
}

std::optional<uint64_t> parse_meminfo_total(const std::string& meminfo) {
  return kb_field(meminfo, "MemTotal");
}

std::optional<process_sample> read_process_sample(int pid) {
  auto proc = pid == 0 ? std::string{"/proc/self"} : "/proc/" + std::to_string(pid);
  auto stat = slurp((proc + "/stat").c_str());
  auto status = slurp((proc + "/status").c_str());
  auto meminfo = slurp("/proc/meminfo");
  if (!stat || !status || !meminfo)
    return std::nullopt;
  auto cpu = parse_proc_stat_cpu(*stat);
  auto rss = parse_status_rss(*status);
  auto total = parse_meminfo_total(*meminfo);
  if (!cpu || !rss || !total)
    return std::nullopt;
  process_sample x{*cpu, *rss, *total, steady_now_ns()};
  auto start = parse_proc_stat_field(*stat, 22);
  auto boot = slurp("/proc/stat");
  auto btime = boot ? parse_boot_time(*boot) : std::nullopt;
  auto ticks = sysconf(_SC_CLK_TCK);
  if (start && btime && ticks > 0)
    x.start_time_ms = *btime * 1'000 + static_cast<int64_t>(*start * 1'000 / ticks);
  std::error_code ec;
  for (std::filesystem::directory_iterator i{proc + "/fd", ec}, end; !ec && i != end;
       i.increment(ec))
    ++x.open_fds;
  return x;
}

int64_t cpu_pct(const process_sample& before, const process_sample& after, int64_t ticks_per_s,
                int64_t cores) {
  auto ns = after.at_ns - before.at_ns;
  if (ns <= 0 || ticks_per_s <= 0 || cores <= 0 || after.cpu_ticks < before.cpu_ticks)
    return 0;
  auto busy_ns = static_cast<double>(after.cpu_ticks - before.cpu_ticks) * 1e9 /
                 static_cast<double>(ticks_per_s);
  return static_cast<int64_t>(
      busy_ns * 100.0 / (static_cast<double>(ns) * static_cast<double>(cores)) + 0.5);
}

int64_t memory_pct(const process_sample& x) {
  if (x.total_bytes == 0)
    return 0;
  return static_cast<int64_t>(x.rss_bytes * 100 / x.total_bytes);
}

} // namespace tfarm::runtime
