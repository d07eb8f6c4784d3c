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
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/latency_histogram.hpp"

namespace tfarm::runtime {

using metric_labels = std::map<std::string, std::string>;

class counter_metric {
public:
  void add(int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
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

private:
  mutable std::mutex mtx_;
  latency_histogram hist_;
  int64_t sum_ = 0;
};

enum class metric_type : uint8_t { counter, gauge, summary };

class metric_registry {
public:
  /// Finds or creates; nullptr for an invalid name or label name, or a
  /// name already used with another type.
  counter_metric* counter(const std::string& name, const std::string& help,
                          const metric_labels& labels = {});
  gauge_metric* gauge(const std::string& name, const std::string& help,
                      const metric_labels& labels = {});
  summary_metric* summary(const std::string& name, const std::string& help,
                          const metric_labels& labels = {});

  /// The Prometheus text exposition format (version 0.0.4), families in
  /// name order, series in label order; summaries with quantiles 0.5,
  /// 0.95, 0.99 and _sum and _count.
  std::string render_prometheus() const;

  /// True for a valid metric (or, with `label`, label) name.
  static bool valid_name(const std::string& x, bool label = false);

private:
  struct family {
    metric_type type = metric_type::counter;
    std::string help;
    std::map<metric_labels, std::unique_ptr<counter_metric>> counters;
    std::map<metric_labels, std::unique_ptr<gauge_metric>> gauges;
    std::map<metric_labels, std::unique_ptr<summary_metric>> summaries;
  };

  family* family_for(const std::string& name, const std::string& help, metric_type type,
                     const metric_labels& labels);

  mutable std::mutex mtx_;
  std::map<std::string, family> families_;
};

} // namespace tfarm::runtime
