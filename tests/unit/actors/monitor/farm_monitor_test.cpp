// The monitor on a running node: a rule fires once its condition held for
// the for-duration, is persisted with its lifecycle, goes to the channels
// its severity routes to, resolves; a monitor that crashes takes over the
// open alerts instead of firing them twice; incidents become alerts.
#include <chrono>
#include <fstream>
#include <mutex>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/exchange/exchange_messages.hpp"
#include "actors/monitor/error.hpp"
#include "actors/type_ids.hpp"
#include "actors/vault/vault_interfaces.hpp"
#include "net/http_server.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/crash_request.hpp"
#include "tests/unit/ask.hpp"
#include "tests/unit/net/test_node.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

struct alert_row {
  int64_t id = 0;
  std::string rule;
  std::string severity;
  std::string state;
  std::string message;
};

class farm_monitor_test : public testing::Test {
protected:
  static void SetUpTestSuite() {
    actors::register_monitor_error_names();
    std::string why;
    config::setup_logging(config::logging_options{"warn", {}}, why);
  }

  void SetUp() override {
    auto s = net::http_server::start({}, [this](const net::http_request& req) {
      std::lock_guard<std::mutex> guard{mtx_};
      hooks_.push_back(nlohmann::json::parse(req.body, nullptr, false));
      return net::http_response{};
    });
    ASSERT_TRUE(s);
    receiver_ = std::move(*s);
  }

  void TearDown() override {
    if (node_) {
      node_->stop();
      node_.reset();
    }
  }

  // A farm whose only rule watches the vault's success rate; `for` as given.
  void start(const std::string& for_duration, const std::string& extra = {}) {
    auto text = R"(
[node]
name = "mon-1"
[vault]
assets = ["USD"]
[monitor]
interval = "20ms"
rate_window = "100ms"
runbook_rules = false
alerts_file = ")" +
                dir_.file("alerts.jsonl") +
                R"("
webhook = "http://127.0.0.1:)" +
                std::to_string(receiver_->port()) +
                R"(/hook"
webhook_backoff_min = "5ms"
  [[monitor.rule]]
  name = "vault_success"
  metric = "vault_success_bps"
  comparison = "below"
  warning = 9500
  critical = 5000
  for = ")" + for_duration +
                R"("
)" + extra + R"(
[[user]]
name = "alice"
  [[user.account]]
  id = "alice-main"
  opening_balance = { USD = 100 }
)";
    node_ = start_test_node(text, dir_.file("mon.db"));
    ASSERT_TRUE(node_);
    // Rates are over intervals between samples: start from the first one.
    ASSERT_TRUE(eventually([&] { return document().value("at_ms", int64_t{0}) != 0; }));
  }

  // Withdrawals the vault refuses (more than the balance).
  void refused_withdrawals(int n) {
    auto gw = actors::find_gateway(node_->context());
    for (int i = 0; i < n; ++i) {
      actors::vault_request r;
      r.op = actors::vault_op::withdraw;
      r.key = "w" + std::to_string(++key_);
      r.user = "alice";
      r.account = "alice-main";
      r.asset = "USD";
      r.amount = 1'000'000;
      auto reply = ask<actors::vault_reply>(node_->system(), gw, r);
      ASSERT_FALSE(reply); // insufficient funds
    }
  }

  std::vector<alert_row> rows() {
    std::vector<alert_row> xs;
    SQLite::Database db{dir_.file("mon.db"), SQLite::OPEN_READONLY};
    SQLite::Statement q{db, "SELECT id, rule, severity, state, message FROM alerts ORDER BY id"};
    while (q.executeStep())
      xs.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                    q.getColumn(2).getString(), q.getColumn(3).getString(),
                    q.getColumn(4).getString()});
    return xs;
  }

  std::vector<nlohmann::json> hooks() {
    std::lock_guard<std::mutex> guard{mtx_};
    return hooks_;
  }

  std::vector<nlohmann::json> file_lines() {
    std::vector<nlohmann::json> xs;
    std::ifstream in{dir_.file("alerts.jsonl")};
    std::string line;
    while (std::getline(in, line))
      xs.push_back(nlohmann::json::parse(line));
    return xs;
  }

  caf::actor monitor() {
    auto e = node_->context().registry().find("/monitor");
    return e ? e->handle() : caf::actor{};
  }

  nlohmann::json document() {
    auto x = ask<std::string>(node_->system(), monitor(), actors::monitoring_atom_v, false);
    return x ? nlohmann::json::parse(*x) : nlohmann::json{};
  }

  temp_dir dir_;
  std::mutex mtx_;
  std::vector<nlohmann::json> hooks_;
  std::unique_ptr<net::http_server> receiver_;
  std::unique_ptr<runtime::node> node_;
  int key_ = 0;
};

