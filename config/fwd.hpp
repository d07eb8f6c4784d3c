// Forward declarations of tfarm::config types, for headers that only pass them around.
#pragma once

namespace tfarm::config {

enum class config_errc : unsigned char;
enum class restart_strategy : unsigned char;
enum class restart_type : unsigned char;

struct agent_spec;
struct check_options;
struct child_policy;
struct diagnostic;
struct farm_config;
struct node_settings;
struct rate;
struct restart_backoff;
struct runbook_limits;
struct supervisor_policy;
struct user_spec;

class policy_set;

} // namespace tfarm::config
