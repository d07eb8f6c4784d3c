// Trading agents end to end on one node: risk gate, vault reservations,
// the exchange session, fills, settlement, the kill switch, restarts.
//
// Markets are quiet (no simulated participants): liquidity comes from bob's
// orders, placed straight through his session, so every fill is the test's.
// The agents run a "script" strategy that places what the test queued.
#include <algorithm>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>

#include "actors/agent/agent_interfaces.hpp"
#include "actors/agent/agent_settings.hpp"
#include "actors/agent/strategy.hpp"
#include "actors/agent/trading_agent.hpp"
#include "runtime/crash_request.hpp"
#include "tests/unit/actors/exchange/exchange_fixture.hpp"

namespace tfarm::test {
namespace {

using actors::side;

// -- the script strategy ----------------------------------------------------------------

struct script_board {
  std::mutex mtx;
  std::map<std::string, std::deque<actors::strategy_order>> orders;
  std::map<std::string, std::deque<std::string>> cancels;
};

script_board& board() {
  static script_board b;
  return b;
}

void queue_order(const std::string& script, side s, int64_t price, int64_t qty,
                 std::string tag = "t", actors::order_type type = actors::order_type::limit) {
  std::lock_guard<std::mutex> guard{board().mtx};
  actors::strategy_order o;
  o.s = s;
  o.type = type;
  o.price = price;
  o.qty = qty;
  o.tag = std::move(tag);
  board().orders[script].push_back(o);
}

void queue_cancel(const std::string& script, const std::string& tag) {
  std::lock_guard<std::mutex> guard{board().mtx};
  board().cancels[script].push_back(tag);
}

/// Places, at each timer beat, whatever the test queued for its script.
class script_strategy : public actors::strategy {
public:
  std::string name() const override { return "script"; }

  caf::error configure(const std::map<std::string, std::string>& params) override {
    if (auto err = actors::only_params(params, {"script"}, "script"))
      return err;
    auto i = params.find("script");
    script_ = i != params.end() ? i->second : "default";
    return {};
  }

  void on_tick(const actors::market_tick&, actors::strategy_context&) override {
    // nop
  }

  void on_timer(actors::strategy_context& ctx) override {
    std::lock_guard<std::mutex> guard{board().mtx};
    auto& cs = board().cancels[script_];
    while (!cs.empty()) {
      ctx.cancel(cs.front());
      cs.pop_front();
    }
    auto& os = board().orders[script_];
    while (!os.empty()) {
      ctx.place(os.front());
      os.pop_front();
    }
  }

  std::string save() const override { return script_; }
  caf::error restore(const std::string&, uint32_t) override { return {}; }

private:
  std::string script_;
};

actors::register_strategy<script_strategy> script_registration{"script"};

// -- fixture ----------------------------------------------------------------------------

const char* agent_test_config = R"(
[[user]]
name = "alice"
  [[user.account]]
  id = "acct1"
  opening_balance = { USD = 1_000_000, BTC = 30 }
  [[user.agent]]
  id = "t1"
  kind = "trading_agent"
  params = { strategy = "script", script = "t1", venue = "sim-a", account = "acct1", symbol = "BTC-USD", timer = "20ms", poll = "300ms", max_open_orders = 3, max_order_notional = 100_000, max_position = 50 }
[[user]]
name = "bob"
  [[user.account]]
  id = "acct2"
  opening_balance = { USD = 1_000_000, BTC = 1_000 }
  [[user.agent]]
  id = "t2"
  kind = "trading_agent"
  params = { strategy = "script", script = "t2", venue = "sim-a", account = "acct2", symbol = "BTC-USD", timer = "20ms", order_rate = "2/min" }
)";

class trading_agent_test : public exchange_fixture {
protected:
  void SetUp() override { start_farm(); }

  void start_farm() {
    start(std::string{exchange_test_config} + agent_test_config);
    ASSERT_FALSE(HasFailure());
    auto err = actors::open_configured_accounts(node_->system(), gateway(), farm_,
                                                std::chrono::seconds{10});
    ASSERT_FALSE(err) << runtime::to_text(err);
    ASSERT_TRUE(eventually([&] {
      auto s = status().state;
      return s == "running" || s == "halted";
    })) << "agent state "
        << status().state;
  }

  void restart_farm() {
    stop();
    start_farm();
  }

  caf::actor agent(const std::string& path = "/user/alice/t1") {
    auto e = node_->context().registry().find(path);
    return e ? e->handle() : caf::actor{};
  }

  actors::agent_status status(const std::string& path = "/user/alice/t1") {
    auto a = agent(path);
    if (!a)
      return {};
    auto x = test::ask<actors::agent_status>(node_->system(),
                                             caf::actor_cast<actors::trading_agent_actor>(a),
                                             actors::agent_status_atom_v);
    return x ? *x : actors::agent_status{};
  }

  caf::expected<actors::risk_states> set_state(actors::trading_level level,
                                               const std::string& target, actors::trading_state s) {
    auto e = node_->context().registry().find(actors::risk_control_path);
    actors::trading_state_change c;
    c.level = level;
    c.target = target;
    c.state = s;
    c.reason = "test";
    c.by = "tester";
    auto x = test::ask<actors::risk_states>(
        node_->system(), caf::actor_cast<actors::risk_control_actor>(e->handle()), c);
    if (!x)
      return x;
    // The change reaches the agent as its own message: wait for it, so
    // that the next order meets the new state.
    auto want = x->for_agent("alice", "/user/alice/t1").effective();
    if (!eventually([&] { return status().trading == want; }))
      ADD_FAILURE() << "the agent did not get trading state " << actors::to_string(want);
    return x;
  }

