// Environment variables that override the farm file's runbook limits.
//
// The runbook's operators set MAX_AGENTS_PER_USER, ORDER_RATE_LIMIT,
// CONNECTION_POOL_SIZE and CACHE_DURATION in the environment; a set variable
// wins over the file. A bad value is a diagnostic (file "environment") that
// stops start-up: a typo must never silently fall back to a default.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/farm_config.hpp"

namespace tfarm::config {

/// Looks up an environment variable; std::nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// Reads the process environment.
env_lookup process_environment();

/// Names of the variables apply_env_overrides reads, for docs and --help.
std::vector<std::string> env_override_names();

/// Applies every set variable to `limits`; returns one diagnostic per bad
/// value (and leaves that limit unchanged).
std::vector<diagnostic> apply_env_overrides(runbook_limits& limits, const env_lookup& env);

} // namespace tfarm::config
