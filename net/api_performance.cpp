#include "net/api_performance.hpp"

#include <algorithm>

namespace tfarm::net {

namespace {

constexpr const char* unmatched_endpoint = "(unmatched)";

} // namespace

struct api_performance::endpoint {
  std::string name;
  runtime::counter_metric* requests = nullptr;
  runtime::counter_metric* errors = nullptr;
  runtime::counter_metric* refused = nullptr;
  runtime::summary_metric* latency = nullptr;

  // The window, under mtx.
  mutable std::mutex mtx;
  int64_t window_start_ms = -1;
  runtime::latency_histogram current;
  runtime::latency_histogram previous;
  uint64_t current_errors = 0;
  uint64_t previous_errors = 0;
  /// The previous window was a whole one (not the start).
  bool previous_full = false;

  // Moves the window on to `now_ms`.
  void rotate(int64_t now_ms, int64_t window_ms) {
    if (window_start_ms < 0) {
      window_start_ms = now_ms;
      return;
    }
    auto windows = (now_ms - window_start_ms) / window_ms;
    if (windows <= 0)
      return;
    if (windows == 1) {
      previous = current;
      previous_errors = current_errors;
      previous_full = true;
    } else {
      previous.reset(); // a whole window went by without a request
      previous_errors = 0;
      previous_full = true;
    }
    current.reset();
    current_errors = 0;
    window_start_ms += windows * window_ms;
  }
};

api_performance::api_performance(const std::vector<std::string>& endpoints,
                                 runtime::metric_registry& metrics, int64_t window_ms)
    : window_ms_(std::max<int64_t>(1, window_ms)) {
  auto names = endpoints;
  names.push_back(unmatched_endpoint);
  for (auto& name : names) {
    auto e = std::make_unique<endpoint>();
    e->name = name;
    runtime::metric_labels labels{{"endpoint", name}};
    e->requests = metrics.counter("tfarm_http_endpoint_requests_total",
                                  "HTTP requests answered, by endpoint", labels);
    e->errors = metrics.counter("tfarm_http_endpoint_errors_total",
                                "HTTP answers with a status of 500 or more, by endpoint", labels);
    e->refused = metrics.counter("tfarm_http_endpoint_refused_total",
                                 "HTTP answers with a status from 400 to 499, by endpoint", labels);
    e->latency = metrics.summary("tfarm_http_endpoint_request_seconds",
                                 "HTTP request to answer, by endpoint", labels, 1'000'000);
    endpoints_.push_back(std::move(e));
  }
}

api_performance::~api_performance() = default;

api_performance::endpoint& api_performance::at(int route) const {
  auto last = static_cast<int>(endpoints_.size()) - 1;
  return *endpoints_[route < 0 || route >= last ? last : route];
}

void api_performance::record(int route, int status, int64_t latency_us, int64_t now_ms) {
  auto& e = at(route);
  auto error = status >= 500;
  if (e.requests != nullptr) {
    e.requests->add();
    if (error)
      e.errors->add();
    if (status >= 400 && status < 500)
      e.refused->add();
    e.latency->observe(latency_us);
  }
  std::lock_guard<std::mutex> guard{e.mtx};
  e.rotate(now_ms, window_ms_);
  e.current.record(latency_us);
  e.current_errors += error ? 1 : 0;
}

std::vector<endpoint_performance> api_performance::report(int64_t now_ms) const {
  std::vector<endpoint_performance> result;
  for (auto& ptr : endpoints_) {
    auto& e = *ptr;
    endpoint_performance x;
    x.endpoint = e.name;
    if (e.requests != nullptr) {
      x.requests = static_cast<uint64_t>(e.requests->value());
      x.errors = static_cast<uint64_t>(e.errors->value());
      x.refused = static_cast<uint64_t>(e.refused->value());
    }
    if (x.requests == 0)
      continue;
    std::lock_guard<std::mutex> guard{e.mtx};
    e.rotate(now_ms, window_ms_);
    auto window = e.current;
    window.merge(e.previous);
    auto errors = e.current_errors + e.previous_errors;
    x.window_requests = window.count();
    x.window_ms =
        std::max<int64_t>(1, now_ms - e.window_start_ms + (e.previous_full ? window_ms_ : 0));
    x.rate_milli_per_s =
        static_cast<int64_t>(x.window_requests * 1'000'000 / static_cast<uint64_t>(x.window_ms));
    x.error_rate_bps =
        x.window_requests > 0 ? static_cast<int64_t>(errors * 10'000 / x.window_requests) : 0;
    x.p50_us = window.quantile(0.5);
    x.p99_us = window.quantile(0.99);
    x.max_us = window.max();
    result.push_back(std::move(x));
  }
  return result;
}

} // namespace tfarm::net
