#include "runtime/latency_histogram.hpp"

#include <cmath>
#include <limits>

namespace tfarm::runtime {

int latency_histogram::index_of(uint64_t value) noexcept {
  if (value < static_cast<uint64_t>(sub_buckets))
    return static_cast<int>(value);
  // Position of the highest bit, then the next sub_bits bits below it.
  auto high = 63 - __builtin_clzll(value);
  auto shift = high - sub_bits;
  auto sub = static_cast<int>((value >> shift) & (sub_buckets - 1));
  return (shift + 1) * sub_buckets + sub;
}

int64_t latency_histogram::upper_bound_of(int index) noexcept {
  if (index < sub_buckets)
    return index;
  auto shift = index / sub_buckets - 1;
  auto sub = static_cast<uint64_t>(index % sub_buckets);
  auto base = (static_cast<uint64_t>(sub_buckets) | sub) << shift;
  auto upper = base + ((uint64_t{1} << shift) - 1);
  if (upper > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(upper);
}

void latency_histogram::record(int64_t value) noexcept {
  if (value < 0)
    value = 0;
  ++counts_[static_cast<size_t>(index_of(static_cast<uint64_t>(value)))];
  ++count_;
  if (value > max_)
    max_ = value;
}

int64_t latency_histogram::quantile(double q) const noexcept {
  if (count_ == 0)
    return 0;
  if (q < 0)
    q = 0;
  if (q > 1)
    q = 1;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0)
    rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < buckets; ++i) {
    seen += counts_[static_cast<size_t>(i)];
    if (seen >= rank) {
      auto upper = upper_bound_of(i);
      return upper < max_ ? upper : max_;
    }
  }
  return max_;
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  for (size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

void latency_histogram::reset() noexcept {
  counts_.fill(0);
  count_ = 0;
  max_ = 0;
}

} // namespace tfarm::runtime
