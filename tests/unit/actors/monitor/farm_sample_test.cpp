// What the monitor samples from actors' statuses: agent health, rates over
// the last interval (not since start), exchange connectivity, and statuses
// that cannot be read.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/monitor/alert_rule.hpp"
#include "actors/monitor/farm_sample.hpp"
#include "actors/vault/vault_messages.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::test {
namespace {

runtime::actor_info actor(const std::string& path, const std::string& kind,
                          const nlohmann::json& state, bool alive = true, uint64_t restarts = 0) {
  runtime::actor_info a;
  a.path = path;
  a.kind = kind;
  a.alive = alive;
  a.restarts = restarts;
  a.state_json = state.dump();
  return a;
}

constexpr int64_t t0 = 1'000'000;

runtime::actor_info agent(const std::string& name, const std::string& state, uint32_t errors,
                          int64_t heartbeat_ms = t0) {
  actors::agent_status x;
  x.path = "/user/a/" + name;
  x.state = state;
  x.errors_per_min = errors;
  x.heartbeat_ms = heartbeat_ms;
  x.timer_ms = 1'000;
  return actor(x.path, "trading_agent", x);
}

runtime::actor_info session(const std::string& name, const std::string& state, uint64_t orders,
                            uint64_t rejected, int64_t p99_us = 0, bool alive = true) {
  actors::exchange_status x;
  x.state = state;
  x.connected = state == "connected";
  x.orders = orders;
  x.rejected = rejected;
  x.latency_p99_us = p99_us;
  return actor("/exchanges/sessions/v/" + name, "exchange_session", x, alive);
}

runtime::actor_info gateway(uint64_t transactions, uint64_t succeeded) {
  actors::vault_status x;
  x.transactions = transactions;
  x.succeeded = succeeded;
  return actor("/vault/gateway", "vault_gateway", x);
}

TEST(farm_sample, agent_health_counts_running_or_halted_fresh_agents_within_the_error_threshold) {
  actors::farm_sampler s;
  auto x = s.take({agent("a1", "running", 0), agent("a2", "halted", 2), agent("a3", "running", 3),
                   agent("a4", "running", 0, t0 - 60'000), agent("a5", "failed", 0)},
                  {}, std::nullopt, t0);
  EXPECT_EQ(x.values["agent_health_pct"], 40); // a1 and a2 of five
  EXPECT_EQ(x.values["agent_errors_per_min"], 3);
  EXPECT_EQ(actors::farm_sampler{}.take({}, {}, std::nullopt, t0).values["agent_health_pct"], 100);
}

TEST(farm_sample, success_rates_are_over_a_sliding_window) {
  actors::farm_sampler s{60'000};
  auto sess = [](uint64_t orders, uint64_t rejected) {
    return session("a", "connected", orders, rejected);
  };
  auto vault = [](uint64_t txs, uint64_t ok) { return gateway(txs, ok); };
  // Bad history: 50 of 100 orders rejected before the first sample.
  auto x = s.take({sess(100, 50), vault(10, 5)}, {}, std::nullopt, t0);
  EXPECT_EQ(x.values["order_success_bps"], 10'000); // nothing happened since "before"
  // A second later: 20 orders, 1 rejected; 10 vault operations, all fine.
  x = s.take({sess(120, 51), vault(20, 15)}, {}, std::nullopt, t0 + 1'000);
  EXPECT_EQ(x.values["order_success_bps"], 9'500);
  EXPECT_EQ(x.values["vault_success_bps"], 10'000);
  // Another second: 4 of 10 refused; over the window, 4 of 20.
  x = s.take({sess(120, 51), vault(30, 21)}, {}, std::nullopt, t0 + 2'000);
  EXPECT_EQ(x.values["vault_success_bps"], 8'000);
  EXPECT_EQ(x.values["order_success_bps"], 9'500);
  // A minute of nothing later the window holds no refusal: recovered.
  x = s.take({sess(120, 51), vault(30, 21)}, {}, std::nullopt, t0 + 62'000);
  EXPECT_EQ(x.values["vault_success_bps"], 10'000);
  EXPECT_EQ(x.values["order_success_bps"], 10'000);
  // The window slides: 1 refusal of 2 is 50 % for the next minute only.
  x = s.take({sess(122, 52), vault(30, 21)}, {}, std::nullopt, t0 + 63'000);
  EXPECT_EQ(x.values["order_success_bps"], 5'000);
  x = s.take({sess(122, 52), vault(30, 21)}, {}, std::nullopt, t0 + 124'000);
  EXPECT_EQ(x.values["order_success_bps"], 10'000);
}

TEST(farm_sample, a_session_restarting_does_not_read_as_a_burst_of_its_lifetime) {
  actors::farm_sampler s{60'000};
  s.take({session("a", "connected", 1'000, 400), session("b", "connected", 1'000, 0)}, {},
         std::nullopt, t0);
  // b restarted (its counters start again); a placed 10 orders, 1 refused.
  auto x = s.take({session("a", "connected", 1'010, 401), session("b", "connected", 2, 0)}, {},
                  std::nullopt, t0 + 1'000);
  EXPECT_EQ(x.values["order_success_bps"], 9'166); // 1 of 12
  EXPECT_TRUE(x.unreadable.empty());
}

TEST(farm_sample, a_vault_that_does_not_answer_keeps_its_last_counts) {
  actors::farm_sampler s{60'000};
  // The gateway's description is stale (it shows fewer operations).
  auto gw = gateway(1, 1);
  s.take({gw}, {}, std::nullopt, t0, actors::vault_counts{100, 100});
  auto x = s.take({gw}, {}, std::nullopt, t0 + 1'000); // no answer this time
  EXPECT_EQ(x.values["vault_success_bps"], 10'000);
  x = s.take({gw}, {}, std::nullopt, t0 + 2'000, actors::vault_counts{110, 105});
  EXPECT_EQ(x.values["vault_success_bps"], 5'000);
}

TEST(farm_sample, disconnected_sessions_are_counted_and_left_out_of_latency) {
  actors::farm_sampler s;
  auto x =
      s.take({session("a", "connected", 0, 0, 7'000), session("b", "disconnected", 0, 0, 900'000),
              session("c", "connected", 0, 0, 0, false)},
             {}, std::nullopt, t0);
  EXPECT_EQ(x.values["exchange_disconnected"], 2);
  EXPECT_EQ(x.values["exchange_latency_ms"], 7);
}

TEST(farm_sample, a_status_that_cannot_be_read_is_unhealthy_never_zero) {
  actors::farm_sampler s;
  // An agent whose status lacks fields (an older kind, a bug) and a session
  // whose status is not JSON: neither reads as healthy or connected.
  auto broken_agent = actor("/user/a/x", "trading_agent", {{"state", "running"}});
  auto broken_session = session("s", "connected", 0, 0);
  broken_session.state_json = "not json";
  auto x = s.take({agent("ok", "running", 0), broken_agent, broken_session}, {}, std::nullopt, t0);
  EXPECT_EQ(x.values["agent_health_pct"], 50);
  EXPECT_EQ(x.values["exchange_disconnected"], 1);
  ASSERT_EQ(x.unreadable.size(), 2u);
  EXPECT_NE(x.unreadable[0].find("/user/a/x: its status cannot be read"), std::string::npos)
      << x.unreadable[0];
  EXPECT_NE(x.unreadable[1].find("/exchanges/sessions/v/s"), std::string::npos) << x.unreadable[1];
}

TEST(farm_sample, api_figures_and_restart_rate) {
  actors::farm_sampler s;
  s.take({actor("/x", "k", {}, true, 1)}, {}, std::nullopt, t0);
  actors::api_window api;
  api.requests = 200;
  api.errors = 5;
  api.p99_us = 1'500'000;
  auto x = s.take({actor("/x", "k", {}, true, 3)}, api, std::nullopt, t0 + 30'000);
  EXPECT_EQ(x.values["api_error_rate_bps"], 250);
  EXPECT_EQ(x.values["api_latency_p99_ms"], 1'500);
  EXPECT_EQ(x.values["api_requests_per_s"], 6);
  EXPECT_EQ(x.values["restarts_per_min"], 4); // 2 restarts in 30 s
  // The next 30 s: 100 requests without errors; over the minute, 5 of 300.
  api.requests = 100;
  api.errors = 0;
  x = s.take({actor("/x", "k", {}, true, 3)}, api, std::nullopt, t0 + 60'000);
  EXPECT_EQ(x.values["api_error_rate_bps"], 166);
  EXPECT_EQ(x.values["restarts_per_min"], 2); // 2 in the last 60 s
}

TEST(farm_sample, every_metric_a_rule_may_name_is_sampled) {
  auto x = actors::farm_sampler{}.take({}, {}, std::nullopt, t0);
  for (auto& name : config::monitor_metric_names())
    EXPECT_EQ(x.values.count(name), 1u) << name;
  for (auto& r : actors::runbook_alert_rules())
    EXPECT_EQ(x.values.count(r.metric), 1u) << r.metric;
}

TEST(effective_alert_rules, file_rules_replace_drop_or_add_to_the_runbook_s) {
  config::monitor_settings m;
  config::alert_rule_settings cpu;
  cpu.name = "cpu";
  cpu.metric = "cpu_pct";
  cpu.warning = 50;
  m.rules.push_back(cpu);
  config::alert_rule_settings off;
  off.name = "memory";
  off.enabled = false;
  m.rules.push_back(off);
  config::alert_rule_settings mine;
  mine.name = "queue";
  mine.metric = "store_queue_depth";
  mine.critical = 1'000;
  m.rules.push_back(mine);
  auto rules = actors::effective_alert_rules(m);
  auto find = [&](const std::string& name) -> const actors::alert_rule* {
    for (auto& r : rules)
      if (r.name == name)
        return &r;
    return nullptr;
  };
  ASSERT_TRUE(find("cpu"));
  EXPECT_EQ(find("cpu")->warning, 50);
  EXPECT_FALSE(find("cpu")->critical); // replaced whole, not merged
  EXPECT_FALSE(find("memory"));
  ASSERT_TRUE(find("queue"));
  EXPECT_EQ(rules.size(), actors::runbook_alert_rules().size());
  m.runbook_rules = false;
  EXPECT_EQ(actors::effective_alert_rules(m).size(), 2u);
}

} // namespace
} // namespace tfarm::test
