#include "chaos/resource_trend.hpp"

#include <algorithm>

#include "runtime/process_stats.hpp"

namespace tfarm::chaos {

namespace {

constexpr double ms_per_hour = 3'600'000.0;

/// The samples of the second half of the time `xy` spans (x ascending).
std::vector<std::pair<int64_t, int64_t>>
second_half(const std::vector<std::pair<int64_t, int64_t>>& xy) {
  if (xy.empty())
    return {};
  auto middle = xy.front().first + (xy.back().first - xy.front().first) / 2;
  auto from = std::lower_bound(xy.begin(), xy.end(), middle,
                               [](const auto& p, int64_t x) { return p.first < x; });
  return {from, xy.end()};
}

} // namespace

int64_t slope_per_hour(const std::vector<std::pair<int64_t, int64_t>>& xy) {
  if (xy.size() < 2)
    return 0;
  double n = static_cast<double>(xy.size());
  double sx = 0, sy = 0;
  for (auto& [x, y] : xy) {
    sx += static_cast<double>(x);
    sy += static_cast<double>(y);
  }
  double mx = sx / n, my = sy / n, sxx = 0, sxy = 0;
  for (auto& [x, y] : xy) {
    sxx += (static_cast<double>(x) - mx) * (static_cast<double>(x) - mx);
    sxy += (static_cast<double>(x) - mx) * (static_cast<double>(y) - my);
  }
  if (sxx <= 0)
    return 0;
  return static_cast<int64_t>(sxy / sxx * ms_per_hour);
}

void resource_sampler::sample(const std::string& process, pid_t pid, int64_t at_ms) {
  if (pid <= 0)
    return;
  auto x = runtime::read_process_sample(static_cast<int>(pid));
  if (!x)
    return;
  record(process, pid, at_ms, static_cast<int64_t>(x->rss_bytes / 1'024),
         static_cast<int64_t>(x->open_fds));
}

void resource_sampler::record(const std::string& process, pid_t pid, int64_t at_ms, int64_t rss_kib,
                              int64_t fds) {
  auto [i, fresh] = series_[process].try_emplace(pid);
  if (fresh)
    i->second.born_ms = at_ms;
  i->second.points.push_back(point{at_ms, rss_kib, fds});
}

std::vector<resource_trend> resource_sampler::trends() const {
  std::vector<resource_trend> out;
  for (auto& [process, by_pid] : series_) {
    resource_trend best;
    best.process = process;
    for (auto& [pid, s] : by_pid) {
      std::vector<std::pair<int64_t, int64_t>> rss, fds;
      for (auto& p : s.points) {
        if (p.at_ms - s.born_ms < resource_warmup_ms)
          continue;
        rss.emplace_back(p.at_ms, p.rss_kib);
        fds.emplace_back(p.at_ms, p.fds);
      }
      if (rss.empty())
        continue;
      auto span = rss.back().first - rss.front().first;
      if (best.pid > 0 && span <= best.span_ms)
        continue;
      best.pid = pid;
      best.samples = static_cast<int64_t>(rss.size());
      best.span_ms = span;
      best.first_rss_kib = rss.front().second;
      best.last_rss_kib = rss.back().second;
      best.rss_kib_per_hour = slope_per_hour(second_half(rss));
      best.rss_kib_per_hour_all = slope_per_hour(rss);
      best.first_fds = fds.front().second;
      best.last_fds = fds.back().second;
      best.fds_per_hour = slope_per_hour(second_half(fds));
      best.fds_per_hour_all = slope_per_hour(fds);
    }
    best.judged = best.span_ms >= resource_judged_span_ms;
    if (best.judged) {
      auto rss_max = std::max(resource_rss_growth_kib_per_hour_max,
                              best.first_rss_kib * resource_rss_growth_pct_per_hour_max / 100);
      // Both are named when both grow: one must not hide the other.
      if (best.rss_kib_per_hour > rss_max)
        best.growth = "resident memory grows " + std::to_string(best.rss_kib_per_hour) +
                      " KiB/h (at most " + std::to_string(rss_max) + ")";
      if (best.fds_per_hour > resource_fd_growth_per_hour_max)
        best.growth += (best.growth.empty() ? "" : "; ") + std::string{"open files grow "} +
                       std::to_string(best.fds_per_hour) + "/h (at most " +
                       std::to_string(resource_fd_growth_per_hour_max) + ")";
    }
    if (best.pid > 0)
      out.push_back(std::move(best));
  }
  return out;
}

} // namespace tfarm::chaos
