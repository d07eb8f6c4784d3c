#include "config/loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "runtime/builtin_kinds.hpp"

using namespace std::chrono_literals;
using namespace tfarm::config;
namespace fs = std::filesystem;

namespace {

// The agent kinds `tfarm config check` knows: the runtime's, plus the
// actors module's trading agent (named here: this test links no actors).
check_options builtin_kinds_only() {
  static const auto kinds = tfarm::runtime::builtin_kinds();
  check_options opts;
  opts.known_kinds = kinds.agent_names();
  opts.known_kinds.push_back("trading_agent");
  opts.validate_agent = [](const agent_spec& a, const user_spec&, const farm_config&) {
    return tfarm::runtime::agent_param_problems(kinds, a);
  };
  return opts;
}

std::vector<std::string> lines_of(const std::vector<diagnostic>& xs) {
  std::vector<std::string> result;
  for (auto& x : xs)
    result.push_back(to_string(x));
  return result;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in{file};
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

// The corpus: every tests/data/config/invalid/NAME.toml has NAME.expected
// with the exact lines `tfarm config check` must print for it.
std::vector<std::string> corpus() {
  std::vector<std::string> result;
  for (auto& entry :
       fs::directory_iterator{fs::path{TFARM_SOURCE_DIR} / "tests/data/config/invalid"})
    if (entry.path().extension() == ".toml")
      result.push_back(entry.path().stem().string());
  std::sort(result.begin(), result.end());
  return result;
}

class invalid_config : public testing::TestWithParam<std::string> {
protected:
  void SetUp() override { fs::current_path(TFARM_SOURCE_DIR); }
};

} // namespace

TEST_P(invalid_config, reports_every_problem_at_its_position) {
  auto base = "tests/data/config/invalid/" + GetParam();
  auto expected = read_lines(base + ".expected");
  ASSERT_FALSE(expected.empty()) << "missing or empty " << base << ".expected";
  auto problems = check_file(base + ".toml", builtin_kinds_only());
  EXPECT_EQ(lines_of(problems), expected);
  EXPECT_FALSE(load_farm_file(base + ".toml", builtin_kinds_only()).value.has_value());
}

INSTANTIATE_TEST_SUITE_P(corpus, invalid_config, testing::ValuesIn(corpus()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           auto name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(loader, the_corpus_has_at_least_twenty_files) {
  EXPECT_GE(corpus().size(), 20u);
}

TEST(loader, shipped_examples_are_valid) {
  fs::current_path(TFARM_SOURCE_DIR);
  std::vector<std::string> files{"examples/single_node/farm.toml",
                                 "tests/data/config/valid/full.toml"};
  for (auto& entry : fs::directory_iterator{"examples/policies"})
    files.push_back(entry.path().string());
  for (auto& f : files)
    EXPECT_EQ(lines_of(check_file(f, builtin_kinds_only())), std::vector<std::string>{}) << f;
}

TEST(loader, reads_every_key_of_a_farm_file) {
  fs::current_path(TFARM_SOURCE_DIR);
  auto result = load_farm_file("tests/data/config/valid/full.toml", builtin_kinds_only());
  ASSERT_TRUE(result.ok()) << (result.diagnostics.empty() ? "" : to_string(result.diagnostics[0]));
  auto& cfg = *result.value;
  EXPECT_EQ(cfg.node.name, "node-a");
  EXPECT_EQ(cfg.node.shutdown_timeout, 30s);
  EXPECT_EQ(cfg.node.scheduler_threads, 2);
  EXPECT_EQ(cfg.node.scheduler, "sharing");
  EXPECT_EQ(cfg.node.monitor_interval, 5s);
  EXPECT_EQ(cfg.limits.max_agents_per_user, 3);
  EXPECT_EQ(cfg.limits.order_rate_limit, (rate{5, 1s}));
  EXPECT_EQ(cfg.limits.connection_pool_size, 4);
  EXPECT_EQ(cfg.limits.cache_duration, 90s);
  ASSERT_EQ(cfg.users.size(), 1u);
  EXPECT_EQ(cfg.users[0].name, "zoe");
  ASSERT_EQ(cfg.users[0].agents.size(), 2u);
  auto& agent = cfg.users[0].agents[0];
  EXPECT_EQ(agent.id, "beat");
  EXPECT_EQ(agent.kind, "heartbeat");
  EXPECT_EQ(agent.params.at("interval"), "2s");
  EXPECT_EQ(agent.params.at("checkpoint_every"), "3");
  auto& typed = cfg.users[0].agents[1];
  EXPECT_EQ(typed.params.at("verbose"), "true");
  EXPECT_EQ(typed.params.at("weight"), "0.5");
  EXPECT_EQ(cfg.vault.assets, (std::vector<std::string>{"USD", "SAT"}));
  EXPECT_EQ(cfg.vault.idempotency_window, 2h);
  EXPECT_EQ(cfg.vault.cached_operations, 64);
  EXPECT_EQ(cfg.vault.request_timeout, 3s);
  ASSERT_EQ(cfg.users[0].accounts.size(), 1u);
  EXPECT_EQ(cfg.users[0].accounts[0].id, "zoe-main");
  EXPECT_EQ(cfg.users[0].accounts[0].opening_balance,
            (std::map<std::string, int64_t>{{"SAT", 7}, {"USD", 1'000}}));
  auto& ex = cfg.exchange;
  EXPECT_EQ(ex.request_timeout, 1500ms);
  EXPECT_EQ(ex.retry_max, 7);
  EXPECT_EQ(ex.backoff_min, 5ms);
  EXPECT_EQ(ex.backoff_max, 1s);
  EXPECT_DOUBLE_EQ(ex.backoff_jitter, 0.1);
  EXPECT_EQ(ex.failover_after, 4);
  EXPECT_EQ(ex.failback, "manual");
  EXPECT_EQ(ex.probe_interval, 500ms);
  EXPECT_EQ(ex.failback_probes, 5);
  EXPECT_EQ(ex.master_key_file, "secrets/master.key");
  ASSERT_EQ(ex.venues.size(), 2u);
  auto& v = ex.venues[0];
  EXPECT_EQ(v.name, "main");
  EXPECT_EQ(v.backup, "spare");
  EXPECT_EQ(v.symbols, (std::vector<std::string>{"SAT-USD"}));
  EXPECT_EQ(v.seed, 7u);
  EXPECT_EQ(v.taker_fee_bps, 10);
  EXPECT_EQ(v.maker_fee_bps, 2);
  EXPECT_EQ(v.rate_per_s, 30);
  EXPECT_EQ(v.burst, 60);
  EXPECT_TRUE(v.credentials);
  EXPECT_EQ(v.market_data.interval, 50ms);
  EXPECT_EQ(v.market_data.start_price, 2'500'000);
  EXPECT_EQ(v.market_data.volatility_bps, 8);
  EXPECT_EQ(v.market_data.depth, 4);
  EXPECT_EQ(v.market_data.level_qty, 3);
  EXPECT_DOUBLE_EQ(v.market_data.taker_rate, 0.25);
  EXPECT_EQ(v.market_data.replay, "tests/data/config/valid/trades.csv");
  EXPECT_EQ(v.faults.latency, 2ms);
  EXPECT_EQ(v.faults.latency_jitter, 1ms);
  EXPECT_DOUBLE_EQ(v.faults.error_rate, 0.01);
  EXPECT_DOUBLE_EQ(v.faults.rate_limit_rate, 0.02);
  EXPECT_DOUBLE_EQ(v.faults.drop_rate, 0.001);
  EXPECT_FALSE(v.faults.disconnected);
  EXPECT_EQ(ex.venues[1].backup, "");
  ASSERT_EQ(ex.sessions.size(), 1u);
  EXPECT_EQ(ex.sessions[0].venue, "main");
  EXPECT_EQ(ex.sessions[0].account, "zoe-main");
  auto vault = cfg.policies.find("/exchanges");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->strategy, restart_strategy::one_for_all);
  EXPECT_EQ(vault->intensity, 0);
  EXPECT_EQ(vault->period, 60s);
  EXPECT_EQ(vault->max_children, 100);
  EXPECT_TRUE(vault->parallel_shutdown);
  EXPECT_EQ(vault->backoff.min, 0ms);
  EXPECT_EQ(vault->backoff.max, 0ms);
  EXPECT_EQ(vault->backoff.jitter_ppm, 0u);
  EXPECT_EQ(vault->child_restart, restart_type::transient);
  EXPECT_EQ(vault->child_shutdown_timeout, 0ms);
  EXPECT_EQ(vault->restart_for("acct-1"), restart_type::temporary);
  EXPECT_EQ(vault->shutdown_timeout_for("acct-1"), 250ms);
  // Policies from the referenced file are merged in.
  auto root = cfg.policies.find("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->strategy, restart_strategy::rest_for_one);
  EXPECT_EQ(root->backoff.jitter_ppm, 200'000u);
  EXPECT_NE(cfg.policies.find("/user/anyone"), nullptr);
}

TEST(loader, an_empty_file_is_the_default_configuration) {
  auto result = load_farm_text("", "empty.toml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value->node.name, "local");
  EXPECT_EQ(result.value->limits.max_agents_per_user, max_agents_per_user_default);
  EXPECT_TRUE(result.value->policies.empty());
}

TEST(loader, unreadable_files_are_reported_without_position) {
  auto problems = check_file("/nonexistent/farm.toml");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(to_string(problems[0]),
            "/nonexistent/farm.toml: error: cannot read file: No such file or directory");
  problems = check_file(TFARM_SOURCE_DIR);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(to_string(problems[0]).find("is a directory"), std::string::npos);
}

TEST(loader, kinds_are_not_checked_without_a_kind_list) {
  auto text = "[[user]]\nname = \"u\"\n[[user.agent]]\nid = \"a\"\nkind = \"future_kind\"\n";
  EXPECT_TRUE(load_farm_text(text, "t.toml").ok());
  EXPECT_FALSE(load_farm_text(text, "t.toml", ".", builtin_kinds_only()).ok());
}

TEST(loader, jitter_is_stored_in_parts_per_million) {
  auto result = load_farm_text(
      "[[supervisor]]\npath = \"/\"\n[supervisor.backoff]\njitter = 0.125\n", "t.toml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value->policies.find("/")->backoff.jitter_ppm, 125'000u);
}

TEST(loader, a_standalone_policy_file_loads_as_a_policy_set) {
  fs::current_path(TFARM_SOURCE_DIR);
  auto result = load_policy_file("examples/policies/default.toml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value->all().size(), 5u);
  EXPECT_EQ(result.value->find("/user/x")->backoff.max, 10s);
  auto bad = load_policy_file("tests/data/config/policy_with_node.toml");
  EXPECT_FALSE(bad.ok());
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].line, 5u);
}
