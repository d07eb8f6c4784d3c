// Alert rules: thresholds, the for-duration against flapping, escalation,
// resolution, and the runbook's defaults.
#include <gtest/gtest.h>

#include "actors/monitor/alert_rule.hpp"

namespace tfarm::actors {
namespace {

alert_rule errors_rule() {
  alert_rule r;
  r.name = "agent_errors";
  r.metric = "agent_errors_per_min";
  r.comparison = alert_comparison::above;
  r.warning = 2;
  r.critical = 5;
  r.for_ms = 60'000;
  return r;
}

TEST(alert_rule, severity_follows_the_thresholds) {
  auto r = errors_rule();
  EXPECT_EQ(r.severity_of(2), alert_severity::none); // not above 2
  EXPECT_EQ(r.severity_of(3), alert_severity::warning);
  EXPECT_EQ(r.severity_of(5), alert_severity::warning);
  EXPECT_EQ(r.severity_of(6), alert_severity::critical);
  alert_rule below;
  below.comparison = alert_comparison::below;
  below.warning = 80;
  EXPECT_EQ(below.severity_of(80), alert_severity::none);
  EXPECT_EQ(below.severity_of(79), alert_severity::warning);
  EXPECT_EQ(below.severity_of(0), alert_severity::warning); // no critical level
}

TEST(alert_tracker, fires_only_once_the_condition_held_for_its_duration) {
  alert_tracker t{errors_rule()};
  EXPECT_FALSE(t.observe(3, 0));
  EXPECT_FALSE(t.observe(4, 59'999));
  auto e = t.observe(3, 60'000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, alert_severity::none);
  EXPECT_EQ(e->to, alert_severity::warning);
  EXPECT_EQ(e->threshold, 2);
  EXPECT_EQ(e->text(t.rule()), "agent_errors: warning, agent_errors_per_min = 3 > 2 (for 60s)");
  EXPECT_EQ(t.current(), alert_severity::warning);
  EXPECT_FALSE(t.observe(3, 120'000)); // nothing new: no second event
}

TEST(alert_tracker, a_value_flapping_around_the_threshold_never_fires) {
  alert_tracker t{errors_rule()};
  for (int64_t ms = 0; ms < 600'000; ms += 10'000)
    EXPECT_FALSE(t.observe(ms % 20'000 == 0 ? 3 : 1, ms)) << "at " << ms;
  EXPECT_EQ(t.current(), alert_severity::none);
}

TEST(alert_tracker, escalates_and_resolves_each_after_its_duration) {
  alert_tracker t{errors_rule()};
  t.observe(3, 0);
  ASSERT_TRUE(t.observe(3, 60'000));
  EXPECT_FALSE(t.observe(9, 70'000));
  auto up = t.observe(9, 130'000);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->from, alert_severity::warning);
  EXPECT_EQ(up->to, alert_severity::critical);
  EXPECT_EQ(up->threshold, 5);
  // A short dip does not resolve it ...
  EXPECT_FALSE(t.observe(0, 140'000));
  EXPECT_FALSE(t.observe(9, 150'000));
  // ... a lasting one does.
  EXPECT_FALSE(t.observe(0, 160'000));
  auto down = t.observe(0, 220'000);
  ASSERT_TRUE(down);
  EXPECT_TRUE(down->resolved());
  EXPECT_EQ(down->from, alert_severity::critical);
  EXPECT_EQ(down->text(t.rule()),
            "agent_errors: resolved (was critical), agent_errors_per_min = 0");
}

TEST(alert_tracker, without_a_duration_it_follows_every_sample) {
  auto r = errors_rule();
  r.for_ms = 0;
  alert_tracker t{r};
  ASSERT_TRUE(t.observe(6, 0));
  EXPECT_EQ(t.current(), alert_severity::critical);
  ASSERT_TRUE(t.observe(1, 1));
  EXPECT_EQ(t.current(), alert_severity::none);
}

TEST(alert_rule, the_runbook_table_is_the_default) {
  auto rules = runbook_alert_rules();
  auto find = [&](const std::string& name) -> const alert_rule& {
    for (auto& r : rules)
      if (r.name == name)
        return r;
    ADD_FAILURE() << "no rule " << name;
    return rules.front();
  };
  EXPECT_EQ(rules.size(), 11u); // the runbook's ten and the store's connection
  EXPECT_EQ(find("api_error_rate").severity_of(201), alert_severity::warning);
  EXPECT_EQ(find("api_error_rate").severity_of(501), alert_severity::critical);
  EXPECT_EQ(find("api_response_time").severity_of(2'001), alert_severity::critical);
  EXPECT_EQ(find("memory").severity_of(71), alert_severity::warning);
  EXPECT_EQ(find("cpu").severity_of(91), alert_severity::critical);
  EXPECT_EQ(find("exchange_latency").severity_of(501), alert_severity::warning);
  EXPECT_EQ(find("exchange_connection").severity_of(1), alert_severity::critical);
  EXPECT_EQ(find("exchange_connection").severity_of(0), alert_severity::none);
  EXPECT_EQ(find("agent_errors").severity_of(6), alert_severity::critical);
  EXPECT_EQ(find("agent_health").severity_of(79), alert_severity::warning);
  EXPECT_EQ(find("order_success").severity_of(9'499), alert_severity::warning);
  EXPECT_EQ(find("vault_success").severity_of(9'500), alert_severity::none);
  EXPECT_EQ(find("store_connection").severity_of(1), alert_severity::critical);
  EXPECT_EQ(find("store_connection").for_ms, 0) << "a store without its database alerts at once";
}

} // namespace
} // namespace tfarm::actors