TEST_F(farm_monitor_test, a_critical_alert_fires_goes_everywhere_is_persisted_and_resolves) {
  start("0s");
  refused_withdrawals(4);
  ASSERT_TRUE(eventually([&] {
    auto xs = rows();
    return !xs.empty() && xs[0].severity == "critical";
  })) << document().dump();
  // Critical: the file and the webhook have it, the dashboard feed too.
  ASSERT_TRUE(eventually([&] { return !hooks().empty(); }));
  EXPECT_EQ(hooks()[0]["rule"], "vault_success");
  EXPECT_EQ(hooks()[0]["severity"], "critical");
  EXPECT_EQ(hooks()[0]["state"], "firing");
  EXPECT_EQ(hooks()[0]["node"], "mon-1");
  EXPECT_EQ(hooks()[0]["id"], rows()[0].id);
  ASSERT_FALSE(file_lines().empty());
  EXPECT_EQ(file_lines()[0]["rule"], "vault_success");
  // Nothing refused since: the rate recovers and the alert resolves, in
  // the same row.
  ASSERT_TRUE(eventually([&] {
    auto xs = rows();
    return xs.size() == 1 && xs[0].state == "resolved";
  }));
  EXPECT_NE(rows()[0].message.find("vault_success_bps"), std::string::npos) << rows()[0].message;
  ASSERT_TRUE(eventually([&] { return hooks().size() == 2; }));
  EXPECT_EQ(hooks()[1]["state"], "resolved");
  EXPECT_EQ(hooks()[1]["severity"], "critical"); // routed as what it was
  auto doc = document();
  EXPECT_TRUE(doc["alerts"].empty());
  ASSERT_EQ(doc["recent"].size(), 2u);
  EXPECT_EQ(doc["recent"][0]["state"], "resolved");
}

TEST_F(farm_monitor_test, a_condition_shorter_than_the_for_duration_does_not_fire) {
  start("1h");
  refused_withdrawals(4);
  // The sample that saw the refusals, and a few more.
  ASSERT_TRUE(eventually([&] {
    auto doc = document();
    return doc["rules"][0]["severity"] == "none" && doc["metrics"]["vault_success_bps"] == 10'000;
  }));
  EXPECT_TRUE(rows().empty());
  EXPECT_TRUE(hooks().empty());
}

TEST_F(farm_monitor_test, acknowledging_keeps_the_alert_open_and_a_crashed_monitor_takes_it_over) {
  // A rule that always fires (a mailbox is never below zero).
  start("0s", R"(
  [[monitor.rule]]
  name = "always"
  metric = "mailbox_max"
  warning = -1
)");
  ASSERT_TRUE(eventually([&] { return rows().size() == 1; }));
  auto id = static_cast<uint64_t>(rows()[0].id);
  // The monitor knows the row's id once the store answered it.
  ASSERT_TRUE(eventually([&] {
    auto doc = document();
    return doc["alerts"].size() == 1 && doc["alerts"][0]["id"] == id;
  }));
  EXPECT_EQ(rows()[0].severity, "warning");
  // Warning: dashboard only; neither the webhook nor the file.
  EXPECT_TRUE(hooks().empty());
  EXPECT_TRUE(file_lines().empty());
  auto bad = ask<std::string>(node_->system(), monitor(), actors::alert_ack_atom_v, id + 100,
                              std::string{"ops"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), actors::monitor_errc::unknown_alert);
  auto acked = ask<std::string>(node_->system(), monitor(), actors::alert_ack_atom_v, id,
                                std::string{"ops"});
  ASSERT_TRUE(acked) << runtime::to_text(acked.error());
  EXPECT_EQ(nlohmann::json::parse(*acked)["state"], "acknowledged");
  ASSERT_TRUE(eventually([&] { return rows()[0].state == "acknowledged"; }));
  // Crash the monitor: it comes back, reads the open alert and keeps it:
  // still one row, still acknowledged.
  auto before = monitor();
  caf::anon_send(before, runtime::crash_request{"test: monitor crash"});
  ASSERT_TRUE(eventually([&] { return monitor() && monitor() != before; }));
  ASSERT_TRUE(eventually([&] {
    auto doc = document();
    return doc["alerts"].size() == 1 && doc["alerts"][0]["id"] == id;
  }));
  EXPECT_EQ(document()["alerts"][0]["state"], "acknowledged");
  EXPECT_EQ(rows().size(), 1u);
}

