// A latency histogram with bounded relative error, for percentiles of
// request latencies (p50/p95/p99) without keeping samples.
//
// Buckets: values below 2^sub_bits are exact; above, each power of two is
// split into 2^sub_bits buckets, so a percentile is within 1/2^sub_bits
// (12.5 %) of the true value. Fixed memory (a few KiB), O(1) record.
// Not thread-safe: one owner records and reads (an actor's member).
#pragma once

#include <array>
#include <cstdint>

namespace tfarm::runtime {

class latency_histogram {
public:
  static constexpr int sub_bits = 3;
  static constexpr int sub_buckets = 1 << sub_bits;
  static constexpr int buckets = 64 * sub_buckets;

  /// Records one value (negative values count as 0).
  void record(int64_t value) noexcept;

  uint64_t count() const noexcept { return count_; }
  int64_t max() const noexcept { return max_; }

  /// The value at quantile `q` in [0, 1] (an upper bound of its bucket,
  /// clamped to the largest value seen); 0 when empty.
  int64_t quantile(double q) const noexcept;

  void reset() noexcept;

  /// Adds every value `other` recorded.
  void merge(const latency_histogram& other) noexcept;

private:
  static int index_of(uint64_t value) noexcept;
  static int64_t upper_bound_of(int index) noexcept;

  std::array<uint64_t, buckets> counts_{};
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

} // namespace tfarm::runtime
