// The node's HTTP API end to end: a node on a temporary database with a
// vault, a simulated venue and a session, served on a free port. Every
// endpoint, the token rules, bad input and the audit trail of mutations.
#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/exchange/error.hpp"
#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/exchange_messages.hpp"
#include "net/error.hpp"
#include "net/node_http.hpp"
#include "net/security_control.hpp"
#include "runtime/status_json.hpp"
#include "tests/unit/net/http_client.hpp"
#include "tests/unit/net/test_node.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

constexpr const char* token = "test-admin-token-0123456789";

const char* farm_text = R"(
[node]
name = "api-1"
[vault]
assets = ["USD", "BTC"]
[exchange]
  [[exchange.venue]]
  name = "sim-a"
  symbols = ["BTC-USD"]
    [exchange.venue.market_data]
    interval = "1h"
    depth = 0
  [[exchange.session]]
  venue = "sim-a"
  account = "alice-main"
[monitor]
interval = "50ms"
[[user]]
name = "alice"
  [[user.account]]
  id = "alice-main"
  opening_balance = { USD = 1000 }
)";

class http_api_test : public testing::Test {
protected:
  static void SetUpTestSuite() {
    actors::register_exchange_error_names();
    net::register_net_error_names();
    std::string why;
    config::setup_logging(config::logging_options{"warn", {}}, why);
  }

  void SetUp() override {
    node_ = start_test_node(farm_text, dir_.file("api.db"));
    ASSERT_TRUE(node_);
    config::http_settings h;
    h.port = 0;
    security_ = std::make_shared<net::security_control>(*node_, dir_.file("api.db"),
                                                        std::make_shared<net::admin_token>(token),
                                                        std::chrono::seconds{10});
    auto served = net::node_http::start(*node_, h, security_);
    ASSERT_TRUE(served) << runtime::to_text(served.error());
    http_ = std::move(*served);
  }

  void TearDown() override {
    if (http_)
      http_->stop();
    if (node_)
      node_->stop();
  }

  http_reply get(const std::string& path, const std::string& t = token) {
    return http_call(http_->port(), "GET", path, t);
  }

  http_reply post(const std::string& path, const std::string& body = {},
                  const std::string& t = token) {
    return http_call(http_->port(), "POST", path, t, body);
  }

  std::vector<std::pair<std::string, std::string>> audit(const std::string& action_prefix) {
    std::vector<std::pair<std::string, std::string>> xs;
    SQLite::Database db{dir_.file("api.db"), SQLite::OPEN_READONLY};
    SQLite::Statement q{db, "SELECT action, user FROM audit_logs WHERE action LIKE ? ORDER BY id"};
    q.bind(1, action_prefix + "%");
    while (q.executeStep())
      xs.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
    return xs;
  }

  temp_dir dir_;
  std::unique_ptr<runtime::node> node_;
  std::shared_ptr<net::security_control> security_;
  std::unique_ptr<net::node_http> http_;
};

TEST_F(http_api_test, health_is_public_and_reports_every_part_of_the_farm) {
  auto r = get("/api/health", "");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["status"], "ok") << r.body;
  EXPECT_EQ(j["node"], "api-1");
  EXPECT_TRUE(j["checks"]["store"]["up"]);
  EXPECT_TRUE(j["checks"]["vault"]["up"]);
  EXPECT_EQ(j["checks"]["exchanges"]["sessions"], 1);
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
}

