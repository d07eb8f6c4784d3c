// The console's commands on a running node (the service the inspector runs,
// without the network): token rules and their audit, "did you mean", the
// registry views, kill followed by a restart from the checkpoint, the kill
// switch stopping new orders, policy reload (valid and invalid), agent and
// vault commands with the operator in the audit log.
#include <fstream>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/exchange/error.hpp"
#include "config/limits.hpp"
#include "net/console_service.hpp"
#include "net/error.hpp"
#include "tests/unit/net/test_node.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

using json = nlohmann::json;

constexpr const char* token = "console-admin-token-0123";
constexpr const char* agent_path = "/user/alice/mm-1";

std::string policy_text(int user_intensity, const std::string& strategy = "one_for_one") {
  return "[[supervisor]]\npath = \"/user/*\"\nstrategy = \"" + strategy +
         "\"\nintensity = " + std::to_string(user_intensity) + "\nperiod = \"30s\"\n";
}

// The farm, with its policy file given by absolute path.
std::string farm_text(const std::string& policies) {
  return R"(
[node]
name = "console-1"
policies = [")" +
         policies + R"("]
[vault]
assets = ["USD", "BTC"]
[exchange]
  [[exchange.venue]]
  name = "sim-a"
  symbols = ["BTC-USD"]
  seed = 7
    [exchange.venue.market_data]
    interval = "20ms"
    start_price = 6_000
    volatility_bps = 5
  [[exchange.session]]
  venue = "sim-a"
  account = "alice-main"
[monitor]
interval = "50ms"
[[user]]
name = "alice"
  [[user.account]]
  id = "alice-main"
  opening_balance = { USD = 10_000_000, BTC = 50_000 }
  [[user.agent]]
  id = "mm-1"
  kind = "trading_agent"
  params = { strategy = "market_maker", venue = "sim-a", account = "alice-main", symbol = "BTC-USD", spread_bps = 20, qty = 1, max_inventory = 20, order_rate = "6000/min", max_position = 40, max_open_orders = 4 }
)";
}

class console_service_test : public testing::Test {
protected:
  static void SetUpTestSuite() {
    actors::register_exchange_error_names();
    net::register_net_error_names();
    std::string why;
    config::setup_logging(config::logging_options{"warn", {}}, why);
  }

  void SetUp() override {
    write(dir_.file("policies.toml"), policy_text(5));
    // start_test_node reads the text as if it were db + ".toml": the same
    // file is what `policy reload` reads again.
    farm_file_ = dir_.file("console.db.toml");
    auto text = farm_text(dir_.file("policies.toml"));
    write(farm_file_, text);
    config::farm_config farm;
    node_ = start_test_node(text, dir_.file("console.db"), &farm);
    ASSERT_TRUE(node_);
    net::console_options opts;
    opts.admin_token = token;
    opts.farm_file = farm_file_;
    opts.farm = farm;
    opts.endpoint = "test";
    service_ = std::make_unique<net::console_service>(*node_, opts);
  }

  void TearDown() override {
    service_.reset();
    if (node_)
      node_->stop();
  }

  static void write(const std::string& file, const std::string& text) {
    std::ofstream out{file, std::ios::trunc};
    out << text;
  }

  net::console_reply run(const std::vector<std::string>& args, const std::string& t = token,
                         const std::string& who = "carol@desk") {
    return service_->execute(net::console_request{t, who, args, {}, 0, {}});
  }