  static std::pair<int64_t, int64_t> held(int64_t available, int64_t reserved) {
    return {available, reserved};
  }

  /// Holding of acct1 in the store: (available, reserved).
  std::pair<int64_t, int64_t> holding(const std::string& account, const std::string& asset) {
    auto bucket = [&](const char* name) -> int64_t {
      auto q_stmt = reader().prepare("SELECT amount FROM balances WHERE account = ? AND asset = ? "
                                     "AND bucket = ?");
      auto& q = *q_stmt;
      q.bind(1, account);
      q.bind(2, asset);
      q.bind(3, name);
      return q.step() ? q.int64(0) : 0;
    };
    return {bucket("available"), bucket("reserved")};
  }

  /// Signed sum of the agent's fills in the store.
  int64_t position_in_db(const std::string& agent_path = "/user/alice/t1") {
    auto q_stmt = reader().prepare("SELECT COALESCE(SUM(CASE o.side WHEN 'buy' THEN f.qty ELSE "
                                   "-f.qty END), 0) FROM fills f JOIN orders o ON "
                                   "o.client_order_id = f.client_order_id WHERE o.agent = ?");
    auto& q = *q_stmt;
    q.bind(1, agent_path);
    q.step();
    return q.int64(0);
  }

  int64_t open_reservations(const std::string& account) {
    auto q_stmt = reader().prepare(
        "SELECT COUNT(*) FROM vault_reservations WHERE account = ? AND state = 'open'");
    auto& q = *q_stmt;
    q.bind(1, account);
    q.step();
    return q.int64(0);
  }

  int64_t orders_in_db(const std::string& agent_path = "/user/alice/t1") {
    auto q_stmt = reader().prepare("SELECT COUNT(*) FROM orders WHERE agent = ?");
    auto& q = *q_stmt;
    q.bind(1, agent_path);
    q.step();
    return q.int64(0);
  }

  /// Bob rests an order on sim-a (liquidity for the agent).
  void bob_rests(const std::string& id, side s, int64_t price, int64_t qty) {
    auto rep = place("acct2", limit(id, s, price, qty));
    ASSERT_TRUE(rep) << runtime::to_text(rep.error());
  }