TEST_F(http_api_test, head_is_get_without_the_body_and_the_bearer_scheme_is_case_insensitive) {
  auto head = raw_exchange(http_->port(),
                           "HEAD /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  auto get_length = get("/api/health", "").body.size();
  EXPECT_NE(head.find("Content-Length: " + std::to_string(get_length) + "\r\n"), std::string::npos)
      << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "no body after the headers: " << head;
  auto post_head = raw_exchange(http_->port(), "HEAD /api/vault/reconcile HTTP/1.1\r\nHost: "
                                               "x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(post_head.rfind("HTTP/1.1 405", 0), 0u) << post_head;
  for (auto* scheme : {"bearer", "BEARER", "Bearer"}) {
    auto r = raw_exchange(http_->port(), "GET /api/vault/health HTTP/1.1\r\nHost: x\r\n"
                                         "Connection: close\r\nAuthorization: " +
                                             std::string{scheme} + " " + token + "\r\n\r\n");
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << scheme << ": " << r;
  }
  auto other = raw_exchange(http_->port(), "GET /api/vault/health HTTP/1.1\r\nHost: x\r\n"
                                           "Connection: close\r\nAuthorization: Basic " +
                                               std::string{token} + "\r\n\r\n");
  EXPECT_EQ(other.rfind("HTTP/1.1 403", 0), 0u) << other;
}

TEST_F(http_api_test, admin_endpoints_answer_401_without_a_token_and_403_with_a_wrong_one) {
  std::vector<std::pair<std::string, std::string>> endpoints{
      {"GET", "/api/admin/status"},
      {"GET", "/admin/api-performance"},
      {"GET", "/api/exchanges/status"},
      {"POST", "/api/exchanges/test"},
      {"GET", "/api/vault/health"},
      {"POST", "/api/vault/emergency-mode/enable"},
      {"POST", "/api/vault/emergency-mode/disable"},
      {"POST", "/api/vault/transfers/freeze"},
      {"POST", "/api/vault/transfers/unfreeze"},
      {"POST", "/api/vault/reconcile"},
      {"GET", "/api/monitoring"},
      {"GET", "/api/dashboard"},
      {"POST", "/api/monitoring/alerts/1/acknowledge"},
  };
  for (auto& [method, path] : endpoints) {
    auto none = http_call(http_->port(), method, path);
    EXPECT_EQ(none.status, 401) << method << ' ' << path;
    EXPECT_EQ(none.json()["error"], "unauthorized") << path;
    EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"tfarm\"") << path;
    auto wrong = http_call(http_->port(), method, path, "not-the-token-at-all");
    EXPECT_EQ(wrong.status, 403) << method << ' ' << path;
    EXPECT_EQ(wrong.json()["error"], "forbidden") << path;
  }
  // Nothing was switched by those attempts.
  EXPECT_FALSE(get("/api/vault/health").json()["emergency"]);
  EXPECT_TRUE(audit("vault.").empty());
  // They are in the audit log: the first 10 of the minute (26 were made),
  // so that guessing cannot flood it.
  EXPECT_TRUE(eventually([&] { return audit("http.refused").size() == 10; }))
      << audit("http.refused").size();
  auto first = audit("http.refused").front();
  EXPECT_EQ(first.second.rfind("(unknown) 127.0.0.1:", 0), 0u) << first.second;
}

TEST_F(http_api_test, without_a_configured_token_admin_endpoints_are_closed_and_say_why) {
  http_->stop();
  config::http_settings h;
  h.port = 0;
  auto served = net::node_http::start(*node_, h, "");
  ASSERT_TRUE(served);
  http_ = std::move(*served);
  auto r = get("/api/admin/status", "anything-at-all-here");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.json()["message"].get<std::string>().find("TFARM_ADMIN_TOKEN"), std::string::npos);
  EXPECT_EQ(get("/api/health", "").status, 200);
}

TEST_F(http_api_test, the_runbook_s_vault_emergency_procedure_works_and_is_audited) {
  auto on = post("/api/vault/emergency-mode/enable",
                 R"({"operator":"carol","reason":"suspicious withdrawals"})");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_TRUE(on.json()["emergency"]);
  auto frozen = post("/api/vault/transfers/freeze", R"({"operator":"carol"})");
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  EXPECT_TRUE(frozen.json()["transfers_frozen"]);
  auto health = get("/api/vault/health");
  EXPECT_EQ(health.json()["status"], "emergency");
  EXPECT_EQ(get("/api/health", "").json()["status"], "degraded");
  auto rec = post("/api/vault/reconcile", R"({"operator":"carol"})");
  ASSERT_EQ(rec.status, 200) << rec.body;
  EXPECT_TRUE(rec.json()["clean"]) << rec.body;
  EXPECT_GT(rec.json()["audit_id"].get<int64_t>(), 0);
  // The venue's statement agrees with the (empty) record of its fills.
  EXPECT_TRUE(rec.json()["venues"]["clean"]) << rec.body;
  ASSERT_EQ(rec.json()["venues"]["checks"].size(), 1u) << rec.body;
  EXPECT_EQ(rec.json()["venues"]["checks"][0]["venue_fills"], 0);
  EXPECT_EQ(post("/api/vault/transfers/unfreeze").status, 200);
  auto off = post("/api/vault/emergency-mode/disable");
  ASSERT_EQ(off.status, 200);
  EXPECT_FALSE(off.json()["emergency"]);
  auto trail = audit("vault.");
  ASSERT_EQ(trail.size(), 6u);
  EXPECT_EQ(trail[0].first, "vault.emergency.on");
  // Who acted is the token's holder at the client's address; the name in
  // the body is only what the client says.
  EXPECT_EQ(trail[0].second.rfind("admin@127.0.0.1:", 0), 0u) << trail[0].second;
  EXPECT_NE(trail[0].second.find("(says carol)"), std::string::npos) << trail[0].second;
  EXPECT_EQ(trail[1].first, "vault.transfers_frozen.on");
  EXPECT_EQ(trail[2].first, "vault.reconcile");
  EXPECT_EQ(trail[3].first, "vault.reconcile.venues");
  EXPECT_EQ(trail[4].first, "vault.transfers_frozen.off");
  EXPECT_EQ(trail[5].first, "vault.emergency.off");
  EXPECT_EQ(trail[5].second.rfind("admin@", 0), 0u);
}