  // Runs a command that must succeed; its JSON.
  json ok(const std::vector<std::string>& args) {
    auto r = run(args);
    EXPECT_EQ(r.status, 0) << args.front() << ": " << r.text;
    auto j = json::parse(r.json, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.json;
    return j;
  }

  json agent_state() { return ok({"info", agent_path})["state"]; }

  std::vector<json> audit_rows(const std::string& action) {
    std::vector<json> rows;
    auto log = ok({"audit", "-n", "1000"});
    for (auto& r : log["records"])
      if (r["action"] == action)
        rows.push_back(r);
    return rows;
  }

  temp_dir dir_;
  std::string farm_file_;
  std::unique_ptr<runtime::node> node_;
  std::unique_ptr<net::console_service> service_;
};

TEST_F(console_service_test, refuses_a_missing_or_wrong_token_and_audits_the_refusal) {
  auto missing = run({"tree"}, "");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.text.find("no admin token given"), std::string::npos) << missing.text;
  auto wrong = run({"kill", agent_path}, "not-the-token-at-all", "mallory@box");
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.text.find("the admin token is wrong"), std::string::npos) << wrong.text;
  // Nothing was done: the agent never failed.
  EXPECT_EQ(ok({"info", agent_path})["restarts"], 0);
  auto refused = audit_rows("console.refused");
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[1]["user"], "mallory@box");
  EXPECT_NE(refused[1]["detail"].get<std::string>().find("kill"), std::string::npos);
}

TEST_F(console_service_test, the_node_refuses_requests_beyond_the_console_limits_itself) {
  // What the client keeps to, a peer may not: the node checks before it
  // compares the token or runs anything.
  std::vector<std::string> many(config::console_args_max + 1, "x");
  many.front() = "kill";
  many[1] = agent_path;
  auto words = run(many);
  EXPECT_EQ(words.status, 2);
  EXPECT_NE(words.text.find("more than 64 words"), std::string::npos) << words.text;
  auto line = run({"kill", agent_path, std::string(config::console_line_bytes_max, 'r')});
  EXPECT_EQ(line.status, 2);
  EXPECT_NE(line.text.find("longer than 4096 bytes"), std::string::npos) << line.text;
  auto big_token = run({"tree"}, std::string(config::console_token_bytes_max + 1, 't'));
  EXPECT_NE(big_token.text.find("the token is longer than 1024 bytes"), std::string::npos)
      << big_token.text;
  auto big_name = run({"tree"}, token, std::string(config::console_operator_bytes_max + 1, 'n'));
  EXPECT_NE(big_name.text.find("the operator name is longer"), std::string::npos) << big_name.text;
  net::console_request big_proof{token, "erin", {"tree"}, {}, 0, {}};
  big_proof.certificate.assign(config::console_certificate_bytes_max + 1, 'c');
  auto proof = service_->execute(big_proof);
  EXPECT_EQ(proof.status, 2);
  EXPECT_NE(proof.text.find("the certificate or the signature is longer"), std::string::npos)
      << proof.text;
  // Nothing ran; each refusal is audited.
  EXPECT_EQ(ok({"info", agent_path})["restarts"], 0);
  EXPECT_EQ(audit_rows("console.refused").size(), 5u);
  // At the limit exactly, the request is parsed (and refused for what it says).
  std::vector<std::string> most(config::console_args_max, "/");
  most.front() = "tree";
  auto at_limit = run(most);
  EXPECT_EQ(at_limit.text.find("more than"), std::string::npos) << at_limit.text;
}

TEST_F(console_service_test, a_node_without_a_token_refuses_everything) {
  net::console_options opts;
  net::console_service open_door{*node_, opts};
  auto r = open_door.execute({"", "x", {"tree"}, {}, 0, {}});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.text.find("no admin token is configured"), std::string::npos) << r.text;
  r = open_door.execute({"anything-goes-here-0", "x", {"tree"}, {}, 0, {}});
  EXPECT_EQ(r.status, 1);
}

