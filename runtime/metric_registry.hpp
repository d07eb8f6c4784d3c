// Counters, gauges and summaries (p50/p95/p99) by name and labels, for
// every module to feed and for the Prometheus exposition to read.
//
// Thread-safe: metrics are found or created under the registry's lock
// (once per call site: keep the returned pointer); counters and gauges
// are relaxed atomics afterwards; a summary takes its own small lock per
// record. Metrics live as long as the registry.
//
// Names follow Prometheus (`[a-zA-Z_:][a-zA-Z0-9_:]*`, units last:
// `tfarm_orders_total`, `tfarm_store_commit_seconds`); a bad name or label
// name is a programmer error, refused with nullptr.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/latency_histogram.hpp"

namespace tfarm::runtime {

using metric_labels = std::map<std::string, std::string>;

class counter_metric {
public:
  void add(int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  /// Mirrors a total counted elsewhere (an actor's own counter, read from
  /// its description); a smaller value is a reset, as Prometheus reads it.
  void set_total(int64_t x) noexcept { value_.store(x, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

class gauge_metric {
public:
  void set(int64_t x) noexcept { value_.store(x, std::memory_order_relaxed); }
  void add(int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

/// Observations (e.g. latencies in microseconds) summarized by quantiles.
class summary_metric {
public:
  void observe(int64_t x);

  struct snapshot {
    uint64_t count = 0;
    int64_t sum = 0;
    int64_t p50 = 0;
    int64_t p95 = 0;
    int64_t p99 = 0;
  };
  snapshot read() const;

  /// What was observed since the previous call (for alerts on recent
  /// behaviour: the all-time quantiles would never recover from a bad
  /// minute). One reader: the monitor.
  snapshot take_window();

private:
  mutable std::mutex mtx_;
  latency_histogram hist_;
  latency_histogram window_;
  int64_t sum_ = 0;
  int64_t window_sum_ = 0;
};

enum class metric_type : uint8_t { counter, gauge, summary };

/// One line of the exposition: its family, the series ("name{labels}",
/// a summary's quantiles, _sum and _count each their own) and its value as
/// rendered (units scaled).
struct metric_point {
  std::string family;
  std::string series;
  std::string value;
};

/// Chooses families by name (empty: all).
using metric_filter = std::function<bool(const std::string& family)>;

class metric_registry {
public:
  /// Finds or creates; nullptr for an invalid name or label name, or a
  /// name already used with another type.
  /// `unit_divisor` as for summaries (CPU time kept in clock ticks or
  /// microseconds, shown in seconds).
  counter_metric* counter(const std::string& name, const std::string& help,
                          const metric_labels& labels = {}, int64_t unit_divisor = 1);
  /// `unit_divisor` as for summaries (a latency kept in microseconds,
  /// shown in seconds).
  gauge_metric* gauge(const std::string& name, const std::string& help,
                      const metric_labels& labels = {}, int64_t unit_divisor = 1);
  /// `unit_divisor` scales the exposition: observations in microseconds
  /// with a divisor of 1'000'000 are shown in seconds (Prometheus' base
  /// unit) while recording stays in integers.
  summary_metric* summary(const std::string& name, const std::string& help,
                          const metric_labels& labels = {}, int64_t unit_divisor = 1);

  /// Removes every series whose label `label` has a value not in `keep`
  /// (an agent that left), so that memory stays bounded by what exists;
  /// asking for the same labels again makes a new series. Pointers to
  /// removed series dangle: series with a retirable label (the monitor's
  /// per-agent and per-session ones) are looked up where they are set,
  /// never kept.
  void retire_series(const std::string& label, const std::set<std::string>& keep);

  /// The Prometheus text exposition format (version 0.0.4), families in
  /// name order, series in label order; summaries with quantiles 0.5,
  /// 0.95, 0.99 and _sum and _count.
  std::string render_prometheus(const metric_filter& include = {}) const;

  /// The points render_prometheus would write for the families `include`
  /// chooses, in the same order: for readers that want the values, not
  /// the text (the console's `metrics`).
  std::vector<metric_point> query(const metric_filter& include = {}) const;

  /// True for a valid metric (or, with `label`, label) name.
  static bool valid_name(const std::string& x, bool label = false);

private:
  struct family {
    metric_type type = metric_type::counter;
    std::string help;
    int64_t unit_divisor = 1;
    std::map<metric_labels, std::unique_ptr<counter_metric>> counters;
    std::map<metric_labels, std::unique_ptr<gauge_metric>> gauges;
    std::map<metric_labels, std::unique_ptr<summary_metric>> summaries;
  };

  /// Calls `header(name, family)` and then `point(series, value)` for
  /// every family `include` chooses, under the lock.
  template <class Header, class Point>
  void visit(const metric_filter& include, Header header, Point point) const;

  family* family_for(const std::string& name, const std::string& help, metric_type type,
                     const metric_labels& labels);

  mutable std::mutex mtx_;
  std::map<std::string, family> families_;
};

/// The HTTP server's metrics, found by the server (which feeds them) and
/// the monitor (which reads their recent window) alike.
struct http_metrics {
  counter_metric* requests = nullptr;
  /// Answers with a status of 500 or more.
  counter_metric* errors = nullptr;
  /// From the request's first byte to the answer written, microseconds
  /// (shown in seconds).
  summary_metric* latency = nullptr;

  static http_metrics in(metric_registry& x);
};

} // namespace tfarm::runtime
