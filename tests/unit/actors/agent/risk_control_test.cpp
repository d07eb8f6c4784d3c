// The kill switch of a cluster (risk_control with `shared`): two members'
// risk controls on one store, each as a member runs it.
#include "actors/agent/risk_control.hpp"

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "actors/agent/agent_interfaces.hpp"
#include "actors/agent/risk_gate.hpp"
#include "actors/type_ids.hpp"
#include "persistence/farm_switch.hpp"
#include "tests/unit/actors/vault/vault_fixture.hpp"

namespace tfarm {
namespace {

using actors::trading_level;
using actors::trading_state;

class risk_control_shared_test : public test::vault_fixture {
protected:
  /// A member's risk control.
  actors::risk_control_actor start_shared(const std::string& id) {
    return start_beside<actors::risk_control_actor>(
        runtime::spec_with(id, "risk_control", actors::risk_control_params{true}));
  }

  static actors::trading_state_change change(trading_level level, std::string target,
                                             trading_state s) {
    actors::trading_state_change c;
    c.level = level;
    c.target = std::move(target);
    c.state = s;
    c.reason = "test";
    c.by = "tester";
    return c;
  }

  actors::risk_states states(const actors::risk_control_actor& r) {
    auto x = test::ask<actors::risk_states>(node_->system(), r, actors::risk_states_atom_v);
    return x ? *x : actors::risk_states{};
  }

  int64_t switch_rows() {
    auto q = reader().prepare("SELECT COUNT(*) FROM farm_switches WHERE name LIKE 'trading/%'");
    q->step();
    return q->int64(0);
  }

  /// The next trading_states pushed to the test's scoped actor.
  std::optional<actors::trading_states> next_push() {
    std::optional<actors::trading_states> got;
    (*self_)->receive([&](actors::trading_states& x) { got = x; },
                      caf::after(std::chrono::seconds{5}) >> [] {});
    return got;
  }
};

TEST_P(risk_control_shared_test, a_change_on_one_member_holds_on_the_others) {
  auto a = start_shared("risk-a");
  auto b = start_shared("risk-b");
  ASSERT_TRUE(a && b);
  // An agent of alice subscribed on member b (the test's actor stands in).
  auto sub = test::ask<actors::trading_states>(node_->system(), b, actors::risk_subscribe_atom_v,
                                               std::string{"/user/alice/t1"}, std::string{"alice"},
                                               caf::actor_cast<caf::actor>(*self_));
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->effective(), trading_state::active);
  // Halted on member a: durable in the store when answered, then b's.
  auto r = test::ask<actors::risk_states>(
      node_->system(), a, change(trading_level::user, "alice", trading_state::halted));
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  EXPECT_EQ(r->users.at("alice"), trading_state::halted);
  EXPECT_EQ(switch_rows(), 1);
  auto pushed = next_push();
  ASSERT_TRUE(pushed) << "the subscriber on member b heard nothing";
  EXPECT_EQ(pushed->effective(), trading_state::halted);
  EXPECT_EQ(states(b).users.at("alice"), trading_state::halted);
  // The node's own (unshared) risk control keeps states of its own.
  auto own = node_->context().registry().find(actors::risk_control_path);
  ASSERT_TRUE(own);
  EXPECT_TRUE(states(caf::actor_cast<actors::risk_control_actor>(own->handle())).users.empty());
  // The farm halted on b reaches a; resumed on a, the row goes and b's
  // subscriber hears it.
  ASSERT_TRUE(test::ask<actors::risk_states>(
      node_->system(), b, change(trading_level::farm, "", trading_state::halted)));
  ASSERT_TRUE(test::eventually([&] { return states(a).farm == trading_state::halted; }));
  ASSERT_TRUE(test::ask<actors::risk_states>(
      node_->system(), a, change(trading_level::user, "alice", trading_state::active)));
  ASSERT_TRUE(test::ask<actors::risk_states>(
      node_->system(), a, change(trading_level::farm, "", trading_state::active)));
  EXPECT_EQ(switch_rows(), 0);
  std::optional<actors::trading_states> last;
  ASSERT_TRUE(test::eventually([&] {
    while (auto p = next_push()) {
      last = p;
      if (p->effective() == trading_state::active)
        return true;
    }
    return false;
  }));
  // A bad change is refused with its reason; nothing is written.
  auto bad = test::ask<actors::risk_states>(
      node_->system(), a,
      change(trading_level::agent, std::string(600, 'x'), trading_state::halted));
  ASSERT_FALSE(bad);
  EXPECT_EQ(switch_rows(), 0);
}

TEST_P(risk_control_shared_test, a_member_starting_later_knows_the_halts_before_its_agents_do) {
  auto a = start_shared("risk-a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(test::ask<actors::risk_states>(
      node_->system(), a, change(trading_level::agent, "/user/bob/t2", trading_state::reducing)));
  // The node restarts (every member down): the switches stay in the store.
  restart();
  auto c = start_shared("risk-c");
  ASSERT_TRUE(c);
  auto sub = test::ask<actors::trading_states>(node_->system(), c, actors::risk_subscribe_atom_v,
                                               std::string{"/user/bob/t2"}, std::string{"bob"},
                                               caf::actor_cast<caf::actor>(*self_));
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->effective(), trading_state::reducing);
}

INSTANTIATE_TEST_SUITE_P(backends, risk_control_shared_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

} // namespace
} // namespace tfarm
