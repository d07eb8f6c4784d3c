// What a cluster member starts for each user it claims (placement units,
// taken out of the example cluster farm's tree): the user's agents, its
// accounts' actors and its sessions, nothing of it left in the node's
// static tree, and a vault gateway that never starts an account itself.
#include "net/cluster_member.hpp"

#include <chrono>
#include <functional>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "net/kinds.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node.hpp"
#include "runtime/outage.hpp"
#include "tests/unit/net/test_node.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

namespace tfarm::test {
namespace {

const runtime::child_spec* child(const runtime::child_spec& x, const std::string& id) {
  for (auto& c : x.children)
    if (c.id == id)
      return &c;
  return nullptr;
}

TEST(placement_units, every_users_agents_accounts_and_sessions_move_together) {
  auto farm = config::load_farm_file(std::string{TFARM_SOURCE_DIR} + "/examples/cluster/farm.toml");
  ASSERT_TRUE(farm.value);
  auto opts = net::sqlite_node_options(*farm.value, {});
  auto tree = runtime::default_tree(opts.farm, opts.store);
  opts.extend_tree(opts.farm, tree);
  auto units = net::take_placement_units(opts.farm, tree);

  ASSERT_EQ(units.size(), 6u);
  std::set<std::string> sessions;
  for (auto& [user, unit] : units) {
    EXPECT_EQ(unit.user, user);
    EXPECT_EQ(unit.tree.id, user);
    EXPECT_EQ(unit.tree.kind, "supervisor");
    ASSERT_EQ(unit.tree.children.size(), 1u) << user << ": its one agent";
    EXPECT_EQ(unit.tree.children[0].kind, "trading_agent");
    ASSERT_EQ(unit.accounts.size(), 1u);
    auto account = user + "-main";
    EXPECT_EQ(unit.accounts[0].id, account);
    ASSERT_EQ(unit.account_actors.size(), 1u);
    EXPECT_EQ(unit.account_actors[0].id, account);
    EXPECT_EQ(unit.account_actors[0].kind, "vault_account");
    auto* kind = opts.kinds.find("vault_account");
    ASSERT_NE(kind, nullptr);
    EXPECT_FALSE(kind->check_params(unit.account_actors[0].params))
        << "the account's actor takes the gateway's parameters";
    ASSERT_EQ(unit.sessions.size(), 1u) << user;
    EXPECT_EQ(unit.sessions[0].first, "sim-a");
    EXPECT_EQ(unit.sessions[0].second.id, account);
    EXPECT_EQ(unit.sessions[0].second.kind, "exchange_session");
    sessions.insert(unit.sessions[0].second.id);
  }
  EXPECT_EQ(sessions.size(), 6u);

  // Nothing of a user stays in the static tree: it starts where it is owned.
  auto* users = child(tree, "user");
  ASSERT_NE(users, nullptr);
  EXPECT_TRUE(users->children.empty());
  auto* venue = child(*child(*child(tree, "exchanges"), "sessions"), "sim-a");
  ASSERT_NE(venue, nullptr) << "the venue's supervisor stays, for the sessions to come";
  EXPECT_TRUE(venue->children.empty());
  auto* gateway = child(*child(tree, "vault"), "gateway");
  ASSERT_NE(gateway, nullptr);
  EXPECT_EQ(gateway->params.at("placed"), "true");
}

// A member whose store cannot be reached when it starts (a server
// restarting, a machine too loaded to accept in time) keeps trying for its
// start wait, then fails with the store's reason: it neither exits at the
// first refusal nor waits forever.
TEST(cluster_member, a_start_waits_out_an_unreachable_store_for_a_bounded_time) {
  temp_dir dir;
  auto node = start_test_node("[node]\nname = \"node-1\"\n", dir.file("node.db"));
  ASSERT_TRUE(node);
  net::cluster_member_options m;
  // No server listens on a socket in an empty folder.
  m.db = "postgresql://postgres@/cluster?host=" + dir.path().string() + "&port=1";
  m.name = "node-1";
  m.host = "127.0.0.1";
  m.address = "127.0.0.1:1";
  m.start_wait = std::chrono::milliseconds{600};
  auto began = std::chrono::steady_clock::now();
  auto joined = net::cluster_member::start(*node, m);
  auto waited = std::chrono::steady_clock::now() - began;
  ASSERT_FALSE(joined);
  EXPECT_TRUE(runtime::is_unreachable(joined.error())) << runtime::to_text(joined.error());
  EXPECT_NE(runtime::to_text(joined.error()).find("unreachable"), std::string::npos)
      << runtime::to_text(joined.error());
  EXPECT_GE(waited, m.start_wait);
  EXPECT_LT(waited, std::chrono::seconds{10});
  node->stop();
}

} // namespace
} // namespace tfarm::test
