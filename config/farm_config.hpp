// The farm file: node settings, the runbook's limits, users and their agents,
// plus the supervision policies it includes.
//
// Loaded and validated by loader.hpp; environment variables named after the
// runbook's settings (MAX_AGENTS_PER_USER, ...) override the file through
// env_overrides.hpp. Plain data.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/duration.hpp"
#include "config/limits.hpp"
#include "config/supervision_policy.hpp"

namespace tfarm::config {

struct node_settings {
  /// Node name, used in actor registry entries and (later) cluster membership.
  std::string name = "local";
  /// Time the whole node gets to stop before the process exits regardless.
  milliseconds shutdown_timeout{node_shutdown_timeout_ms_default};
  /// Scheduler worker threads; 0 means one per core.
  int32_t scheduler_threads = 0;
  /// CAF scheduler policy: "stealing" (work stealing, CAF's default: best
  /// throughput) or "sharing" (one shared queue, condition-variable wakeups).
  std::string scheduler = "stealing";
  /// Interval of the monitor's registry summary in the log.
  milliseconds monitor_interval{monitor_interval_ms_default};
  /// Policy files, resolved relative to the farm file's folder.
  std::vector<std::string> policy_files;
};

/// The runbook's "Configuration Reference" settings.
struct runbook_limits {
  int32_t max_agents_per_user = max_agents_per_user_default;
  rate order_rate_limit{order_rate_limit_count_default,
                        milliseconds{order_rate_limit_window_ms_default}};
  int32_t connection_pool_size = connection_pool_size_default;
  milliseconds cache_duration{cache_duration_ms_default};
};

/// One agent to start under a user's supervisor.
struct agent_spec {
  /// Unique among the user's agents; the last segment of the agent's path.
  std::string id;
  /// Actor kind (factory name), e.g. "heartbeat".
  std::string kind;
  /// Kind-specific parameters, as strings (their kind validates them).
  std::map<std::string, std::string> params;
};

struct user_spec {
  /// Unique; the path segment under /user.
  std::string name;
  std::vector<agent_spec> agents;
};

struct farm_config {
  /// The farm file as given (empty for a default configuration).
  std::string file;
  node_settings node;
  runbook_limits limits;
  std::vector<user_spec> users;
  /// Inline [[supervisor]] tables plus those of node.policy_files.
  policy_set policies;
};

} // namespace tfarm::config