TEST_F(console_service_test, unknown_commands_options_and_paths_name_the_nearest) {
  auto r = run({"infp", "/vault"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.text.find("did you mean 'info'?"), std::string::npos) << r.text;
  r = run({"info", "/vault/gatewy"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.text.find("did you mean /vault/gateway?"), std::string::npos) << r.text;
  r = run({"tree", "--depht", "1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.text.find("did you mean '--depth'?"), std::string::npos) << r.text;
  r = run({"top", "--by", "speed"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.text.find("usage: top"), std::string::npos) << r.text;
  r = run({"vault", "emergency", "maybe"});
  EXPECT_EQ(r.status, 2);
  r = run({"tree", "--depth"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.text.find("--depth needs a value"), std::string::npos) << r.text;
}

TEST_F(console_service_test, tree_ls_and_info_show_the_registry) {
  auto t = ok({"tree", "--depth", "1"});
  std::vector<std::string> paths;
  // (t outlives the loops: range-for over a temporary's member dangles)
  for (auto& a : t["actors"])
    paths.push_back(a["path"].get<std::string>());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "/store"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "/user"), paths.end());
  EXPECT_EQ(std::find(paths.begin(), paths.end(), "/vault/gateway"), paths.end());
  auto text = run({"tree", "/user"}).text;
  EXPECT_NE(text.find("mm-1"), std::string::npos) << text;
  EXPECT_NE(text.find("market_maker"), std::string::npos) << text;
  auto ls = ok({"ls", "/vault"});
  ASSERT_FALSE(ls["children"].empty());
  std::vector<std::string> ids;
  for (auto& c : ls["children"])
    ids.push_back(c["id"].get<std::string>());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "gateway"), ids.end());
  auto info = ok({"info", "/vault/gateway"});
  EXPECT_EQ(info["kind"], "vault_gateway");
  EXPECT_EQ(info["node"], "console-1");
  EXPECT_EQ(info["alive"], true);
  EXPECT_TRUE(info["state"].is_object());
  EXPECT_TRUE(info.contains("mailbox_size"));
  EXPECT_TRUE(info["checkpoint"].contains("age_ms"));
}

TEST_F(console_service_test, kill_makes_the_supervisor_restart_the_agent_from_its_checkpoint) {
  ASSERT_TRUE(eventually([&] { return agent_state().value("orders", 0) >= 2; }));
  auto before = agent_state();
  auto r = ok({"kill", agent_path, "--reason", "drill 42"});
  EXPECT_EQ(r["outcome"], "restarted") << r.dump();
  auto info = ok({"info", agent_path});
  EXPECT_EQ(info["restarts"], 1);
  ASSERT_EQ(info["failures"].size(), 1u);
  EXPECT_NE(info["failures"][0]["reason"].get<std::string>().find("drill 42"), std::string::npos);
  // The new incarnation restored its state instead of starting over. Its
  // counters are the checkpoint's while it starts, the store's once it
  // reconciled (orders placed after the checkpoint count too): running.
  ASSERT_TRUE(eventually([&] {
    auto st = agent_state();
    return st.value("epoch", 0) == 2 && st.value("state", "") == "running";
  }));
  auto after = agent_state();
  EXPECT_GE(after.value("orders", 0), before.value("orders", 0));
  EXPECT_EQ(after["strategy"], "market_maker");
  auto kills = audit_rows("console.kill");
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0]["user"], "carol@desk");
  // The root is not for killing.
  EXPECT_EQ(run({"kill", "/"}).status, 1);
}

TEST_F(console_service_test, a_kill_that_makes_the_supervisor_give_up_is_reported_as_escalated) {
  // /user/alice may not restart a child at all: the kill escalates to /user.
  write(dir_.file("policies.toml"), policy_text(0));
  ok({"policy", "reload"});
  ASSERT_TRUE(eventually([&] { return agent_state().value("orders", 0) >= 1; }));
  auto r = run({"kill", agent_path});
  ASSERT_EQ(r.status, 0) << r.text;
  auto j = json::parse(r.json);
  EXPECT_EQ(j["outcome"], "escalated") << r.text;
  EXPECT_EQ(j["gave_up"], "/user/alice") << r.text;
  EXPECT_NE(r.text.find("its supervisor /user/alice gave up (restart intensity exceeded) and was "
                        "restarted by /user"),
            std::string::npos)
      << r.text;
  EXPECT_EQ(r.text.find("restarted by its supervisor in"), std::string::npos) << r.text;
}