TEST_F(http_api_test, mutations_are_post_only_and_bad_bodies_are_400_with_nothing_changed) {
  auto r = get("/api/vault/emergency-mode/enable");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "POST");
  EXPECT_EQ(post("/api/vault/health").status, 405);
  auto bad = post("/api/vault/emergency-mode/enable", "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.json()["message"].get<std::string>().find("not JSON"), std::string::npos);
  EXPECT_EQ(post("/api/vault/emergency-mode/enable", "[1,2]").status, 400);
  auto typed = post("/api/vault/emergency-mode/enable", R"({"reason":5})");
  EXPECT_EQ(typed.status, 400);
  EXPECT_EQ(typed.json()["message"], "'reason' must be a string");
  // Every mutation checks its fields' types alike.
  for (auto* path : {"/api/vault/emergency-mode/enable", "/api/vault/reconcile",
                     "/api/exchanges/test", "/api/monitoring/alerts/1/acknowledge"}) {
    auto numeric = post(path, R"({"operator":42})");
    EXPECT_EQ(numeric.status, 400) << path;
    EXPECT_EQ(numeric.json()["message"], "'operator' must be a string") << path;
  }
  EXPECT_EQ(post("/api/vault/reconcile", R"({"reason":123})").status, 400);
  EXPECT_FALSE(get("/api/vault/health").json()["emergency"]);
  EXPECT_TRUE(audit("vault.").empty());
  EXPECT_TRUE(audit("exchanges.").empty());
}

TEST_F(http_api_test, reconcile_audits_its_reason_and_sessions_are_named_as_on_the_console) {
  auto r = post("/api/vault/reconcile", R"({"operator":"erin","reason":"end of day"})");
  ASSERT_EQ(r.status, 200) << r.body;
  // The vault's record, then the venues' (written after the vault answered).
  ASSERT_TRUE(eventually([&] { return audit("vault.reconcile").size() == 2; }));
  auto rec = audit("vault.reconcile")[0];
  EXPECT_EQ(rec.first, "vault.reconcile");
  EXPECT_EQ(audit("vault.reconcile")[1].first, "vault.reconcile.venues");
  EXPECT_NE(rec.second.find("(says erin)"), std::string::npos) << rec.second;
  SQLite::Database db{dir_.file("api.db"), SQLite::OPEN_READONLY};
  SQLite::Statement q{db, "SELECT detail FROM audit_logs WHERE action = 'vault.reconcile'"};
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(nlohmann::json::parse(q.getColumn(0).getString())["reason"], "end of day");
  // By account name, as the console takes it, or by path.
  for (auto* name : {"alice-main", "/exchanges/sessions/sim-a/alice-main"}) {
    auto t = post("/api/exchanges/test", std::string{R"({"session":")"} + name + "\"}");
    ASSERT_EQ(t.status, 200) << name << ": " << t.body;
    EXPECT_EQ(t.json()["sessions"].size(), 1u) << name;
  }
  EXPECT_EQ(post("/api/exchanges/test", R"({"session":"bob-main"})").status, 404);
}

TEST_F(http_api_test, unknown_paths_are_404_json) {
  auto r = get("/api/nope", "");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.json()["error"], "not_found");
  EXPECT_EQ(get("/", "").status, 302);
  auto old = get("/admin/monitoring", "");
  EXPECT_EQ(old.status, 302);
  EXPECT_EQ(old.header("Location"), "/dashboard/monitoring");
}