TEST_F(farm_monitor_test, an_open_alert_whose_rule_was_removed_resolves_at_the_next_start) {
  start("0s", R"(
  [[monitor.rule]]
  name = "always"
  metric = "mailbox_max"
  warning = -1
)");
  ASSERT_TRUE(eventually([&] { return rows().size() == 1 && rows()[0].id != 0; }));
  node_->stop();
  node_.reset();
  start("0s"); // the same farm without the rule
  ASSERT_TRUE(eventually([&] { return rows().size() == 1 && rows()[0].state == "resolved"; }));
  EXPECT_NE(rows()[0].message.find("no longer configured"), std::string::npos) << rows()[0].message;
  EXPECT_TRUE(document()["alerts"].empty());
}

TEST_F(farm_monitor_test, an_incident_is_an_error_alert_for_the_webhook) {
  start("1h");
  node_->context().report(runtime::incident{"/user/x", "checkpoint.corrupt", "crc mismatch"});
  ASSERT_TRUE(eventually([&] { return rows().size() == 1; }));
  EXPECT_EQ(rows()[0].severity, "error");
  EXPECT_NE(rows()[0].message.find("checkpoint.corrupt"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return hooks().size() == 1; }));
  EXPECT_EQ(hooks()[0]["severity"], "error");
  EXPECT_TRUE(file_lines().empty()); // error: webhook and dashboard only
  // Acknowledging an incident is all there is to do: it resolves.
  auto acked = ask<std::string>(node_->system(), monitor(), actors::alert_ack_atom_v,
                                static_cast<uint64_t>(rows()[0].id), std::string{"ops"});
  ASSERT_TRUE(acked);
  ASSERT_TRUE(eventually([&] { return rows()[0].state == "resolved"; }));
}

TEST_F(farm_monitor_test, the_exchange_latency_warning_fires_on_a_slow_venue_and_resolves) {
  // No orders: the session's heartbeat alone measures the venue.
  node_ = start_test_node(R"(
[node]
name = "mon-2"
[vault]
assets = ["USD", "BTC"]
[exchange]
probe_interval = "50ms"
latency_window = "300ms"
  [[exchange.venue]]
  name = "sim-a"
  symbols = ["BTC-USD"]
    [exchange.venue.market_data]
    interval = "1h"
  [[exchange.session]]
  venue = "sim-a"
  account = "alice-main"
[monitor]
interval = "20ms"
runbook_rules = false
  [[monitor.rule]]
  name = "exchange_latency"
  metric = "exchange_latency_ms"
  comparison = "above"
  warning = 500
  for = "0s"
[[user]]
name = "alice"
  [[user.account]]
  id = "alice-main"
  opening_balance = { USD = 100 }
)",
                          dir_.file("mon.db"));
  ASSERT_TRUE(node_);
  auto venue = node_->context().registry().find("/exchanges/venues/sim-a");
  ASSERT_TRUE(venue);
  auto set_latency = [&](int64_t us) {
    actors::venue_faults f;
    f.latency_us = us;
    ASSERT_TRUE(ask<actors::venue_faults>(node_->system(), venue->handle(), f));
  };
  set_latency(700'000);
  ASSERT_TRUE(eventually([&] {
    auto r = rows();
    return !r.empty() && r[0].rule == "exchange_latency" && r[0].state == "firing";
  }));
  EXPECT_EQ(rows()[0].severity, "warning");
  set_latency(0);
  ASSERT_TRUE(eventually([&] { return rows()[0].state == "resolved"; }));
  EXPECT_EQ(rows().size(), 1u);
}

} // namespace
} // namespace tfarm::test