  void TearDown() override {
    exchange_fixture::TearDown(); // first: agents' timers take the board's lock
    std::lock_guard<std::mutex> guard{board().mtx};
    board().orders.clear();
    board().cancels.clear();
  }
};

TEST_P(trading_agent_test, a_filled_order_is_settled_and_the_position_is_the_sum_of_fills) {
  bob_rests("bob-1", side::sell, 1'000, 4);
  queue_order("t1", side::buy, 1'000, 4);
  ASSERT_TRUE(eventually([&] {
    auto s = status();
    return s.fills == 1 && s.open_orders == 0;
  }));
  auto s = status();
  EXPECT_EQ(s.position, 4);
  EXPECT_EQ(s.average_price, 1'000);
  EXPECT_EQ(s.orders, 1u);
  // Settled: 4,000 USD (+ the taker fee of 10 bps = 4) went to the venue,
  // 4 BTC came in, the fee allowance went back to available.
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  EXPECT_EQ(holding("acct1", "USD"), held(1'000'000 - 4'000 - 4, 0));
  EXPECT_EQ(holding("acct1", "BTC"), held(34, 0));
  EXPECT_EQ(position_in_db(), 4);
  EXPECT_EQ(s.fees, 4);
  // Selling them back at a better price realizes the difference.
  bob_rests("bob-2", side::buy, 1'100, 10);
  queue_order("t1", side::sell, 0, 4, "out", actors::order_type::market);
  ASSERT_TRUE(eventually([&] { return status().position == 0 && status().open_orders == 0; }));
  s = status();
  // 400 profit less the fees: 4 (4,000 x 10 bps) and 5 (4,400 x 10 bps,
  // rounded up by the venue).
  EXPECT_EQ(s.realized_pnl, 4 * 100 - 4 - 5);
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  EXPECT_EQ(holding("acct1", "BTC").first, 30);
  // Flat again: the realized PnL is exactly what the account gained.
  EXPECT_EQ(holding("acct1", "USD").first, 1'000'000 + s.realized_pnl);
  EXPECT_EQ(position_in_db(), 0);
}

TEST_P(trading_agent_test, each_risk_rule_refuses_with_its_reason) {
  queue_order("t1", side::sell, 100'001, 1, "big"); // notional above 100,000
  queue_order("t1", side::buy, 10, 1, "a");
  queue_order("t1", side::buy, 10, 1, "b");
  queue_order("t1", side::buy, 10, 1, "c");
  queue_order("t1", side::buy, 10, 1, "d"); // a 4th open order
  ASSERT_TRUE(eventually([&] { return status().rejected == 2; }));
  auto s = status();
  EXPECT_EQ(s.rejections["open_orders"], 1u);
  EXPECT_EQ(s.rejections["order_notional"], 1u);
  EXPECT_EQ(s.open_orders, 3);
  queue_cancel("t1", "");
  ASSERT_TRUE(eventually([&] { return status().open_orders == 0; }));
  queue_order("t1", side::sell, 100, 51, "pos"); // |position| would pass 50
  ASSERT_TRUE(eventually([&] { return status().rejections["position_limit"] == 1u; }));
  EXPECT_NE(status().last_rejection.find("position_limit: "), std::string::npos)
      << status().last_rejection;
  // ORDER_RATE_LIMIT (bob's agent: 2 per minute): the third order is
  // paced (held back), not refused: no refusal, no error, still healthy.
  for (int i = 0; i < 3; ++i)
    queue_order("t2", side::buy, 10, 1, "r" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return status("/user/bob/t2").paced == 1; }));
  auto t2 = status("/user/bob/t2");
  EXPECT_EQ(t2.rejected, 0u);
  EXPECT_EQ(t2.rejections.count("order_rate"), 0u);
  EXPECT_EQ(t2.open_orders, 2);
  EXPECT_EQ(t2.errors_per_min, 0u);
  // Refused or cancelled orders leave nothing reserved.
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  EXPECT_EQ(holding("acct1", "USD"), held(1'000'000, 0));
}

TEST_P(trading_agent_test, once_the_node_is_stopping_no_order_is_reserved_or_placed) {
  ASSERT_TRUE(eventually([&] { return status().state == "running"; }));
  node_->context().begin_stop();
  queue_order("t1", side::buy, 10, 1, "late");
  ASSERT_TRUE(eventually([&] { return status().rejections["stopping"] == 1u; }));
  EXPECT_EQ(status().orders, 0u);
  EXPECT_EQ(open_reservations("acct1"), 0);
}

// A strategy's own state (every tick moves its averages) is checkpointed at
// most every agent_strategy_checkpoint_ms, not at every beat: a checkpoint
// a second for each of 10,000 agents kept such a node from starting
// (tfarm_bench farm_scale). Orders still are at the next beat.
TEST_P(trading_agent_test, a_strategy_alone_is_checkpointed_at_most_every_ten_seconds) {
  auto entry = node_->context().registry().find("/user/alice/t1");
  ASSERT_TRUE(entry);
  ASSERT_TRUE(eventually([&] { return entry->checkpoint_seq() >= 1; })) << "its start's";
  // Ten beats of 20 ms, each running the strategy, without a checkpoint
  // (the start's may still land in the first window: three windows tried).
  auto quiet = false;
  for (int window = 0; window < 3 && !quiet; ++window) {
    auto seq = entry->checkpoint_seq();
    auto from = status().heartbeat_ms;
    ASSERT_TRUE(eventually([&] { return status().heartbeat_ms >= from + 200; }));
    quiet = entry->checkpoint_seq() == seq;
  }
  EXPECT_TRUE(quiet) << "checkpointed at every beat";
  // The node's clock 10 s on: the next beat saves the strategy.
  auto seq = entry->checkpoint_seq();
  advance_clock(std::chrono::milliseconds{actors::agent_strategy_checkpoint_ms});
  EXPECT_TRUE(eventually([&] { return entry->checkpoint_seq() > seq; }));
  // An order is saved at the next beat, whenever the last save was.
  seq = entry->checkpoint_seq();
  queue_order("t1", side::buy, 10, 1, "rest");
  EXPECT_TRUE(eventually([&] { return entry->checkpoint_seq() > seq; }));
}

TEST_P(trading_agent_test, the_vault_refuses_what_the_account_cannot_pay_and_nothing_is_sent) {
  // alice holds 30 BTC: selling 40 passes the gate (max position 50) but
  // not the vault.
  queue_order("t1", side::sell, 100, 40, "x");
  ASSERT_TRUE(eventually([&] { return status().rejected == 1; }));
  auto s = status();
  EXPECT_EQ(s.rejections["insufficient_funds"], 1u);
  EXPECT_EQ(s.orders, 0u);
  EXPECT_EQ(orders_in_db(), 0);
  EXPECT_EQ(open_reservations("acct1"), 0);
  EXPECT_EQ(holding("acct1", "BTC"), held(30, 0));
}

TEST_P(trading_agent_test, the_kill_switch_works_at_each_level) {
  queue_order("t1", side::buy, 10, 2, "rest");
  // Working at the venue (not only reserved) when the switch is thrown.
  ASSERT_TRUE(eventually([&] { return status().orders == 1 && orders_in_db() == 1; }));
  // Farm-wide HALTED: working orders are cancelled, new ones refused.
  ASSERT_TRUE(set_state(actors::trading_level::farm, "", actors::trading_state::halted));
  ASSERT_TRUE(eventually([&] { return status().open_orders == 0; }));
  EXPECT_EQ(status().state, "halted");
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  queue_order("t1", side::buy, 10, 1, "x");
  ASSERT_TRUE(eventually([&] { return status().rejections["halted"] == 1u; }));
  // User level.
  ASSERT_TRUE(set_state(actors::trading_level::farm, "", actors::trading_state::active));
  ASSERT_TRUE(set_state(actors::trading_level::user, "alice", actors::trading_state::halted));
  queue_order("t1", side::buy, 10, 1, "x");
  ASSERT_TRUE(eventually([&] { return status().rejections["halted"] == 2u; }));
  // REDUCING: flat, so a buy would add exposure.
  ASSERT_TRUE(set_state(actors::trading_level::user, "alice", actors::trading_state::reducing));
  queue_order("t1", side::buy, 10, 1, "x");
  ASSERT_TRUE(eventually([&] { return status().rejections["reducing"] == 1u; }));
  // Agent level.
  ASSERT_TRUE(set_state(actors::trading_level::user, "alice", actors::trading_state::active));
  ASSERT_TRUE(
      set_state(actors::trading_level::agent, "/user/alice/t1", actors::trading_state::halted));
  queue_order("t1", side::buy, 10, 1, "x");
  ASSERT_TRUE(eventually([&] { return status().rejections["halted"] == 3u; }));
  ASSERT_TRUE(
      set_state(actors::trading_level::agent, "/user/alice/t1", actors::trading_state::active));
  queue_order("t1", side::buy, 10, 1, "x");
  ASSERT_TRUE(eventually([&] { return status().open_orders == 1; }));
  EXPECT_EQ(status().state, "running");
  // A bad request changes nothing.
  EXPECT_FALSE(set_state(static_cast<actors::trading_level>(7), "", actors::trading_state::halted));
}

TEST_P(trading_agent_test, a_session_s_restraint_makes_an_agent_reducing_and_never_loosens_a_halt) {
  auto e = node_->context().registry().find(actors::agent_restrainer_path);
  ASSERT_TRUE(e);
  auto restrainer = caf::actor_cast<actors::agent_restrainer_actor>(e->handle());
  auto restrain = [&](const std::string& agent) {
    return test::ask<bool>(node_->system(), restrainer,
                           actors::agent_restraint{agent, "exchange.fill_refused: test"});
  };
  auto r = restrain("/user/alice/t1");
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  ASSERT_TRUE(eventually([&] { return status().trading == actors::trading_state::reducing; }));
  // Halted by an operator: a later restraint leaves it halted.
  ASSERT_TRUE(
      set_state(actors::trading_level::agent, "/user/alice/t1", actors::trading_state::halted));
  ASSERT_TRUE(restrain("/user/alice/t1"));
  auto states = test::ask<actors::risk_states>(
      node_->system(), caf::actor_cast<actors::risk_control_actor>(e->handle()),
      actors::risk_states_atom_v);
  ASSERT_TRUE(states);
  EXPECT_EQ(states->agents.at("/user/alice/t1"), actors::trading_state::halted);
  // A restraint that names no agent is refused.
  EXPECT_FALSE(restrain(""));
}

TEST_P(trading_agent_test, a_restarted_risk_control_still_reaches_the_agents) {
  auto risk = node_->context().registry().find(actors::risk_control_path);
  ASSERT_TRUE(risk);
  auto before = risk->handle();
  caf::anon_send(before, runtime::crash_request{"test: risk control crash"});
  ASSERT_TRUE(eventually([&] {
    auto now = node_->context().registry().find(actors::risk_control_path)->handle();
    return now && now != before;
  }));
  // set_state waits until the agent reports the new trading state; the
  // agent, restarted after /risk (rest_for_one), may still be starting
  // (loading its book) and shows it halted once it runs.
  ASSERT_TRUE(set_state(actors::trading_level::farm, "", actors::trading_state::halted));
  EXPECT_TRUE(eventually([&] { return status().state == "halted"; })) << status().state;
}

TEST_P(trading_agent_test, a_halt_survives_a_restart_of_the_node) {
  ASSERT_TRUE(set_state(actors::trading_level::user, "alice", actors::trading_state::halted));
  restart_farm();
  ASSERT_TRUE(eventually([&] { return status().state == "halted"; }));
  queue_order("t1", side::buy, 10, 1, "x");
  ASSERT_TRUE(eventually([&] { return status().rejections["halted"] == 1u; }));
  auto q_stmt = reader().prepare("SELECT COUNT(*) FROM audit_logs WHERE action LIKE "
                                 "'risk.trading_state.%' AND \"user\" = 'tester'");
  auto& q = *q_stmt;
  q.step();
  EXPECT_EQ(q.int64(0), 1);
}

TEST_P(trading_agent_test,
       an_agent_crashed_with_an_order_in_flight_adopts_it_and_places_no_duplicate) {
  // The venue takes the order but its answer is lost: the order is in
  // flight (unknown) when the agent crashes.
  actors::venue_faults f;
  f.drop_next = 1;
  set_faults("sim-a", f);
  queue_order("t1", side::buy, 1'000, 3, "rest");
  ASSERT_TRUE(eventually([&] { return status().orders == 1; }));
  auto before = status();
  caf::anon_send(agent(), runtime::crash_request{"test: crash with an order in flight"});
  ASSERT_TRUE(eventually([&] {
    auto s = status();
    return s.epoch == before.epoch + 1 && s.state == "running";
  }));
  auto s = status();
  EXPECT_EQ(s.orders, 1u);
  EXPECT_EQ(s.open_orders, 1);
  EXPECT_EQ(orders_in_db(), 1); // no second order
  // The adopted order still fills, and its fills reach the new incarnation.
  bob_rests("bob-1", side::sell, 1'000, 3);
  ASSERT_TRUE(eventually([&] { return status().position == 3 && status().open_orders == 0; }));
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  EXPECT_EQ(holding("acct1", "BTC"), held(33, 0));
  // The agent was the maker: 5 bps of 3,000, rounded up.
  EXPECT_EQ(status().fees, 2);
  EXPECT_EQ(holding("acct1", "USD"), held(1'000'000 - 3'000 - 2, 0));
  EXPECT_EQ(orders_in_db(), 1);
  auto sid = status().orders;
  // The next order gets a new epoch's id: no id is used twice.
  queue_order("t1", side::buy, 10, 1, "next");
  ASSERT_TRUE(eventually([&] { return status().orders == sid + 1; }));
  ASSERT_TRUE(eventually([&] { return orders_in_db() == 2; }));
}

TEST_P(trading_agent_test, a_restarted_node_resumes_position_orders_and_sequence) {
  bob_rests("bob-1", side::sell, 1'000, 2);
  queue_order("t1", side::buy, 1'000, 2, "in");
  queue_order("t1", side::buy, 10, 1, "rest");
  // Both sent (an order counts as open from the moment its money is being
  // reserved, as sent only once it was handed to the session).
  ASSERT_TRUE(eventually([&] {
    auto s = status();
    return s.position == 2 && s.open_orders == 1 && s.orders == 2;
  }));
  auto before = status();
  restart_farm();
  auto after = status();
  EXPECT_EQ(after.position, 2);
  EXPECT_EQ(after.average_price, 1'000);
  EXPECT_EQ(after.orders, before.orders);
  EXPECT_EQ(after.epoch, before.epoch + 1);
  // The simulated venue restarted with the node and forgot the order: it is
  // closed and its reservation released, not left orphaned.
  ASSERT_TRUE(eventually([&] { return status().open_orders == 0; }, std::chrono::seconds{10}));
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  EXPECT_EQ(position_in_db(), 2);
}

TEST_P(trading_agent_test, a_lost_checkpoint_never_makes_an_order_id_come_back) {
  queue_order("t1", side::buy, 10, 1, "a");
  // Its record is written with its reservation (cancelled before it left,
  // it would be closed, not removed): its id is in the store either way.
  ASSERT_TRUE(eventually([&] { return orders_in_db() == 1 && status().open_orders == 1; }));
  queue_cancel("t1", "");
  ASSERT_TRUE(eventually([&] { return status().open_orders == 0; }));
  stop();
  { write_directly("DELETE FROM checkpoints WHERE path = '/user/alice/t1'"); }
  start_farm();
  EXPECT_GE(status().epoch, 2u); // from the store's newest id, not from 0
  queue_order("t1", side::buy, 10, 1, "b");
  ASSERT_TRUE(eventually([&] { return orders_in_db() == 2; }));
  EXPECT_EQ(status().open_orders, 1);
  EXPECT_EQ(status().rejected, 0u);
}

TEST_P(trading_agent_test, the_eleventh_agent_of_a_user_is_refused_naming_the_limit) {
  auto e = node_->context().registry().find("/user/alice");
  ASSERT_TRUE(e);
  auto sup = caf::actor_cast<runtime::supervisor_actor>(e->handle());
  for (int i = 2; i <= 10; ++i) {
    runtime::child_spec c;
    c.id = "hb-" + std::to_string(i);
    c.kind = "heartbeat";
    c.params["interval"] = "1h";
    auto x = test::ask<caf::actor>(node_->system(), sup, runtime::start_child_atom_v, c);
    ASSERT_TRUE(x) << runtime::to_text(x.error());
  }
  runtime::child_spec c;
  c.id = "hb-11";
  c.kind = "heartbeat";
  auto x = test::ask<caf::actor>(node_->system(), sup, runtime::start_child_atom_v, c);
  ASSERT_FALSE(x);
  EXPECT_NE(runtime::to_text(x.error()).find("MAX_AGENTS_PER_USER) is 10"), std::string::npos)
      << runtime::to_text(x.error());
}

// -- parameters ---------------------------------------------------------------------------

std::string check_prefix() {
  return std::string{exchange_test_config} + "\n[vault]\nassets = [\"USD\", \"BTC\"]\n";
}

std::vector<config::diagnostic> check_text(const std::string& text) {
  config::check_options opts;
  opts.validate_agent = actors::validate_agent;
  return config::load_farm_text(check_prefix() + text, "farm.toml", ".", opts).diagnostics;
}

/// 1-based line of the first `what` in the checked text.
uint32_t line_of(const std::string& text, const std::string& what) {
  auto full = check_prefix() + text;
  auto at = full.find(what);
  return static_cast<uint32_t>(std::count(full.begin(), full.begin() + at, '\n') + 1);
}

TEST(trading_agent_params, config_check_names_the_parameter_and_its_position) {
  auto base = std::string{R"(
[[user]]
name = "alice"
  [[user.account]]
  id = "acct1"
  [[user.agent]]
  id = "t1"
  kind = "trading_agent"
)"};
  auto ok = check_text(
      base +
      R"(  params = { strategy = "sma_crossover", venue = "sim-a", account = "acct1", symbol = "BTC-USD", fast = 3, slow = 9 })");
  EXPECT_TRUE(ok.empty()) << (ok.empty() ? "" : to_string(ok[0]));
  auto bad = check_text(
      base +
      R"(  params = { strategy = "sma_crossover", venue = "sim-a", account = "acct1", symbol = "BTC-USD", fast = 0 })");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].line, line_of(base + "  params", "  params"));
  EXPECT_NE(bad[0].message.find("'fast'"), std::string::npos) << bad[0].message;
  auto typo = check_text(
      base +
      R"(  params = { strategy = "sma_crossovr", venue = "sim-a", account = "acct1", symbol = "BTC-USD" })");
  ASSERT_EQ(typo.size(), 1u);
  EXPECT_NE(typo[0].message.find("did you mean 'sma_crossover'"), std::string::npos)
      << typo[0].message;
  auto elsewhere = check_text(
      base +
      R"(  params = { strategy = "market_maker", venue = "sim-b", account = "acct1", symbol = "ETH-USD" })");
  ASSERT_GE(elsewhere.size(), 2u);
  std::string all;
  for (auto& d : elsewhere)
    all += d.message + "\n";
  EXPECT_NE(all.find("does not trade ETH-USD"), std::string::npos) << all;
  EXPECT_NE(all.find("no [[exchange.session]] connects account 'acct1' to venue sim-b"),
            std::string::npos)
      << all;
  auto missing = check_text(base + R"(  params = { strategy = "market_maker" })");
  ASSERT_GE(missing.size(), 3u);
  EXPECT_EQ(missing[0].line, line_of(base, "[[user.agent]]")) << to_string(missing[0]);
}

TEST(trading_agent_params, order_ids_fit_the_limit_whatever_the_names) {
  EXPECT_EQ(actors::order_id_prefix("alice", "mm-1"), "alice:mm-1:");
  auto long_one = actors::order_id_prefix(std::string(64, 'u'), std::string(64, 'a'));
  EXPECT_LE(long_one.size() + 30, config::client_order_id_chars_max);
  EXPECT_NE(long_one, actors::order_id_prefix(std::string(64, 'u'), std::string(63, 'a')));
}

} // namespace
} // namespace tfarm::test

// -- stopping, retiring, durable agents ---------------------------------------------------

namespace tfarm::test {
namespace {

class trading_agent_lifecycle_test : public trading_agent_test {
protected:
  runtime::supervisor_actor user_supervisor(const std::string& user = "alice") {
    auto e = node_->context().registry().find("/user/" + user);
    return caf::actor_cast<runtime::supervisor_actor>(e ? e->handle() : caf::actor{});
  }

  /// An agent as an operator starts it (durable), trading for acct1.
  void start_durable(const std::string& id) {
    runtime::child_spec s;
    s.id = id;
    s.kind = "trading_agent";
    s.params = {{"strategy", "script"}, {"script", id},          {"venue", "sim-a"},
                {"account", "acct1"},   {"symbol", "BTC-USD"},   {"timer", "20ms"},
                {"poll", "300ms"},      {"max_open_orders", "3"}};
    s.durable = true;
    auto started =
        test::ask<caf::actor>(node_->system(), user_supervisor(), runtime::start_child_atom_v, s);
    ASSERT_TRUE(started) << runtime::to_text(started.error());
    ASSERT_TRUE(eventually([&] { return status("/user/alice/" + id).state == "running"; }));
  }

  /// Orders of the agent resting at the venue by the record.
  int64_t resting_in_db(const std::string& agent_path) {
    return count_rows("SELECT COUNT(*) FROM orders WHERE agent = '" + agent_path +
                      "' AND status = 'open'");
  }

  int64_t working_in_db(const std::string& agent_path) {
    return count_rows("SELECT COUNT(*) FROM orders WHERE agent = '" + agent_path +
                      "' AND status NOT IN ('filled', 'cancelled', 'rejected')");
  }

  /// A durable agent `id` with one order resting at the venue by the record.
  void durable_with_resting_order(const std::string& id, int64_t qty) {
    start_durable(id);
    queue_order(id, side::buy, 10, qty, "rest");
    ASSERT_TRUE(eventually([&] { return resting_in_db("/user/alice/" + id) == 1; }));
  }

  caf::expected<actors::agent_status> retire(const std::string& path) {
    return test::ask<actors::agent_status>(
        node_->system(), caf::actor_cast<actors::trading_agent_actor>(agent(path)),
        actors::agent_retire_atom_v);
  }
};

TEST_P(trading_agent_lifecycle_test, a_clean_stop_cancels_working_orders_and_releases_their_money) {
  queue_order("t1", side::buy, 10, 1, "rest");
  ASSERT_TRUE(eventually([&] { return resting_in_db("/user/alice/t1") == 1; }));
  ASSERT_EQ(open_reservations("acct1"), 1);
  stop();
  EXPECT_EQ(working_in_db("/user/alice/t1"), 0) << "cancelled before the node went";
  EXPECT_EQ(open_reservations("acct1"), 0) << "its money released";
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM orders WHERE agent = '/user/alice/t1' AND "
                       "status = 'cancelled'"),
            1);
}

TEST_P(trading_agent_lifecycle_test, an_agent_started_at_run_time_comes_back_after_restarts) {
  durable_with_resting_order("t3", 1);
  // Its supervisor restarts: it comes back (with its order adopted).
  caf::anon_send(caf::actor_cast<caf::actor>(user_supervisor()),
                 runtime::crash_request{"test: the user's supervisor fails"});
  ASSERT_TRUE(eventually([&] {
    auto s = status("/user/alice/t3");
    return s.state == "running" && s.epoch == 2;
  }));
  EXPECT_EQ(status("/user/alice/t3").open_orders, 1);
  // So does the node.
  restart_farm();
  ASSERT_TRUE(eventually([&] { return status("/user/alice/t3").state == "running"; }));
  EXPECT_EQ(status("/user/alice/t3").epoch, 3u);
}

TEST_P(trading_agent_lifecycle_test, a_retired_agent_leaves_only_once_its_orders_are_finished) {
  durable_with_resting_order("t3", 2);
  // The venue is away: the cancel cannot go through, so the agent stays.
  actors::venue_faults down;
  down.disconnected = true;
  set_faults("sim-a", down);
  auto r = retire("/user/alice/t3");
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  EXPECT_EQ(r->state, "retiring");
  EXPECT_EQ(r->open_orders, 1);
  queue_order("t3", side::buy, 10, 1, "more");
  EXPECT_FALSE(eventually([&] { return !agent("/user/alice/t3"); }, std::chrono::milliseconds{300}))
      << "it left with an order working";
  EXPECT_EQ(status("/user/alice/t3").state, "retiring");
  // The venue is back: the cancel goes through, and the agent leaves.
  set_faults("sim-a", actors::venue_faults{});
  ASSERT_TRUE(eventually([&] { return !agent("/user/alice/t3"); }));
  EXPECT_EQ(working_in_db("/user/alice/t3"), 0);
  EXPECT_EQ(orders_in_db("/user/alice/t3"), 1) << "no new order while retiring";
  EXPECT_EQ(open_reservations("acct1"), 0);
  // Gone for good: not back after the node restarts.
  restart_farm();
  EXPECT_FALSE(eventually([&] { return static_cast<bool>(agent("/user/alice/t3")); },
                          std::chrono::milliseconds{300}));
}

TEST_P(trading_agent_lifecycle_test, a_retirement_interrupted_by_a_restart_goes_on) {
  durable_with_resting_order("t3", 2);
  // The venue stops answering: the cancel cannot finish before the node stops.
  actors::venue_faults down;
  down.disconnected = true;
  set_faults("sim-a", down);
  set_faults("sim-b", down);
  ASSERT_TRUE(retire("/user/alice/t3"));
  restart_farm();
  // Back retiring (durably), it finishes what is left, then leaves.
  ASSERT_TRUE(eventually([&] { return !agent("/user/alice/t3"); }, std::chrono::seconds{15}));
  EXPECT_EQ(working_in_db("/user/alice/t3"), 0);
  EXPECT_EQ(open_reservations("acct1"), 0);
}

} // namespace
} // namespace tfarm::test

namespace tfarm::test {
namespace {

TEST_P(trading_agent_lifecycle_test, a_fill_reported_differently_than_recorded_is_an_incident) {
  queue_order("t1", side::buy, 1'000, 2, "rest");
  ASSERT_TRUE(eventually([&] { return resting_in_db("/user/alice/t1") == 1; }));
  auto coid = text_of("SELECT client_order_id FROM orders WHERE agent = '/user/alice/t1'");
  // The record already holds the maker fill the venue will report next
  // (its first trade of this epoch), with another fee: a venue that sends
  // one fill id twice with different content.
  auto venue_entry = node_->context().registry().find(actors::venue_path("sim-a"));
  ASSERT_TRUE(venue_entry);
  auto epoch =
      nlohmann::json::parse(venue_entry->snapshot().state_json).at("epoch").get<uint64_t>();
  {
    write_directly("INSERT INTO fills (venue, client_order_id, venue_fill_id, price, qty, fee, ts) "
                   "VALUES ('sim-a', '" +
                   coid + "', '" + std::to_string(epoch) + ".1:m', 1000, 2, 999, 1)");
  }
  bob_rests("bob-1", side::sell, 1'000, 2);
  // Refused by the store, named in a critical alert; the agent goes REDUCING.
  EXPECT_TRUE(eventually([&] {
    return count_rows("SELECT COUNT(*) FROM alerts WHERE severity = 'critical' AND rule LIKE "
                      "'incident:%:exchange.fill_refused'") >= 1;
  }));
  EXPECT_TRUE(eventually([&] { return status().trading == actors::trading_state::reducing; }));
  EXPECT_EQ(count_rows("SELECT fee FROM fills WHERE client_order_id = '" + coid + "'"), 999)
      << "the first record stands";
}

} // namespace
} // namespace tfarm::test

namespace tfarm::test {
namespace {

// Every kind of bad fill a venue (or an impostor) can report about a
// resting buy of 4 at 1,000: each is refused where it arrives, nothing is
// recorded or credited, the agent goes REDUCING, and `tfarm db check` finds
// the database clean.
TEST_P(trading_agent_lifecycle_test, a_bad_fill_is_refused_and_moves_no_money) {
  queue_order("t1", side::buy, 1'000, 4, "rest");
  ASSERT_TRUE(eventually([&] { return resting_in_db("/user/alice/t1") == 1; }));
  auto coid = text_of("SELECT client_order_id FROM orders WHERE agent = '/user/alice/t1'");
  auto usd = holding("acct1", "USD");
  auto btc = holding("acct1", "BTC");
  auto refusals = [&] {
    return count_rows("SELECT COUNT(*) FROM alerts WHERE rule LIKE "
                      "'incident:%:exchange.fill_refused' OR rule LIKE "
                      "'incident:%:exchange.report_refused' OR rule LIKE "
                      "'incident:%:agent.report_refused'");
  };
  auto report = [&](const std::string& order, int64_t price, int64_t qty, int64_t fee,
                    const std::string& fill_id) {
    actors::order_report r;
    r.client_order_id = order;
    r.state = actors::order_state::open; // what the record keeps: no fill is booked
    r.qty = 4;
    actors::venue_fill f;
    f.fill_id = fill_id;
    f.client_order_id = order;
    f.s = side::buy;
    f.symbol = "BTC-USD";
    f.price = price;
    f.qty = qty;
    f.fee = fee;
    r.fills.push_back(f);
    return r;
  };
  struct bad {
    const char* what;
    actors::order_report rep;
    caf::actor from;
    caf::actor to;
  };
  auto sim_a = caf::actor_cast<caf::actor>(venue("sim-a"));
  auto sim_b = caf::actor_cast<caf::actor>(venue("sim-b"));
  auto to_session = caf::actor_cast<caf::actor>(session("acct1"));
  caf::scoped_actor intruder{node_->system()};
  std::vector<bad> bads{
      {"price zero", report(coid, 0, 1, 0, "b1"), sim_a, to_session},
      {"negative quantity", report(coid, 1'000, -1, 0, "b2"), sim_a, to_session},
      {"above the limit", report(coid, 1'001, 1, 0, "b3"), sim_a, to_session},
      {"over-fill", report(coid, 1'000, 5, 0, "b4"), sim_a, to_session},
      {"overflow", report(coid, INT64_MAX / 2, 4, 0, "b5"), sim_a, to_session},
      {"fee above value", report(coid, 1'000, 1, 1'001, "b6"), sim_a, to_session},
      {"unknown order", report("alice-t1-nope.1", 1'000, 1, 0, "b7"), sim_a, to_session},
      {"another venue", report(coid, 1'000, 1, 0, "b8"), sim_b, to_session},
      {"not a venue", report(coid, 1'000, 1, 0, "b9"), intruder, to_session},
      {"straight to the agent", report(coid, 1'000, 1, 0, "b10"), intruder, agent()},
  };
  int64_t expected = 0;
  for (auto& b : bads) {
    SCOPED_TRACE(b.what);
    caf::send_as(b.from, b.to, actors::order_update_atom_v, b.rep);
    if (std::string{b.what} != "unknown order") {
      ++expected;
      EXPECT_TRUE(eventually([&] { return refusals() == expected; })) << refusals();
    }
  }
  // Refused means: nothing recorded, nothing booked, nothing credited.
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM fills"), 0);
  EXPECT_EQ(status().fills, 0u);
  EXPECT_EQ(status().position, 0);
  EXPECT_EQ(holding("acct1", "USD"), usd);
  EXPECT_EQ(holding("acct1", "BTC"), btc);
  EXPECT_EQ(order_status_in_db(coid), "open");
  EXPECT_TRUE(eventually([&] { return status().trading == actors::trading_state::reducing; }));
  auto findings = persistence::check_database(db_);
  ASSERT_TRUE(findings) << runtime::to_text(findings.error());
  EXPECT_TRUE(findings->problems.empty()) << findings->problems.front();
  // The real fill still books.
  bob_rests("bob-1", side::sell, 1'000, 4);
  EXPECT_TRUE(eventually([&] { return status().position == 4; }));
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  EXPECT_EQ(holding("acct1", "BTC"), held(btc.first + 4, 0));
}

// A venue's answer to a cancel can overtake its report of the fill that
// came first (latency with jitter): the agent hears "done, 4 filled" with no
// fill yet. The fill must still find its money reserved: the reservation
// goes only once the fills the status counts are settled.
TEST_P(trading_agent_lifecycle_test, a_final_status_ahead_of_its_fill_keeps_the_money_for_it) {
  auto usd = holding("acct1", "USD").first;
  queue_order("t1", side::buy, 1'000, 4, "rest");
  ASSERT_TRUE(eventually([&] { return resting_in_db("/user/alice/t1") == 1; }));
  auto coid = text_of("SELECT client_order_id FROM orders WHERE agent = '/user/alice/t1'");
  actors::order_report done;
  done.client_order_id = coid;
  done.venue = "sim-a";
  done.state = actors::order_state::filled;
  done.qty = 4;
  done.filled = 4;
  caf::send_as(caf::actor_cast<caf::actor>(session("acct1")), agent(), actors::order_update_atom_v,
               done);
  // The fill the status counted, reported after it.
  bob_rests("bob-1", side::sell, 1'000, 4);
  ASSERT_TRUE(eventually([&] { return status().position == 4 && status().open_orders == 0; }));
  ASSERT_TRUE(eventually([&] { return open_reservations("acct1") == 0; }));
  // Paid from the reservation (4,000 and the maker's fee), and no release
  // before the settlement. (bob's side has no agent to settle it.)
  auto fee = count_rows("SELECT fee FROM fills WHERE client_order_id = '" + coid + "'");
  EXPECT_EQ(holding("acct1", "USD"), held(usd - 4'000 - fee, 0));
  auto findings = persistence::check_database(db_);
  ASSERT_TRUE(findings) << runtime::to_text(findings.error());
  for (auto& p : findings->problems)
    EXPECT_EQ(p.find(coid), std::string::npos) << p;
}

// A session's record of a fill can be lost while the agent books it (the
// store away, then the member that ran the session stopped, and a restarted
// venue forgot the order: chaos seed 12 found a settlement whose fill the
// record never got). The agent's settlement records the fill with its money.
TEST_P(trading_agent_lifecycle_test, a_fill_its_session_never_recorded_is_recorded_with_its_money) {
  queue_order("t1", side::buy, 1'000, 4, "rest");
  ASSERT_TRUE(eventually([&] { return resting_in_db("/user/alice/t1") == 1; }));
  auto coid = text_of("SELECT client_order_id FROM orders WHERE agent = '/user/alice/t1'");
  actors::order_report rep;
  rep.client_order_id = coid;
  rep.venue = "sim-a";
  rep.state = actors::order_state::partially_filled;
  rep.qty = 4;
  rep.filled = 1;
  actors::venue_fill f;
  f.fill_id = "lost-1";
  f.client_order_id = coid;
  f.s = side::buy;
  f.symbol = "BTC-USD";
  f.price = 1'000;
  f.qty = 1;
  f.ts_ms = 1;
  rep.fills.push_back(f);
  // As the session reports it; the session itself records nothing of it.
  caf::send_as(caf::actor_cast<caf::actor>(session("acct1")), agent(), actors::order_update_atom_v,
               rep);
  ASSERT_TRUE(eventually([&] {
    return count_rows("SELECT COUNT(*) FROM vault_operations WHERE op = 'settle' AND outcome = "
                      "'applied' AND key LIKE '%lost-1'") == 1;
  }));
  EXPECT_EQ(count_rows("SELECT COUNT(*) FROM fills WHERE venue_fill_id = 'lost-1' AND venue = "
                       "'sim-a' AND client_order_id = '" +
                       coid + "' AND qty = 1 AND price = 1000"),
            1);
  auto findings = persistence::check_database(db_);
  ASSERT_TRUE(findings) << runtime::to_text(findings.error());
  for (auto& p : findings->problems)
    EXPECT_EQ(p.find("settlement_without_fill"), std::string::npos) << p;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, trading_agent_lifecycle_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

INSTANTIATE_TEST_SUITE_P(backends, trading_agent_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

} // namespace tfarm::test
