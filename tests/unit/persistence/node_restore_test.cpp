// A node on a SQLite database: actors come back with their state after a
// crash, and a node started again on the same database resumes every one.
#include <chrono>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/wait.hpp"

#include "config/loader.hpp"
#include "persistence/kinds.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/sqlite_store.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node.hpp"
#include "temp_dir.hpp"

using namespace std::chrono_literals;
using namespace tfarm;
using tfarm::test::eventually;

namespace {

uint64_t beats(runtime::node& n, const std::string& path) {
  auto entry = n.context().registry().find(path);
  if (!entry)
    return 0;
  auto j = nlohmann::json::parse(entry->snapshot().state_json, nullptr, false);
  return j.is_object() && j.contains("beats") ? j["beats"].get<uint64_t>() : 0;
}

// Heartbeats beat every `interval`.
std::unique_ptr<runtime::node> start_node(const std::string& db,
                                          const std::string& interval = "5ms") {
  auto text = std::string{R"(
[node]
name = "persist"
[[user]]
name = "u"
  [[user.agent]]
  id = "a"
  kind = "heartbeat"
    params = { interval = "INTERVAL" }
  [[user.agent]]
  id = "b"
  kind = "heartbeat"
  params = { interval = "INTERVAL", checkpoint_every = 1000 }
[checkpoints.kind.heartbeat]
every = "20ms"
)"};
  for (auto pos = text.find("INTERVAL"); pos != std::string::npos; pos = text.find("INTERVAL"))
    text.replace(pos, 8, interval);
  auto farm = config::load_farm_text(text, "t.toml");
  EXPECT_TRUE(farm.ok());
  farm.value->store.path = db;
  auto preload = persistence::prepare_database(db, persistence::open_options{});
  EXPECT_TRUE(preload) << runtime::to_text(preload.error());
  runtime::node_options opts;
  opts.farm = *farm.value;
  opts.kinds = runtime::builtin_kinds();
  persistence::add_kinds(opts.kinds);
  opts.store = persistence::sqlite_store_spec(opts.farm);
  opts.preload = std::move(*preload);
  opts.configure = persistence::configure;
  opts.prepare = persistence::audit_incidents;
  auto n = runtime::node::start(std::move(opts));
  EXPECT_TRUE(n) << runtime::to_text(n.error());
  return n ? std::move(*n) : nullptr;
}

} // namespace

TEST(node_restore, a_node_started_again_resumes_every_actor) {
  test::temp_dir dir;
  auto db = dir.file("farm.db");
  uint64_t a_before = 0;
  uint64_t b_before = 0;
  {
    auto n = start_node(db);
    ASSERT_TRUE(n);
    ASSERT_TRUE(
        eventually([&] { return beats(*n, "/user/u/a") >= 10 && beats(*n, "/user/u/b") >= 10; }));
    ASSERT_TRUE(n->stop().clean);
    a_before = beats(*n, "/user/u/a");
    b_before = beats(*n, "/user/u/b");
  }
  // Started again with beats an hour apart: whatever count they show now
  // comes from the database (b saved only on its clean stop).
  auto n = start_node(db, "1h");
  ASSERT_TRUE(n);
  EXPECT_TRUE(eventually([&] { return beats(*n, "/user/u/a") == a_before; }))
      << beats(*n, "/user/u/a") << " vs " << a_before;
  EXPECT_TRUE(eventually([&] { return beats(*n, "/user/u/b") == b_before; }))
      << beats(*n, "/user/u/b") << " vs " << b_before;
  EXPECT_EQ(n->context().registry().find("/user/u/a")->snapshot().restarts, 0u);
  ASSERT_TRUE(n->stop().clean);
  auto findings = persistence::check_database(db);
  ASSERT_TRUE(findings);
  EXPECT_EQ(findings->problems, std::vector<std::string>{});
  auto audit = persistence::read_audit(db, 0, 100);
  ASSERT_TRUE(audit);
}

TEST(node_restore, a_crashed_agent_restores_from_the_database) {
  test::temp_dir dir;
  auto n = start_node(dir.file("farm.db"));
  ASSERT_TRUE(n);
  auto entry = n->context().registry().find("/user/u/a");
  ASSERT_TRUE(
      eventually([&] { return entry->checkpoint_seq() > 0 && beats(*n, "/user/u/a") >= 5; }));
  caf::anon_send(entry->handle(), runtime::crash_request{"test"});
  ASSERT_TRUE(eventually([&] { return entry->restarts() == 1 && entry->alive(); }));
  auto seq = entry->checkpoint_seq();
  EXPECT_GT(seq, 0u) << "restored from a durable checkpoint";
  ASSERT_TRUE(eventually([&] { return beats(*n, "/user/u/a") >= 5; }));
  ASSERT_TRUE(n->stop().clean);
}