TEST_F(console_service_test, halt_farm_stops_new_orders_until_resume) {
  ASSERT_TRUE(eventually([&] { return agent_state().value("orders", 0) >= 1; }));
  auto r = ok({"halt", "--farm", "--reason", "drill"});
  EXPECT_EQ(r["states"]["farm"], "halted");
  ASSERT_TRUE(eventually([&] { return agent_state()["trading"] == "halted"; }));
  auto halted_at = agent_state().value("orders", 0);
  auto refused_at = agent_state()["rejections"].value("halted", 0);
  // Market data keeps coming (every 20 ms) and the strategy keeps wanting
  // to quote: each quote is refused as halted, none becomes an order.
  ASSERT_TRUE(
      eventually([&] { return agent_state()["rejections"].value("halted", 0) >= refused_at + 3; }));
  EXPECT_EQ(agent_state().value("orders", 0), halted_at);
  ok({"resume", "--farm"});
  EXPECT_TRUE(eventually([&] { return agent_state().value("orders", 0) > halted_at; }));
  auto rows = audit_rows("risk.trading_state.halted");
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back()["user"], "carol@desk");
  EXPECT_EQ(run({"halt", "--user", "alicia"}).status, 1);
  EXPECT_EQ(run({"halt"}).status, 2);
}

