// Per-endpoint figures of the HTTP API: what `/admin/api-performance` shows
// (the runbook's API performance page) and what /metrics exposes per
// endpoint.
//
// Endpoints are fixed at construction (the API's route table, plus one for
// requests no route matched), so the labels Prometheus sees stay bounded
// whatever paths clients send. Each endpoint keeps totals since start (the
// Prometheus series `tfarm_http_endpoint_requests_total`,
// `..._errors_total`, `..._refused_total`, `tfarm_http_endpoint_request_seconds`)
// and a recent window for rates and quantiles: the current and the previous
// `window_ms`, so the page covers the last one to two windows and a bad
// minute leaves it again.
//
// Thread-safe: record() runs on the HTTP server's threads (a small lock per
// endpoint), report() on any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/latency_histogram.hpp"
#include "runtime/metric_registry.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::net {

/// The span of one window of the API performance page, milliseconds.
constexpr int64_t api_performance_window_ms = 60'000;

/// One endpoint on the API performance page. Rates and quantiles cover
/// `window_ms` (the last one to two windows).
struct endpoint_performance {
  /// The route ("/api/health", "/api/monitoring/alerts/{id}/acknowledge";
  /// "(unmatched)" for paths no route serves).
  std::string endpoint;
  /// Since start.
  uint64_t requests = 0;
  /// Answers with a status of 500 or more.
  uint64_t errors = 0;
  /// Answers with a status from 400 to 499 (bad input, no token, ...).
  uint64_t refused = 0;
  /// In the window.
  uint64_t window_requests = 0;
  int64_t window_ms = 0;
  /// window_requests per second, thousandths (integers cross nodes intact).
  int64_t rate_milli_per_s = 0;
  /// Errors over requests in the window, basis points.
  int64_t error_rate_bps = 0;
  /// First byte of the request to the answer written, microseconds.
  int64_t p50_us = 0;
  int64_t p99_us = 0;
  int64_t max_us = 0;
};

TFARM_STATUS_FIELDS(endpoint_performance, "tfarm.endpoint_performance", endpoint, requests, errors,
                    refused, window_requests, window_ms, rate_milli_per_s, error_rate_bps, p50_us,
                    p99_us, max_us)

class api_performance {
public:
  /// `endpoints` are the routes (index = route number); one more endpoint,
  /// "(unmatched)", takes route -1 and any number out of range. Series are
  /// created in `metrics`, which must outlive this.
  api_performance(const std::vector<std::string>& endpoints, runtime::metric_registry& metrics,
                  int64_t window_ms = api_performance_window_ms);
  ~api_performance();

  /// One answer of `route` with `status`, `latency_us` after its first
  /// byte; `now_ms` on a monotonic clock.
  void record(int route, int status, int64_t latency_us, int64_t now_ms);

  /// Every endpoint that was asked at least once, in route order.
  std::vector<endpoint_performance> report(int64_t now_ms) const;

private:
  struct endpoint;

  endpoint& at(int route) const;

  int64_t window_ms_;
  std::vector<std::unique_ptr<endpoint>> endpoints_;
};

} // namespace tfarm::net
