#include "config/env_overrides.hpp"

#include <map>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using namespace tfarm::config;

namespace {

env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    if (auto i = vars.find(name); i != vars.end())
      return i->second;
    return std::nullopt;
  };
}

} // namespace

TEST(env_overrides, unset_variables_leave_the_file_values) {
  runbook_limits limits;
  limits.max_agents_per_user = 4;
  EXPECT_TRUE(apply_env_overrides(limits, fake_env({})).empty());
  EXPECT_EQ(limits.max_agents_per_user, 4);
  EXPECT_EQ(limits.order_rate_limit, (rate{20, 60s}));
}

TEST(env_overrides, every_variable_overrides_its_limit) {
  runbook_limits limits;
  auto problems = apply_env_overrides(limits, fake_env({{"MAX_AGENTS_PER_USER", "3"},
                                                        {"ORDER_RATE_LIMIT", "5/s"},
                                                        {"CONNECTION_POOL_SIZE", "32"},
                                                        {"CACHE_DURATION", "2m"}}));
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(limits.max_agents_per_user, 3);
  EXPECT_EQ(limits.order_rate_limit, (rate{5, 1s}));
  EXPECT_EQ(limits.connection_pool_size, 32);
  EXPECT_EQ(limits.cache_duration, 2min);
}

TEST(env_overrides, runbook_syntax_of_order_rate_limit_is_accepted) {
  runbook_limits limits;
  EXPECT_TRUE(apply_env_overrides(limits, fake_env({{"ORDER_RATE_LIMIT", "20/min"}})).empty());
  EXPECT_EQ(limits.order_rate_limit, (rate{20, 60s}));
  EXPECT_TRUE(apply_env_overrides(limits, fake_env({{"ORDER_RATE_LIMIT", "30"}})).empty());
  EXPECT_EQ(limits.order_rate_limit, (rate{30, 60s}));
}

TEST(env_overrides, bad_values_are_reported_each_and_change_nothing) {
  runbook_limits limits;
  auto problems = apply_env_overrides(limits, fake_env({{"MAX_AGENTS_PER_USER", "ten"},
                                                        {"ORDER_RATE_LIMIT", "0/min"},
                                                        {"CONNECTION_POOL_SIZE", "0"},
                                                        {"CACHE_DURATION", "60"}}));
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(
      to_string(problems[0]),
      "environment: error: MAX_AGENTS_PER_USER=\"ten\": expected an integer between 1 and 10000");
  EXPECT_EQ(to_string(problems[1]),
            "environment: error: ORDER_RATE_LIMIT=\"0/min\": must allow between 1 and 1000000000 "
            "orders per window");
  EXPECT_EQ(to_string(problems[2]),
            "environment: error: CONNECTION_POOL_SIZE=\"0\": must be between 1 and 1024, got 0");
  EXPECT_EQ(to_string(problems[3]),
            "environment: error: CACHE_DURATION=\"60\": expected a duration such as \"250ms\", "
            "\"5s\", \"2m\", \"1h\" or \"7d\"");
  runbook_limits defaults;
  EXPECT_EQ(limits.max_agents_per_user, defaults.max_agents_per_user);
  EXPECT_EQ(limits.order_rate_limit, defaults.order_rate_limit);
  EXPECT_EQ(limits.connection_pool_size, defaults.connection_pool_size);
  EXPECT_EQ(limits.cache_duration, defaults.cache_duration);
}

TEST(env_overrides, names_are_the_runbooks) {
  EXPECT_EQ(env_override_names(),
            (std::vector<std::string>{"MAX_AGENTS_PER_USER", "ORDER_RATE_LIMIT",
                                      "CONNECTION_POOL_SIZE", "CACHE_DURATION"}));
}
