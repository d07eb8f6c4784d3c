// The metric registry: one metric per name and labels, type and name
// checks, and the Prometheus text format it renders.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/metric_registry.hpp"

namespace tfarm::runtime {
namespace {

TEST(metric_registry, the_same_name_and_labels_give_the_same_metric) {
  metric_registry r;
  auto a = r.counter("tfarm_orders_total", "orders", {{"agent", "a"}});
  auto b = r.counter("tfarm_orders_total", "orders", {{"agent", "b"}});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, r.counter("tfarm_orders_total", "orders", {{"agent", "a"}}));
  a->add();
  a->add(2);
  EXPECT_EQ(a->value(), 3);
  EXPECT_EQ(b->value(), 0);
}

TEST(metric_registry, bad_names_and_type_clashes_are_refused) {
  metric_registry r;
  EXPECT_EQ(r.counter("", "x"), nullptr);
  EXPECT_EQ(r.counter("9lives", "x"), nullptr);
  EXPECT_EQ(r.counter("has space", "x"), nullptr);
  EXPECT_EQ(r.counter("ok_name", "x", {{"bad-label", "v"}}), nullptr);
  EXPECT_EQ(r.counter("ok_name", "x", {{"__reserved", "v"}}), nullptr);
  EXPECT_EQ(r.summary("lat", "x", {{"quantile", "v"}}), nullptr);
  ASSERT_NE(r.counter("ok_name", "x"), nullptr);
  EXPECT_EQ(r.gauge("ok_name", "x"), nullptr); // a counter already
  EXPECT_TRUE(metric_registry::valid_name("tfarm:rate_5m"));
  EXPECT_FALSE(metric_registry::valid_name("tfarm:rate", true));
}

TEST(metric_registry, renders_the_prometheus_text_format) {
  metric_registry r;
  r.counter("tfarm_orders_total", "Orders placed", {{"agent", "/user/alice/mm-1"}})->add(5);
  r.gauge("tfarm_agents", "Agents running")->set(3);
  auto s = r.summary("tfarm_store_commit_us", "Store commit latency, microseconds");
  for (int i = 1; i <= 100; ++i)
    s->observe(i);
  r.gauge("tfarm_odd", "Escaping", {{"v", "a\"b\\c\nd"}})->set(-1);
  auto text = r.render_prometheus();
  EXPECT_EQ(text, "# HELP tfarm_agents Agents running\n"
                  "# TYPE tfarm_agents gauge\n"
                  "tfarm_agents 3\n"
                  "# HELP tfarm_odd Escaping\n"
                  "# TYPE tfarm_odd gauge\n"
                  "tfarm_odd{v=\"a\\\"b\\\\c\\nd\"} -1\n"
                  "# HELP tfarm_orders_total Orders placed\n"
                  "# TYPE tfarm_orders_total counter\n"
                  "tfarm_orders_total{agent=\"/user/alice/mm-1\"} 5\n"
                  "# HELP tfarm_store_commit_us Store commit latency, microseconds\n"
                  "# TYPE tfarm_store_commit_us summary\n"
                  "tfarm_store_commit_us{quantile=\"0.5\"} " +
                      std::to_string(s->read().p50) +
                      "\n"
                      "tfarm_store_commit_us{quantile=\"0.95\"} " +
                      std::to_string(s->read().p95) +
                      "\n"
                      "tfarm_store_commit_us{quantile=\"0.99\"} " +
                      std::to_string(s->read().p99) +
                      "\n"
                      "tfarm_store_commit_us_sum 5050\n"
                      "tfarm_store_commit_us_count 100\n");
  auto x = s->read();
  EXPECT_LE(x.p50, x.p95);
  EXPECT_LE(x.p95, x.p99);
  EXPECT_GE(x.p50, 50);
  EXPECT_LE(x.p99, 100);
}

TEST(metric_registry, retired_series_are_gone_and_come_back_new) {
  metric_registry r;
  for (auto agent : {"/user/a/x", "/user/a/y"}) {
    r.gauge("tfarm_agent_healthy", "healthy", {{"agent", agent}})->set(1);
    r.counter("tfarm_agent_orders_total", "orders", {{"agent", agent}})->add(5);
  }
  r.gauge("tfarm_node_up", "up")->set(1);
  r.retire_series("agent", {"/user/a/x"});
  auto text = r.render_prometheus();
  EXPECT_NE(text.find("tfarm_agent_healthy{agent=\"/user/a/x\"} 1"), std::string::npos);
  EXPECT_EQ(text.find("/user/a/y"), std::string::npos);
  EXPECT_NE(text.find("tfarm_node_up 1"), std::string::npos); // unlabelled: untouched
  // The same labels again: a new series from zero.
  EXPECT_EQ(r.counter("tfarm_agent_orders_total", "orders", {{"agent", "/user/a/y"}})->value(), 0);
}

TEST(metric_registry, a_query_gives_the_rendered_points_of_the_chosen_families) {
  metric_registry r;
  r.counter("tfarm_orders_total", "orders", {{"venue", "a"}})->add(3);
  r.summary("tfarm_commit_seconds", "commit", {}, 1'000'000)->observe(2'000'000);
  r.gauge("tfarm_queue_depth", "queue")->set(7);
  auto only_commits = [](const std::string& family) { return family == "tfarm_commit_seconds"; };
  auto points = r.query(only_commits);
  ASSERT_EQ(points.size(), 5u); // three quantiles, _sum, _count
  EXPECT_EQ(points[0].series, "tfarm_commit_seconds{quantile=\"0.5\"}");
  EXPECT_EQ(points[3].series, "tfarm_commit_seconds_sum");
  EXPECT_EQ(points[3].value, "2.000000"); // seconds, from microseconds
  EXPECT_EQ(points[4].series, "tfarm_commit_seconds_count");
  EXPECT_EQ(points[4].value, "1");
  // The text holds exactly those points, after the family's header.
  auto text = r.render_prometheus(only_commits);
  EXPECT_EQ(text.find("tfarm_orders_total"), std::string::npos);
  for (auto& p : points)
    EXPECT_NE(text.find(p.series + " " + p.value + "\n"), std::string::npos) << p.series;
  EXPECT_EQ(r.query().size(), 7u);
  EXPECT_EQ(r.query()[0].family, "tfarm_commit_seconds"); // families in name order
}

TEST(metric_registry, counts_from_many_threads) {
  metric_registry r;
  auto c = r.counter("tfarm_hits_total", "hits");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&r] {
      for (int i = 0; i < 10'000; ++i)
        r.counter("tfarm_hits_total", "hits")->add();
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(c->value(), 40'000);
}

} // namespace
} // namespace tfarm::runtime
