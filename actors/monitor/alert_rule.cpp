#include "actors/monitor/alert_rule.hpp"

#include <algorithm>

namespace tfarm::actors {

namespace {

/// How long the runbook's conditions must hold before they alert.
constexpr int64_t runbook_alert_for_ms = 60'000;

bool breaches(alert_comparison cmp, int64_t value, int64_t threshold) {
  return cmp == alert_comparison::above ? value > threshold : value < threshold;
}

std::string format_ms(int64_t ms) {
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

} // namespace

std::string to_string(alert_severity x) {
  switch (x) {
  case alert_severity::none:
    return "none";
  case alert_severity::info:
    return "info";
  case alert_severity::warning:
    return "warning";
  case alert_severity::error:
    return "error";
  case alert_severity::critical:
    return "critical";
  }
  return "unknown";
}

alert_severity alert_rule::severity_of(int64_t value) const {
  if (critical && breaches(comparison, value, *critical))
    return alert_severity::critical;
  if (warning && breaches(comparison, value, *warning))
    return alert_severity::warning;
  return alert_severity::none;
}

std::string alert_event::text(const alert_rule& rule) const {
  auto op = rule.comparison == alert_comparison::above ? " > " : " < ";
  if (resolved())
    return rule.name + ": resolved (was " + to_string(from) + "), " + metric + " = " +
           std::to_string(value);
  return rule.name + ": " + to_string(to) + ", " + metric + " = " + std::to_string(value) + op +
         std::to_string(threshold) +
         (rule.for_ms > 0 ? " (for " + format_ms(rule.for_ms) + ")" : "");
}

std::optional<alert_event> alert_tracker::observe(int64_t value, int64_t now_ms) {
  auto wanted = rule_.severity_of(value);
  if (wanted == current_) {
    candidate_ = current_; // a blip towards another severity is forgotten
    return std::nullopt;
  }
  if (wanted != candidate_) {
    candidate_ = wanted;
    candidate_since_ = now_ms;
  }
  if (now_ms - candidate_since_ < rule_.for_ms)
    return std::nullopt;
  alert_event e;
  e.rule = rule_.name;
  e.metric = rule_.metric;
  e.from = current_;
  e.to = wanted;
  e.value = value;
  e.at_ms = now_ms;
  if (wanted == alert_severity::critical && rule_.critical)
    e.threshold = *rule_.critical;
  else if (rule_.warning)
    e.threshold = *rule_.warning;
  else if (rule_.critical)
    e.threshold = *rule_.critical;
  current_ = wanted;
  return e;
}

std::vector<alert_rule> runbook_alert_rules() {
  auto rule = [](std::string name, std::string metric, alert_comparison cmp,
                 std::optional<int64_t> warning, std::optional<int64_t> critical,
                 std::string description) {
    alert_rule r;
    r.name = std::move(name);
    r.metric = std::move(metric);
    r.comparison = cmp;
    r.warning = warning;
    r.critical = critical;
    r.for_ms = runbook_alert_for_ms;
    r.description = std::move(description);
    return r;
  };
  using c = alert_comparison;
  // At once: while the store cannot reach its database nothing is durable,
  // so every order and transfer is refused.
  auto store_down = rule("store_connection", "store_disconnected", c::above, std::nullopt, 0,
                         "the store cannot reach its database server (writes are refused "
                         "until it reconnects)");
  store_down.for_ms = 0;
  return {
      rule("api_error_rate", "api_error_rate_bps", c::above, 200, 500,
           "HTTP API error rate above 2 % (critical above 5 %)"),
      rule("api_response_time", "api_latency_p99_ms", c::above, 1'000, 2'000,
           "HTTP API p99 response time above 1000 ms (critical above 2000 ms)"),
      rule("memory", "memory_pct", c::above, 70, 85, "process memory above 70 % (critical 85 %)"),
      rule("cpu", "cpu_pct", c::above, 70, 90, "process CPU above 70 % (critical 90 %)"),
      rule("exchange_latency", "exchange_latency_ms", c::above, 500, std::nullopt,
           "exchange round trips above 500 ms"),
      rule("exchange_connection", "exchange_disconnected", c::above, std::nullopt, 0,
           "an exchange session has no reachable venue"),
      rule("agent_errors", "agent_errors_per_min", c::above, 2, 5,
           "an agent's failed requests above 2 per minute (critical above 5)"),
      rule("agent_health", "agent_health_pct", c::below, 80, std::nullopt,
           "fewer than 80 % of agents healthy"),
      rule("order_success", "order_success_bps", c::below, 9'500, std::nullopt,
           "fewer than 95 % of orders succeed"),
      rule("vault_success", "vault_success_bps", c::below, 9'500, std::nullopt,
           "fewer than 95 % of vault transactions succeed"),
      store_down,
  };
}

std::vector<alert_rule> effective_alert_rules(const config::monitor_settings& x) {
  std::vector<alert_rule> result;
  if (x.runbook_rules)
    result = runbook_alert_rules();
  for (auto& r : x.rules) {
    auto same = [&](const alert_rule& y) { return y.name == r.name; };
    auto i = std::find_if(result.begin(), result.end(), same);
    if (!r.enabled) {
      if (i != result.end())
        result.erase(i);
      continue;
    }
    alert_rule y;
    y.name = r.name;
    y.metric = r.metric;
    y.comparison = r.comparison == "below" ? alert_comparison::below : alert_comparison::above;
    y.warning = r.warning;
    y.critical = r.critical;
    y.for_ms = r.for_duration.count();
    y.description = r.description;
    if (i != result.end())
      *i = std::move(y);
    else
      result.push_back(std::move(y));
  }
  return result;
}

} // namespace tfarm::actors
