// A real node (threads, wall clock): start-up, the default tree, restarts
// with restored state, escalation to the root, bounded stop. Waits poll the
// registry with a deadline; nothing sleeps for synchronization.
#include "runtime/node.hpp"

#include <chrono>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/wait.hpp"

#include "config/loader.hpp"
#include "runtime/error_text.hpp"
#include "runtime/memory_checkpoint_store.hpp"

using namespace std::chrono_literals;
using namespace tfarm;
using tfarm::test::eventually;
using namespace tfarm::runtime;

namespace {

config::farm_config farm_from(const std::string& text) {
  auto result = config::load_farm_text(text, "test.toml");
  EXPECT_TRUE(result.ok()) << (result.diagnostics.empty() ? "" : to_string(result.diagnostics[0]));
  return result.value.value_or(config::farm_config{});
}

uint64_t beats(node& n, const std::string& path) {
  auto entry = n.context().registry().find(path);
  if (!entry)
    return 0;
  auto j = nlohmann::json::parse(entry->snapshot().state_json, nullptr, false);
  return j.is_object() && j.contains("beats") ? j["beats"].get<uint64_t>() : 0;
}

const char* demo_farm = R"(
[node]
name = "t1"
shutdown_timeout = "5s"
[[user]]
name = "alice"
  [[user.agent]]
  id = "hb"
  kind = "heartbeat"
  params = { interval = "5ms" }
[[supervisor]]
path = "/user/*"
  [supervisor.backoff]
  min = "0ms"
  max = "0ms"
)";

} // namespace

TEST(node, starts_the_default_tree_in_order) {
  node_options opts;
  opts.farm = farm_from(demo_farm);
  auto n = node::start(std::move(opts));
  ASSERT_TRUE(n) << to_text(n.error());
  std::vector<std::string> paths;
  for (auto& a : (*n)->context().registry().query("/")) {
    paths.push_back(a.path);
    EXPECT_TRUE(a.alive) << a.path;
    EXPECT_EQ(a.node, "t1");
  }
  // The runtime's own tree: the domain's subtrees come from later modules.
  EXPECT_EQ(paths, (std::vector<std::string>{"/", "/store", "/monitor", "/user", "/user/alice",
                                             "/user/alice/hb"}));
  auto report = (*n)->stop();
  EXPECT_TRUE(report.clean);
}

TEST(node, a_crashed_agent_comes_back_with_its_state) {
  node_options opts;
  opts.farm = farm_from(demo_farm);
  auto started = node::start(std::move(opts));
  ASSERT_TRUE(started) << to_text(started.error());
  auto& n = **started;
  auto& registry = n.context().registry();
  ASSERT_TRUE(eventually([&] { return registry.find("/user/alice/hb")->checkpoint_seq() >= 5; }));
  auto entry = registry.find("/user/alice/hb");
  auto old = entry->handle();
  caf::anon_send(old, crash_request{"node test"});
  ASSERT_TRUE(eventually([&] { return entry->restarts() == 1 && entry->alive(); }));
  EXPECT_NE(entry->handle(), old);
  auto saved = n.context().memory_backend()->load("/user/alice/hb");
  // The new incarnation continues counting from its restored checkpoint.
  ASSERT_TRUE(eventually([&] { return beats(n, "/user/alice/hb") > 5; }));
  EXPECT_EQ(entry->snapshot().failures.back().reason, "crash_injected: node test");
  EXPECT_GE(saved.seq, 5u);
  EXPECT_TRUE(n.stop().clean);
}

TEST(node, stopping_kills_what_ignores_exit_and_stays_bounded) {
  node_options opts;
  opts.farm = farm_from(R"(
[node]
shutdown_timeout = "5s"
[[user]]
name = "eve"
  [[user.agent]]
  id = "s"
  kind = "stubborn"
[[supervisor]]
path = "/user/*"
  [supervisor.child_defaults]
  shutdown_timeout = "300ms"
)");
  auto n = node::start(std::move(opts));
  ASSERT_TRUE(n);
  auto report = (*n)->stop();
  EXPECT_TRUE(report.clean);
  EXPECT_GE(report.took, 300ms);
  EXPECT_LT(report.took, 5s);
  EXPECT_FALSE((*n)->context().registry().find("/user/eve/s")->alive());
}

TEST(node, escalation_to_the_root_stops_the_node) {
  node_options opts;
  opts.farm = farm_from(R"(
[[user]]
name = "u"
  [[user.agent]]
  id = "a"
  kind = "heartbeat"
[[supervisor]]
path = "/"
intensity = 0
[[supervisor]]
path = "/user"
intensity = 0
[[supervisor]]
path = "/user/*"
intensity = 0
)");
  auto n = node::start(std::move(opts));
  ASSERT_TRUE(n);
  caf::anon_send((*n)->context().registry().find("/user/u/a")->handle(), crash_request{"fatal"});
  ASSERT_TRUE((*n)->wait_for_exit(10s));
  EXPECT_FALSE((*n)->running());
  auto text = to_text((*n)->exit_reason());
  EXPECT_NE(text.find("restart_intensity_exceeded"), std::string::npos) << text;
}

TEST(node, refuses_to_start_with_an_unknown_kind_or_too_many_agents) {
  node_options opts;
  opts.farm = farm_from("[[user]]\nname = \"u\"\n[[user.agent]]\nid = \"a\"\nkind = \"nope\"\n");
  auto n = node::start(std::move(opts));
  ASSERT_FALSE(n);
  EXPECT_NE(to_text(n.error()).find("nope"), std::string::npos) << to_text(n.error());
  node_options many;
  many.farm = farm_from(demo_farm);
  many.farm.limits.max_agents_per_user = 0;
  auto m = node::start(std::move(many));
  ASSERT_FALSE(m);
  EXPECT_EQ(to_text(m.error()),
            "too_many_children: user 'alice' lists 1 agents; MAX_AGENTS_PER_USER is 0");
}

TEST(node_context, incidents_before_a_watcher_reach_the_first_one) {
  // Checkpoints of actors that start before the monitor (or while it
  // restarts) can be corrupt too: their incidents must still become alerts.
  node_context ctx{"test", kind_registry{}, config::policy_set{}, config::runbook_limits{}, 1};
  ctx.report(incident{"/a", "checkpoint.corrupt", "one"});
  ctx.report(incident{"/b", "checkpoint.corrupt", "two", "critical"});
  std::vector<std::string> seen;
  ctx.set_incident_watcher([&](const incident& x) { seen.push_back(x.path + " " + x.severity); });
  EXPECT_EQ(seen, (std::vector<std::string>{"/a error", "/b critical"}));
  ctx.report(incident{"/c", "x", "three"});
  EXPECT_EQ(seen.size(), 3u) << "a watcher gets each incident once, as it comes";
  ctx.set_incident_watcher({});
  for (size_t i = 0; i < config::incidents_pending_max + 5; ++i)
    ctx.report(incident{"/d" + std::to_string(i), "x", ""});
  seen.clear();
  ctx.set_incident_watcher([&](const incident& x) { seen.push_back(x.path + " " + x.severity); });
  ASSERT_EQ(seen.size(), config::incidents_pending_max) << "bounded: the oldest go first";
  EXPECT_EQ(seen.front(), "/d5 error");
}
