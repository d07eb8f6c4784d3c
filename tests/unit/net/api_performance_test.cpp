// The API performance page's figures: per endpoint, totals since start and
// a window that a bad minute leaves again (the clock is the caller's).
#include <gtest/gtest.h>

#include "net/api_performance.hpp"

namespace tfarm::test {
namespace {

constexpr int64_t window_ms = 1'000;

class api_performance_test : public testing::Test {
protected:
  net::endpoint_performance of(const std::string& name, int64_t now_ms) {
    for (auto& e : perf_.report(now_ms))
      if (e.endpoint == name)
        return e;
    return {};
  }

  runtime::metric_registry metrics_;
  net::api_performance perf_{{"/a", "/b"}, metrics_, window_ms};
};

TEST_F(api_performance_test, rates_errors_and_quantiles_cover_the_recent_window) {
  for (int i = 0; i < 9; ++i)
    perf_.record(0, 200, 100, 100 + i);
  perf_.record(0, 503, 10'000, 200);
  auto a = of("/a", 500);
  EXPECT_EQ(a.requests, 10u);
  EXPECT_EQ(a.errors, 1u);
  EXPECT_EQ(a.window_requests, 10u);
  EXPECT_EQ(a.error_rate_bps, 1'000);
  EXPECT_NEAR(a.p50_us, 100, 13); // the histogram is within 12.5 %
  EXPECT_GE(a.p99_us, 9'000);
  EXPECT_EQ(a.max_us, 10'000);
  // 10 requests in the 400 ms since the first: 25 per second.
  EXPECT_EQ(a.rate_milli_per_s, 25'000);
  // One window later the slow error is still in the previous window...
  perf_.record(0, 200, 100, 1'150);
  EXPECT_EQ(of("/a", 1'150).window_requests, 11u);
  // ...two later it is gone; the totals stay.
  perf_.record(0, 200, 100, 2'150);
  auto later = of("/a", 2'150);
  EXPECT_EQ(later.window_requests, 2u);
  EXPECT_EQ(later.error_rate_bps, 0);
  EXPECT_EQ(later.max_us, 100);
  EXPECT_EQ(later.requests, 12u);
  EXPECT_EQ(later.errors, 1u);
  // An idle stretch empties the window.
  EXPECT_EQ(of("/a", 9'000).window_requests, 0u);
  EXPECT_EQ(of("/a", 9'000).rate_milli_per_s, 0);
}

TEST_F(api_performance_test, unknown_routes_share_one_endpoint_and_idle_ones_are_left_out) {
  perf_.record(-1, 404, 50, 0);
  perf_.record(7, 404, 50, 0);
  perf_.record(1, 401, 50, 0);
  auto report = perf_.report(10);
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[0].endpoint, "/b");
  EXPECT_EQ(report[0].refused, 1u);
  EXPECT_EQ(report[1].endpoint, "(unmatched)");
  EXPECT_EQ(report[1].requests, 2u);
  EXPECT_NE(metrics_.render_prometheus().find(
                "tfarm_http_endpoint_refused_total{endpoint=\"(unmatched)\"} 2"),
            std::string::npos);
}

} // namespace
} // namespace tfarm::test