TEST_F(http_api_test, api_performance_shows_each_endpoint_s_rate_errors_and_latency) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(get("/api/health", "").status, 200);
  EXPECT_EQ(get("/api/exchanges/status", "").status, 401);
  EXPECT_EQ(get("/api/nope/1", "").status, 404);
  EXPECT_EQ(get("/api/nope/2", "").status, 404);
  EXPECT_EQ(
      http_call(http_->port(), "POST", "/api/monitoring/alerts/7/acknowledge", token, "[").status,
      400);
  // An answer is counted once written: the client may read it first, and
  // connections are served concurrently, so wait for every count.
  using json = nlohmann::json;
  auto endpoint = [&](const json& page, const std::string& name) {
    for (auto& e : page["endpoints"])
      if (e["endpoint"] == name)
        return e;
    return json{};
  };
  json page;
  ASSERT_TRUE(eventually([&] {
    page = get("/admin/api-performance").json();
    return endpoint(page, "/api/health")["requests"] == 3 &&
           endpoint(page, "/api/exchanges/status")["refused"] == 1 &&
           endpoint(page, "(unmatched)")["requests"] == 2 &&
           endpoint(page, "/api/monitoring/alerts/{id}/acknowledge")["refused"] == 1;
  })) << page.dump();
  auto health = endpoint(page, "/api/health");
  EXPECT_EQ(health["requests"], 3) << page.dump();
  EXPECT_EQ(health["window_requests"], 3);
  EXPECT_EQ(health["errors"], 0);
  EXPECT_EQ(health["error_rate_bps"], 0);
  EXPECT_GT(health["p50_us"].get<int64_t>(), 0);
  EXPECT_GE(health["p99_us"].get<int64_t>(), health["p50_us"].get<int64_t>());
  EXPECT_GT(health["rate_milli_per_s"].get<int64_t>(), 0);
  EXPECT_EQ(endpoint(page, "/api/exchanges/status")["refused"], 1);
  // Unknown paths share one label, whatever a client sends.
  EXPECT_EQ(endpoint(page, "(unmatched)")["requests"], 2);
  EXPECT_EQ(endpoint(page, "/api/monitoring/alerts/{id}/acknowledge")["refused"], 1);
  // Endpoints nobody asked are left out.
  EXPECT_TRUE(endpoint(page, "/api/vault/reconcile").is_null());
  auto metrics = get("/metrics", "").body;
  EXPECT_NE(metrics.find("tfarm_http_endpoint_requests_total{endpoint=\"/api/health\"} 3"),
            std::string::npos);
  EXPECT_NE(metrics.find("tfarm_http_endpoint_request_seconds{endpoint=\"/api/health\",quantile="),
            std::string::npos);
  EXPECT_EQ(metrics.find("/api/nope"), std::string::npos);
}

TEST_F(http_api_test, exchanges_status_and_test_report_every_session) {
  auto st = get("/api/exchanges/status");
  ASSERT_EQ(st.status, 200);
  ASSERT_EQ(st.json()["sessions"].size(), 1u);
  EXPECT_EQ(st.json()["sessions"][0]["path"], "/exchanges/sessions/sim-a/alice-main");
  EXPECT_EQ(st.json()["sessions"][0]["status"]["active"], "sim-a");
  auto t = post("/api/exchanges/test", R"({"operator":"dave"})");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_TRUE(t.json()["ok"]) << t.body;
  EXPECT_GT(t.json()["sessions"][0]["round_trip_us"].get<int64_t>(), 0);
  EXPECT_EQ(post("/api/exchanges/test", R"({"session":"/nope"})").status, 404);
  ASSERT_TRUE(eventually([&] { return audit("exchanges.test").size() == 1; }));
  EXPECT_NE(audit("exchanges.test")[0].second.find("(says dave)"), std::string::npos);
}

TEST_F(http_api_test, admin_status_lists_the_tree_with_states_and_limits) {
  auto r = get("/api/admin/status");
  ASSERT_EQ(r.status, 200);
  auto j = r.json();
  EXPECT_EQ(j["limits"]["MAX_AGENTS_PER_USER"], 10);
  std::vector<std::string> paths;
  for (auto& a : j["actors"])
    paths.push_back(a["path"].get<std::string>());
  for (auto* p : {"/", "/store", "/monitor", "/vault/gateway", "/exchanges/venues/sim-a"})
    EXPECT_NE(std::find(paths.begin(), paths.end(), p), paths.end()) << p;
}