TEST_F(console_service_test, policy_reload_applies_a_valid_file_and_keeps_the_old_one_on_errors) {
  auto before = ok({"info", agent_path});
  EXPECT_EQ(ok({"policy", "show", "/user/alice"})["policies"][0]["intensity"], 5);
  // The text names every field of the policy, the backoff's jitter too.
  auto shown = run({"policy", "show", "/user/alice"}).text;
  EXPECT_NE(shown.find(" jitter 0.2, "), std::string::npos) << shown;
  write(dir_.file("policies.toml"), policy_text(2));
  auto r = ok({"policy", "reload"});
  EXPECT_EQ(r["applied"], true);
  // Only the supervisor whose policy changed (the root keeps its implicit
  // rest_for_one).
  ASSERT_EQ(r["changed"].size(), 1u) << r.dump();
  EXPECT_EQ(r["changed"][0], "/user/alice");
  EXPECT_EQ(ok({"policy", "show", "/user/alice"})["policies"][0]["intensity"], 2);
  // Nothing restarted for it.
  auto after = ok({"info", agent_path});
  EXPECT_EQ(after["incarnations"], before["incarnations"]);
  EXPECT_EQ(ok({"info", "/user/alice"})["restarts"], 0);

  write(dir_.file("policies.toml"), policy_text(9, "sometimes"));
  auto bad = run({"policy", "reload"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.text.find("policies.toml:3:12: error: unknown strategy 'sometimes'"),
            std::string::npos)
      << bad.text;
  EXPECT_NE(bad.text.find("unchanged"), std::string::npos) << bad.text;
  EXPECT_EQ(ok({"policy", "show", "/user/alice"})["policies"][0]["intensity"], 2);
  EXPECT_EQ(audit_rows("console.policy.reload").size(), 1u);
  EXPECT_EQ(audit_rows("console.policy.reload_refused").size(), 1u);
}

TEST_F(console_service_test, agent_and_vault_commands_are_audited_with_the_operator) {
  auto bad = run({"agent", "start", "alice", "market_maker", "--param", "venue=sim-a", "--param",
                  "account=nobody", "--param", "symbol=BTC-USD"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.text.find("account"), std::string::npos) << bad.text;
  EXPECT_FALSE(node_->context().registry().find("/user/alice/market_maker-1"));
  auto started = ok({"agent", "start", "alice", "market_maker", "--param", "venue=sim-a", "--param",
                     "account=alice-main", "--param", "symbol=BTC-USD"});
  EXPECT_EQ(started["path"], "/user/alice/market_maker-1");
  EXPECT_EQ(started["params"]["fee_bps"], "0") << started.dump();
  ASSERT_TRUE(eventually([&] {
    auto e = node_->context().registry().find("/user/alice/market_maker-1");
    return e && e->alive();
  }));
  auto series = "tfarm_agent_healthy{agent=\"/user/alice/market_maker-1\"}";
  ASSERT_TRUE(eventually([&] {
    return node_->context().metrics().render_prometheus().find(series) != std::string::npos;
  }));
  ok({"agent", "halt", "/user/alice/market_maker-1"});
  auto stopped = ok({"agent", "stop", "/user/alice/market_maker-1"});
  EXPECT_EQ(stopped["retiring"], true);
  // It leaves its supervisor once its orders are finished (it has none).
  EXPECT_TRUE(
      eventually([&] { return !node_->context().registry().find("/user/alice/market_maker-1"); }));
  // Gone from /metrics too (the monitor retires the series of an agent
  // that left), while the agent that stays is still there.
  EXPECT_TRUE(eventually([&] {
    return node_->context().metrics().render_prometheus().find(series) == std::string::npos;
  }));
  EXPECT_NE(node_->context().metrics().render_prometheus().find(
                "tfarm_agent_healthy{agent=\"/user/alice/mm-1\"}"),
            std::string::npos);
  EXPECT_EQ(run({"agent", "stop", "/vault/gateway"}).status, 1);

  ok({"vault", "freeze", "--reason", "drill"});
  EXPECT_EQ(ok({"vault", "status"})["transfers_frozen"], true);
  // A refusal says so: nothing to ask again (a store that cannot answer
  // says "retry" instead, with the same key).
  auto refused = run({"vault", "transfer", "alice-main", "alice-main", "5", "USD", "--key", "k-1"});
  EXPECT_EQ(refused.status, 1) << refused.text;
  auto why = json::parse(refused.json, nullptr, false);
  ASSERT_TRUE(why.is_object()) << refused.json;
  EXPECT_EQ(why["retry"], false) << refused.json;
  EXPECT_NE(why["reason"], "unavailable") << refused.json;
  EXPECT_TRUE(why["reason"].is_string()) << refused.json;
  ok({"vault", "unfreeze"});
  auto frozen = audit_rows("vault.transfers_frozen.on");
  ASSERT_EQ(frozen.size(), 1u);
  EXPECT_EQ(frozen[0]["user"], "carol@desk");
  EXPECT_EQ(audit_rows("console.agent.start").size(), 1u);
  EXPECT_EQ(audit_rows("console.agent.stop").size(), 1u);
}

TEST_F(console_service_test, metrics_top_exchanges_and_alerts_answer) {
  auto m = ok({"metrics", "tfarm_store_rows*"});
  ASSERT_FALSE(m["series"].empty());
  EXPECT_EQ(m["series"][0]["series"], "tfarm_store_rows_total");
  EXPECT_EQ(run({"metrics", "no_such_metric"}).status, 1);
  auto top = ok({"top", "--by", "rate", "-n", "3"});
  EXPECT_EQ(top["actors"].size(), 3u);
  auto ex = ok({"exchanges"});
  ASSERT_EQ(ex["sessions"].size(), 1u);
  EXPECT_EQ(ex["sessions"][0]["path"], "/exchanges/sessions/sim-a/alice-main");
  EXPECT_TRUE(ok({"alerts"})["alerts"].is_array());
  EXPECT_EQ(run({"alerts", "ack", "999"}).status, 1);
  auto nodes = ok({"nodes"});
  EXPECT_EQ(nodes["nodes"][0]["name"], "console-1");
  EXPECT_EQ(nodes["nodes"][0]["self"], true);
}

TEST_F(console_service_test, venue_faults_are_set_shown_audited_and_cleared) {
  auto st = ok({"venue"});
  ASSERT_EQ(st["venues"].size(), 1u);
  EXPECT_EQ(st["venues"][0]["venue"], "sim-a");
  EXPECT_FALSE(st["venues"][0]["faults"]["disconnected"].get<bool>());
  // Bad input: refused with the limit or the way out, nothing set.
  auto refused = [&](std::vector<std::string> args, const std::string& says) {
    auto r = run(args);
    EXPECT_NE(r.status, 0) << r.text;
    EXPECT_NE(r.text.find(says), std::string::npos) << r.text;
  };
  refused({"venue", "faults", "sim-a", "--errors", "2000000"}, "from 0 to 1000000");
  refused({"venue", "faults", "sim-a", "--errors", "-1"}, "from 0 to 1000000");
  refused({"venue", "faults", "sim-a", "--latency", "2min"}, "at most 1m");
  refused({"venue", "faults", "sim-a", "--latency", "soon"}, "--latency \"soon\"");
  refused({"venue", "faults", "sim-a", "--disconnected", "yes"}, "on or off");
  refused({"venue", "faults", "sim-a"}, "or --clear");
  refused({"venue", "faults", "sim-a", "--clear", "--errors", "5"}, "give it alone");
  refused({"venue", "faults", "sim-b", "--clear"}, "venues: sim-a");
  EXPECT_TRUE(audit_rows("console.venue.faults").empty());
  // Disconnected: the venue refuses the session's test round trip.
  auto set = ok({"venue", "faults", "sim-a", "--disconnected", "on", "--errors", "1000"});
  EXPECT_TRUE(set["faults"]["disconnected"].get<bool>());
  EXPECT_EQ(set["faults"]["error_ppm"], 1000);
  EXPECT_FALSE(set["before"]["disconnected"].get<bool>());
  auto shown = ok({"venue", "sim-a"})["venues"][0];
  EXPECT_TRUE(shown["disconnected"].get<bool>());
  EXPECT_NE(run({"venue", "sim-a"}).text.find("errors 1000 ppm, disconnected"), std::string::npos);
  EXPECT_EQ(run({"exchanges", "test"}).status, 1) << "a disconnected venue answers no test";
  auto rows = audit_rows("console.venue.faults");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["user"], "carol@desk");
  EXPECT_NE(rows[0]["detail"].get<std::string>().find("disconnected"), std::string::npos);
  // Cleared: everything off, and the session's round trip answers again.
  auto cleared = ok({"venue", "faults", "sim-a", "--clear"});
  EXPECT_TRUE(cleared["before"]["disconnected"].get<bool>());
  EXPECT_FALSE(ok({"venue", "status", "sim-a"})["venues"][0]["disconnected"].get<bool>());
  EXPECT_TRUE(eventually([&] { return run({"exchanges", "test"}).status == 0; }));
}

TEST_F(console_service_test, lockdown_and_unlock_step_by_step_with_the_token_it_issues) {
  auto bare = run({"lockdown"});
  EXPECT_EQ(bare.status, 2) << bare.text;
  EXPECT_NE(bare.text.find("lockdown needs --reason TEXT"), std::string::npos) << bare.text;
  EXPECT_EQ(ok({"security"})["locked_down"], false);
  auto r = run({"lockdown", "--reason", "a laptop was stolen"});
  ASSERT_EQ(r.status, 0) << r.text;
  auto j = json::parse(r.json);
  auto fresh = j["admin_token"].get<std::string>();
  EXPECT_NE(r.text.find("New admin token (shown once"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find(fresh), std::string::npos);
  for (auto& s : j["steps"])
    EXPECT_TRUE(s["ok"]) << s.dump();
  // The farm is halted: the agent says so.
  ASSERT_TRUE(eventually([&] {
    auto x = run({"info", agent_path}, fresh);
    return x.status == 0 && json::parse(x.json)["state"]["trading"] == "halted";
  }));
  // The token the node started with is refused from now on.
  auto refused = run({"security"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.text.find("the admin token is wrong"), std::string::npos);
  auto st = run({"security"}, fresh);
  ASSERT_EQ(st.status, 0) << st.text;
  EXPECT_NE(st.text.find("LOCKDOWN since "), std::string::npos) << st.text;
  EXPECT_NE(st.text.find("by carol@desk: a laptop was stolen"), std::string::npos) << st.text;
  EXPECT_EQ(st.text.find(fresh), std::string::npos) << "the status never shows the token";
  // unlock needs named steps; an unknown one changes nothing.
  EXPECT_EQ(run({"unlock"}, fresh).status, 2);
  EXPECT_EQ(run({"unlock", "everything"}, fresh).status, 2);
  EXPECT_EQ(run({"unlock", "vault", "--all"}, fresh).status, 2);
  auto u = run({"unlock", "vault", "logon", "--reason", "found it"}, fresh);
  ASSERT_EQ(u.status, 0) << u.text;
  EXPECT_NE(u.text.find("The lockdown is still in force; pending: trading"), std::string::npos)
      << u.text;
  u = run({"unlock", "trading"}, fresh);
  ASSERT_EQ(u.status, 0) << u.text;
  EXPECT_NE(u.text.find("The lockdown is over."), std::string::npos) << u.text;
  ASSERT_TRUE(eventually([&] {
    auto x = run({"info", agent_path}, fresh);
    return x.status == 0 && json::parse(x.json)["state"]["trading"] == "active";
  }));
}

TEST_F(console_service_test, reconcile_holds_each_venue_statement_against_the_recorded_fills) {
  auto fills = [&] {
    SQLite::Database db{dir_.file("console.db"), SQLite::OPEN_READONLY};
    return db.execAndGet("SELECT COUNT(*) FROM fills").getInt64();
  };
  ASSERT_TRUE(eventually([&] { return fills() >= 3; }, std::chrono::seconds{30}));
  // Live, while the agent trades: fills on their way are waited for.
  auto r = run({"vault", "reconcile"});
  ASSERT_EQ(r.status, 0) << r.text;
  auto j = json::parse(r.json);
  ASSERT_TRUE(j["venues"]["clean"]) << r.json;
  ASSERT_FALSE(j["venues"]["checks"].empty());
  auto& c = j["venues"]["checks"][0];
  EXPECT_EQ(c["venue"], "sim-a");
  EXPECT_EQ(c["account"], "alice-main");
  EXPECT_GE(c["venue_fills"].get<int64_t>(), 3);
  EXPECT_EQ(c["venue_fills"], c["farm_fills"]);
  // What the farm recorded after the statement's cut is shown, not compared.
  EXPECT_LE(c["farm_fills"].get<int64_t>() + c["farm_fills_after_cut"].get<int64_t>(), fills())
      << c.dump();
  EXPECT_NE(r.text.find("venues: 1 of 1 account statements agree"), std::string::npos) << r.text;
  // A fill the venue made and the farm's record lost: only the venue's
  // statement can tell.
  ok({"halt", "--farm", "--reason", "planting a loss"});
  {
    SQLite::Database db{dir_.file("console.db"), SQLite::OPEN_READWRITE};
    db.setBusyTimeout(10'000); // the node writes the halt's cancels meanwhile
    db.exec("DELETE FROM fills WHERE rowid = (SELECT MAX(rowid) FROM fills)");
  }
  r = run({"vault", "reconcile"});
  EXPECT_EQ(r.status, 1) << r.text;
  EXPECT_EQ(r.text.rfind("reconciled: DISCREPANCIES", 0), 0u) << r.text;
  EXPECT_NE(r.text.find("venue_statement sim-a/alice-main: the venue counts "), std::string::npos)
      << r.text;
  EXPECT_FALSE(json::parse(r.json)["venues"]["clean"]);
  EXPECT_EQ(audit_rows("vault.reconcile.venues").size(), 2u);
}

} // namespace
} // namespace tfarm::test
