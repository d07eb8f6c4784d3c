#include "config/farm_config.hpp"

namespace tfarm::config {

const std::vector<std::string>& monitor_metric_names() {
  // What actors::farm_monitor samples each interval; integers, unit last.
  static const std::vector<std::string> names{
      "agent_errors_per_min",  "agent_health_pct",
      "api_error_rate_bps",    "api_latency_p99_ms",
      "api_requests_per_s",    "cpu_pct",
      "exchange_disconnected", "exchange_latency_ms",
      "mailbox_max",           "memory_pct",
      "order_success_bps",     "restarts_per_min",
      "store_commit_ms",       "store_disconnected",
      "store_queue_depth",     "vault_success_bps",
  };
  return names;
}

const std::vector<std::string>& alert_severity_names() {
  static const std::vector<std::string> names{"info", "warning", "error", "critical"};
  return names;
}

const std::vector<std::string>& alert_channel_names() {
  static const std::vector<std::string> names{"log", "file", "webhook", "dashboard"};
  return names;
}

} // namespace tfarm::config