TEST_F(http_api_test, monitoring_shows_rules_metrics_and_history_and_acks_check_their_id) {
  ASSERT_TRUE(eventually([&] {
    auto m = get("/api/monitoring");
    return m.status == 200 && m.json()["history"]["at_ms"].size() >= 2;
  }));
  auto j = get("/api/monitoring").json();
  EXPECT_EQ(j["rules"].size(), 11u); // the runbook's table and the store's connection
  EXPECT_EQ(j["metrics"]["exchange_disconnected"], 0);
  EXPECT_EQ(j["metrics"]["store_disconnected"], 0);
  EXPECT_TRUE(j["alerts"].empty());
  EXPECT_FALSE(get("/api/monitoring?history=0").json().contains("history"));
  auto unknown = post("/api/monitoring/alerts/999/acknowledge");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.json()["message"].get<std::string>().find("no open alert #999"),
            std::string::npos);
  EXPECT_EQ(post("/api/monitoring/alerts/abc/acknowledge").status, 400);
}

TEST_F(http_api_test, metrics_are_prometheus_text_with_every_module_s_families) {
  get("/api/health", "");
  ASSERT_TRUE(eventually(
      [&] { return get("/metrics", "").body.find("tfarm_monitor_value") != std::string::npos; }));
  auto r = get("/metrics", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  for (auto* family :
       {"# TYPE tfarm_http_requests_total counter", "# TYPE tfarm_http_request_seconds summary",
        "# TYPE tfarm_store_commit_seconds summary", "# TYPE tfarm_exchange_connected gauge",
        "# TYPE tfarm_vault_transactions_total counter",
        "# TYPE tfarm_supervisor_restarts_total counter", "tfarm_monitor_value{metric=\"cpu_pct\"}",
        "tfarm_alerts_open{severity=\"critical\"} 0"})
    EXPECT_NE(r.body.find(family), std::string::npos) << family;
  // Prometheus' standard process metrics, so that existing dashboards work.
  for (auto* family :
       {"# TYPE process_cpu_seconds_total counter", "# TYPE process_resident_memory_bytes gauge",
        "# TYPE process_open_fds gauge", "# TYPE process_start_time_seconds gauge"})
    EXPECT_NE(r.body.find(family), std::string::npos) << family;
  auto start = r.body.find("\nprocess_start_time_seconds ");
  ASSERT_NE(start, std::string::npos);
  auto started_s = std::stod(r.body.substr(start + 28));
  auto now_s = static_cast<double>(runtime::unix_now_ms()) / 1'000;
  EXPECT_GT(started_s, now_s - 3'600);
  EXPECT_LE(started_s, now_s);
}

TEST_F(http_api_test, a_session_at_a_low_rate_shows_the_same_orders_everywhere_within_a_second) {
  const std::string path = "/exchanges/sessions/sim-a/alice-main";
  auto entry = node_->context().registry().find(path);
  ASSERT_TRUE(entry);
  auto session = caf::actor_cast<actors::exchange_session_actor>(entry->handle());
  caf::scoped_actor self{node_->system()};
  // Three orders that rest (far below the market), one every 100 ms.
  for (int i = 0; i < 3; ++i) {
    actors::order_request o;
    o.client_order_id = "fresh-" + std::to_string(i);
    o.agent = "test";
    o.account = "alice-main";
    o.venue = "sim-a";
    o.symbol = "BTC-USD";
    o.price = 1;
    o.qty = 1;
    self->request(session, std::chrono::seconds{5}, o)
        .receive([](actors::order_report&) {},
                 [](caf::error& e) { FAIL() << runtime::to_text(e); });
    std::this_thread::sleep_for(std::chrono::milliseconds{100}); // the low rate itself
  }
  auto sent = std::chrono::steady_clock::now();
  auto metric = "tfarm_exchange_orders_total{session=\"" + path + "\"} 3";
  // The registry (console info, the screen), /metrics and the session's own
  // answer agree, well within a second of the last order.
  ASSERT_TRUE(eventually(
      [&] {
        auto st = runtime::read_status<actors::exchange_status>(entry->snapshot());
        return st && st->orders == 3 && get("/metrics", "").body.find(metric) != std::string::npos;
      },
      std::chrono::milliseconds{2'000}));
  EXPECT_LE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds{1'000});
  auto st = get("/api/exchanges/status").json()["sessions"][0]["status"];
  EXPECT_EQ(st["orders"], 3);
  auto info = get("/api/admin/status").json();
  for (auto& a : info["actors"]) {
    if (a["path"] == path) {
      EXPECT_EQ(a["state"]["orders"], 3);
    }
  }
}

TEST_F(http_api_test, the_dashboard_page_is_self_contained_and_its_data_has_the_tree) {
  auto page = get("/dashboard/monitoring", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/api/dashboard"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos); // no external assets
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  auto d = get("/api/dashboard");
  ASSERT_EQ(d.status, 200);
  auto j = d.json();
  EXPECT_GT(j["tree"].size(), 5u);
  EXPECT_EQ(j["sessions"].size(), 1u);
  EXPECT_EQ(j["health"]["status"], "ok");
  // The runbook's API performance, on the dashboard: the page was asked.
  EXPECT_NE(page.body.find("API performance"), std::string::npos);
  ASSERT_TRUE(j["api"].is_array());
  EXPECT_TRUE(eventually([&] {
    auto api = get("/api/dashboard").json()["api"];
    return std::any_of(api.begin(), api.end(),
                       [](auto& e) { return e["endpoint"] == "/dashboard/monitoring"; });
  }));
}

TEST_F(http_api_test, lockdown_rotates_the_token_and_unlock_undoes_it_step_by_step) {
  // A lockdown needs a reason; a bad body changes nothing.
  EXPECT_EQ(post("/api/security/lockdown", "{}").status, 400);
  EXPECT_EQ(post("/api/security/lockdown", R"({"reason":7})").status, 400);
  EXPECT_EQ(get("/api/security/status").json()["locked_down"], false);
  EXPECT_EQ(get("/api/security/status").json()["admin_token"], "configured");
  auto r = post("/api/security/lockdown", R"({"reason":"drill","operator":"carol"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto j = r.json();
  std::vector<std::string> steps;
  for (auto& s : j["steps"]) {
    steps.push_back(s["name"].get<std::string>());
    EXPECT_TRUE(s["ok"]) << s.dump();
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"trading", "vault", "store", "logon", "token"}));
  auto fresh = j["admin_token"].get<std::string>();
  EXPECT_EQ(fresh.rfind("tfarm_", 0), 0u);
  EXPECT_EQ(fresh.size(), 6 + 2 * net::admin_token_random_bytes);
  // The old token is refused from now on; the status never shows a token.
  EXPECT_EQ(get("/api/security/status").status, 403);
  auto st = get("/api/security/status", fresh);
  ASSERT_EQ(st.status, 200) << st.body;
  EXPECT_TRUE(st.json()["locked_down"]);
  EXPECT_EQ(st.json()["pending"], (nlohmann::json{"trading", "vault", "logon"}));
  EXPECT_EQ(st.json()["admin_token"], "rotated");
  EXPECT_EQ(st.body.find(fresh), std::string::npos);
  EXPECT_EQ(get("/api/vault/health", fresh).json()["status"], "emergency");
  auto sessions = get("/api/exchanges/status", fresh).json()["sessions"];
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0]["status"]["state"], "logged_off");
  // Unlock names its steps; anything else is a 400 and changes nothing.
  EXPECT_EQ(post("/api/security/unlock", "{}", fresh).status, 400);
  EXPECT_EQ(post("/api/security/unlock", R"({"steps":["all"]})", fresh).status, 400);
  auto u = post("/api/security/unlock", R"({"steps":["vault"],"reason":"reconciled"})", fresh);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(u.json()["state"]["pending"], (nlohmann::json{"trading", "logon"}));
  EXPECT_EQ(get("/api/vault/health", fresh).json()["status"], "ok");
  u = post("/api/security/unlock", R"({"all":true})", fresh);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_FALSE(u.json()["state"]["locked_down"]);
  ASSERT_TRUE(eventually([&] {
    auto x = get("/api/exchanges/status", fresh).json()["sessions"];
    return x.size() == 1 && x[0]["status"]["state"] == "connected";
  }));
  // Who did it is the token's holder at the client's address.
  auto trail = audit("security.");
  ASSERT_EQ(trail.size(), 3u);
  EXPECT_EQ(trail[0].first, "security.lockdown");
  EXPECT_EQ(trail[0].second.rfind("admin@127.0.0.1:", 0), 0u) << trail[0].second;
  EXPECT_EQ(trail[1].first, "security.unlock");
  EXPECT_EQ(trail[2].first, "security.unlocked");
}

} // namespace
} // namespace tfarm::test
