// Percentiles from the latency histogram stay within its stated error.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/latency_histogram.hpp"

using tfarm::runtime::latency_histogram;

TEST(latency_histogram, small_values_are_exact_and_empty_is_zero) {
  latency_histogram h;
  EXPECT_EQ(h.quantile(0.99), 0);
  for (int v : {1, 2, 3, 4, 5, 6, 7})
    h.record(v);
  EXPECT_EQ(h.quantile(0.0), 1);
  EXPECT_EQ(h.quantile(0.5), 4);
  EXPECT_EQ(h.quantile(1.0), 7);
  EXPECT_EQ(h.count(), 7u);
  h.record(-5); // clock skew must not break it
  EXPECT_EQ(h.quantile(0.0), 0);
}

TEST(latency_histogram, quantiles_are_within_one_eighth_of_the_truth) {
  std::mt19937_64 rng{42};
  std::lognormal_distribution<double> dist{6.0, 1.5};
  std::vector<int64_t> xs;
  latency_histogram h;
  for (int i = 0; i < 100'000; ++i) {
    auto x = static_cast<int64_t>(dist(rng));
    xs.push_back(x);
    h.record(x);
  }
  std::sort(xs.begin(), xs.end());
  for (double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    auto truth = xs[static_cast<size_t>(std::ceil(q * xs.size())) - 1];
    auto got = h.quantile(q);
    EXPECT_GE(got, truth) << q;
    EXPECT_LE(static_cast<double>(got), truth * 1.125 + 1) << q;
  }
  EXPECT_EQ(h.max(), xs.back());
  EXPECT_EQ(h.quantile(1.0), xs.back());
}
