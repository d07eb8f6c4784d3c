#include "config/env_overrides.hpp"

#include <cstdlib>

#include "config/duration.hpp"
#include "config/limits.hpp"

namespace tfarm::config {

namespace {

diagnostic env_error(const std::string& name, const std::string& value, const std::string& why) {
  return diagnostic{"environment", 0, 0, name + "=\"" + value + "\": " + why};
}

} // namespace

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (auto value = std::getenv(name.c_str()))
      return std::string{value};
    return std::nullopt;
  };
}

std::vector<std::string> env_override_names() {
  return {"MAX_AGENTS_PER_USER", "ORDER_RATE_LIMIT", "CONNECTION_POOL_SIZE", "CACHE_DURATION"};
}

std::vector<diagnostic> apply_env_overrides(runbook_limits& limits, const env_lookup& env) {
  std::vector<diagnostic> result;
  std::string why;
  if (auto v = env("MAX_AGENTS_PER_USER")) {
    if (auto x = parse_integer(*v, 1, max_agents_per_user_max, why))
      limits.max_agents_per_user = static_cast<int32_t>(*x);
    else
      result.push_back(env_error("MAX_AGENTS_PER_USER", *v, why));
  }
  if (auto v = env("ORDER_RATE_LIMIT")) {
    auto x = parse_rate(*v, why);
    if (x && (x->count < 1 || x->count > order_rate_limit_count_max)) {
      why = "must allow between 1 and " + std::to_string(order_rate_limit_count_max) +
            " orders per window";
      x.reset();
    }
    if (x)
      limits.order_rate_limit = *x;
    else
      result.push_back(env_error("ORDER_RATE_LIMIT", *v, why));
  }
  if (auto v = env("CONNECTION_POOL_SIZE")) {
    if (auto x = parse_integer(*v, 1, connection_pool_size_max, why))
      limits.connection_pool_size = static_cast<int32_t>(*x);
    else
      result.push_back(env_error("CONNECTION_POOL_SIZE", *v, why));
  }
  if (auto v = env("CACHE_DURATION")) {
    auto x = parse_duration(*v, why);
    if (x && *x > milliseconds{cache_duration_ms_max}) {
      why = "must be at most " + format_duration(milliseconds{cache_duration_ms_max});
      x.reset();
    }
    if (x)
      limits.cache_duration = *x;
    else
      result.push_back(env_error("CACHE_DURATION", *v, why));
  }
  return result;
}

} // namespace tfarm::config
