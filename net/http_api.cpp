#include "net/http_api.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/monitor/farm_sample.hpp"
#include "actors/type_ids.hpp"
#include "actors/vault/vault_setup.hpp"
#include "config/duration.hpp"
#include "net/dashboard_page.hpp"
#include "net/json_views.hpp"
#include "net/logger.hpp"
#include "net/session_query.hpp"
#include "net/venue_reconciliation.hpp"
#include "persistence/store_actor.hpp"
#include "persistence/store_status.hpp"
#include "runtime/ask.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::net {

namespace {

using json = nlohmann::json;

int64_t monotonic_ms() {
  return runtime::steady_now_ns() / 1'000'000;
}

http_response json_response(int status, const json& j) {
  http_response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

http_response error_response(int status, const std::string& code, const std::string& message) {
  http_response r;
  r.status = status;
  r.body = json_error(code, message);
  return r;
}

// A failed wait on an actor: 504 if it did not answer in time, 503 if it
// is not there, 409 for a refusal (the message says which rule).
http_response actor_error(const caf::error& e, const std::string& what) {
  if (e == caf::sec::request_timeout)
    return error_response(504, "timeout", what + " did not answer in time");
  if (e == caf::sec::request_receiver_down || e == caf::sec::invalid_argument)
    return error_response(503, "unavailable", what + " is not running");
  return error_response(409, "refused", what + ": " + runtime::to_text(e));
}

// The JSON object of a POST body ("" is an empty object); nullopt and an
// answer for anything else.
std::optional<json> body_object(const http_request& req, http_response& bad) {
  if (req.body.empty())
    return json::object();
  try {
    auto j = json::parse(req.body);
    if (j.is_object())
      return j;
    bad = error_response(400, "bad_request", "the body must be a JSON object");
  } catch (const json::parse_error& e) {
    bad = error_response(400, "bad_request",
                         "the body is not JSON (at byte " + std::to_string(e.byte) + ")");
  }
  return std::nullopt;
}

std::optional<std::string> optional_string(const json& body, const char* key, http_response& bad) {
  auto i = body.find(key);
  if (i == body.end())
    return std::string{};
  if (!i->is_string()) {
    bad = error_response(400, "bad_request", std::string{"'"} + key + "' must be a string");
    return std::nullopt;
  }
  return i->get<std::string>();
}

constexpr std::string_view ack_prefix = "/api/monitoring/alerts/";
constexpr std::string_view ack_suffix = "/acknowledge";

/// The longest operator name kept in the audit log.
constexpr size_t operator_name_max = 64;

// Who asks, for the audit log: the admin token's holder ("admin") at the
// client's address. The body's "operator" is what the client says of
// itself, recorded as such (not a string: a 400 in `bad`).
std::optional<std::string> who(const http_request& req, const json& body, http_response& bad) {
  auto name = optional_string(body, "operator", bad);
  if (!name)
    return std::nullopt;
  return "admin@" + req.remote +
         (name->empty() ? std::string{} : " (says " + name->substr(0, operator_name_max) + ")");
}

// A mutating request's body, its "reason" and who asks; nullopt and the
// 400 in `bad` for a body that is not a JSON object or a field of the
// wrong type.
struct mutation {
  json body;
  std::string reason;
  std::string user;
};

std::optional<mutation> read_mutation(const http_request& req, http_response& bad) {
  auto body = body_object(req, bad);
  if (!body)
    return std::nullopt;
  auto reason = optional_string(*body, "reason", bad);
  auto user = reason ? who(req, *body, bad) : std::nullopt;
  if (!user)
    return std::nullopt;
  return mutation{std::move(*body), std::move(*reason), std::move(*user)};
}

} // namespace

http_api::http_api(runtime::node& node, http_api_options opts)
    : node_(node), opts_(std::move(opts)), started_ms_(runtime::unix_now_ms()) {
  if (!opts_.security)
    opts_.security = std::make_shared<security_control>(
        node_, std::string{}, std::make_shared<admin_token>(opts_.admin_token),
        opts_.actor_timeout);
  add_routes();
  performance_ = std::make_unique<api_performance>(endpoints(), node_.context().metrics());
}

http_api::~http_api() = default;

void http_api::audit_refusal(const http_request& req, const std::string& why) {
  int64_t skipped = 0;
  auto ok = refusals_.take(runtime::steady_now_ns() / 1'000'000, skipped);
  if (skipped > 0)
    log().warn("http: {} more refusals in the last minute were not audited", skipped);
  if (!ok)
    return;
  if (auto st = persistence::store_of(&node_.context()))
    caf::anon_send(
        st, persistence::append_audit_atom_v,
        persistence::make_audit("http", "(unknown) " + req.remote.substr(0, 64), "http.refused",
                                req.method + " " + req.path.substr(0, 256) + ": " + why));
}

std::optional<http_response> http_api::refuse(const http_request& req) {
  // The scheme is case-insensitive (RFC 9110 11.1); the token is not.
  static const std::string bearer = "bearer ";
  auto scheme_ok =
      req.authorization.size() >= bearer.size() &&
      std::equal(bearer.begin(), bearer.end(), req.authorization.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  if (req.authorization.empty()) {
    audit_refusal(req, "no admin token given");
    auto r = error_response(401, "unauthorized",
                            "this endpoint needs 'Authorization: Bearer <admin token>'");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"tfarm\"");
    return r;
  }
  auto& token = opts_.security->token();
  if (!token.configured())
    return error_response(403, "forbidden",
                          "no admin token is configured on this node ([http] admin_token or "
                          "TFARM_ADMIN_TOKEN)");
  if (!scheme_ok || !token.matches(req.authorization.substr(bearer.size()))) {
    log().warn("http {} {} from {}: wrong admin token", req.method, req.path, req.remote);
    audit_refusal(req, "the admin token is wrong");
    return error_response(403, "forbidden", "the admin token is wrong");
  }
  return std::nullopt;
}

// The route table: every path the API serves, once. Its order is the
// route number the HTTP server hands back to the performance figures.
void http_api::add_routes() {
  using v = route_verb;
  auto get = [this](std::string path, bool admin, auto f) {
    routes_.push_back(route{std::move(path), v::get, admin,
                            [this, f](const http_request&) { return (this->*f)(); }});
  };
  auto post = [this](std::string path, route_fn f) {
    routes_.push_back(route{std::move(path), v::post, true, std::move(f)});
  };
  auto dashboard = [](const http_request&) {
    http_response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = dashboard_html();
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  };
  auto to_dashboard = [](const http_request&) {
    // The runbook's old address of the dashboard still leads there.
    http_response r;
    r.status = 302;
    r.headers.emplace_back("Location", "/dashboard/monitoring");
    r.body = json{{"see", "/dashboard/monitoring"}}.dump();
    return r;
  };
  get("/api/health", false, &http_api::health);
  get("/metrics", false, &http_api::metrics);
  routes_.push_back(route{"/dashboard/monitoring", v::get, false, dashboard});
  routes_.push_back(route{"/admin/monitoring", v::any, false, to_dashboard});
  routes_.push_back(route{"/", v::any, false, to_dashboard});
  get("/api/admin/status", true, &http_api::admin_status);
  get("/admin/api-performance", true, &http_api::api_performance_page);
  get("/api/exchanges/status", true, &http_api::exchanges_status);
  get("/api/cluster/status", false, &http_api::cluster_status);
  post("/api/exchanges/test", [this](const http_request& r) { return exchanges_test(r); });
  get("/api/vault/health", true, &http_api::vault_health);
  auto mode = [this](actors::vault_mode m, bool on) {
    return [this, m, on](const http_request& r) { return vault_mode(r, m, on); };
  };
  post("/api/vault/emergency-mode/enable", mode(actors::vault_mode::emergency, true));
  post("/api/vault/emergency-mode/disable", mode(actors::vault_mode::emergency, false));
  post("/api/vault/transfers/freeze", mode(actors::vault_mode::transfers_frozen, true));
  post("/api/vault/transfers/unfreeze", mode(actors::vault_mode::transfers_frozen, false));
  post("/api/vault/reconcile", [this](const http_request& r) { return vault_reconcile(r); });
  get("/api/security/status", true, &http_api::security_status);
  post("/api/security/lockdown", [this](const http_request& r) { return security_lockdown(r); });
  post("/api/security/unlock", [this](const http_request& r) { return security_unlock(r); });
  routes_.push_back(route{"/api/monitoring", v::get, true,
                          [this](const http_request& r) { return monitoring(r); }});
  get("/api/dashboard", true, &http_api::dashboard_data);
  ack_route_ = static_cast<int>(routes_.size());
  post(std::string{ack_prefix} + "{id}" + std::string{ack_suffix}, [this](const http_request& r) {
    return acknowledge(
        r, r.path.substr(ack_prefix.size(), r.path.size() - ack_prefix.size() - ack_suffix.size()));
  });
  for (size_t i = 0; i < routes_.size(); ++i)
    by_path_.emplace(routes_[i].path, static_cast<int>(i));
  // A trailing slash names the dashboard too.
  by_path_.emplace("/dashboard/monitoring/", by_path_.at("/dashboard/monitoring"));
}

int http_api::route_of(const std::string& p) const {
  if (auto i = by_path_.find(p); i != by_path_.end())
    return i->second;
  if (p.size() > ack_prefix.size() + ack_suffix.size() &&
      p.compare(0, ack_prefix.size(), ack_prefix) == 0 &&
      p.compare(p.size() - ack_suffix.size(), ack_suffix.size(), ack_suffix) == 0)
    return ack_route_;
  return -1;
}

http_response http_api::handle(const http_request& req) {
  auto n = route_of(req.path);
  http_response r;
  if (n < 0) {
    r = error_response(404, "not_found", "no endpoint " + req.path + " (see docs/http.md)");
  } else {
    auto& x = routes_[static_cast<size_t>(n)];
    auto wrong_method = [&](const char* allowed) {
      auto w = error_response(405, "method_not_allowed",
                              req.method + " " + req.path + " is not served; use " + allowed);
      w.headers.emplace_back("Allow", allowed);
      return w;
    };
    if (x.verb == route_verb::get && req.method != "GET")
      r = wrong_method("GET, HEAD");
    else if (x.verb == route_verb::post && req.method != "POST")
      r = wrong_method("POST");
    else if (auto refused = x.admin ? refuse(req) : std::nullopt)
      r = std::move(*refused);
    else
      r = x.serve(req);
  }
  r.route = n;
  return r;
}

std::vector<std::string> http_api::endpoints() const {
  std::vector<std::string> result;
  for (auto& x : routes_)
    result.push_back(x.path);
  return result;
}

http_observer http_api::observer() {
  return [this](int route, int status, int64_t latency_us) {
    performance_->record(route, status, latency_us, monotonic_ms());
  };
}

http_response http_api::api_performance_page() {
  auto now = monotonic_ms();
  json rows = json::array();
  uint64_t requests = 0;
  uint64_t window = 0;
  for (auto& e : performance_->report(now)) {
    requests += e.requests;
    window += e.window_requests;
    rows.push_back(e);
  }
  return json_response(200, json{{"node", node_.context().node_name()},
                                 {"window_ms", api_performance_window_ms},
                                 {"requests", requests},
                                 {"window_requests", window},
                                 {"endpoints", rows}});
}

http_response http_api::health() {
  auto now = runtime::unix_now_ms();
  auto mono = monotonic_ms();
  std::lock_guard<std::mutex> guard{health_mtx_};
  if (health_at_ms_ != 0 && mono - health_at_ms_ < health_cache_ms)
    return health_cached_;
  auto& reg = node_.context().registry();
  size_t actors = 0;
  size_t down = 0;
  size_t sessions = 0;
  size_t connected = 0;
  size_t agents = 0;
  size_t healthy = 0;
  bool store_up = false;
  bool store_db = true;
  bool vault_up = false;
  bool emergency = false;
  bool frozen = false;
  size_t unreadable = 0;
  for (auto& a : reg.query("/")) {
    ++actors;
    down += a.alive ? 0 : 1;
    if (a.kind == "sqlite_store" || a.path == "/store") {
      store_up = a.alive;
      // Alive is not enough: a store that lost its database server refuses
      // every write.
      auto s = runtime::read_status<persistence::store_status>(a);
      store_db = !s || s->connected;
    } else if (a.kind == "vault_gateway") {
      vault_up = a.alive;
      auto s = runtime::read_status<actors::vault_status>(a);
      unreadable += s || runtime::status_pending(s.error()) ? 0 : 1;
      emergency = s && s->emergency;
      frozen = s && s->transfers_frozen;
    } else if (a.kind == "exchange_session") {
      ++sessions;
      auto s = runtime::read_status<actors::exchange_status>(a);
      unreadable += s || runtime::status_pending(s.error()) ? 0 : 1;
      connected += s && actors::session_connected(a, *s) ? 1 : 0;
    } else if (a.kind == "trading_agent") {
      ++agents;
      auto s = runtime::read_status<actors::agent_status>(a);
      unreadable += s || runtime::status_pending(s.error()) ? 0 : 1;
      healthy += s && actors::agent_healthy(a, *s, now) ? 1 : 0;
    }
  }
  auto running = node_.running();
  auto health_pct = agents > 0 ? static_cast<int64_t>(healthy * 100 / agents) : 100;
  std::string status = "ok";
  std::vector<std::string> why;
  if (!running || !store_up || !store_db) {
    status = "down";
    why.push_back(!running    ? "the root supervisor stopped"
                  : !store_up ? "the store is down"
                              : "the store cannot reach its database (writes are refused)");
  } else {
    if (down > 0)
      why.push_back(std::to_string(down) + " actors down");
    if (connected < sessions)
      why.push_back(std::to_string(sessions - connected) + " exchange sessions disconnected");
    if (health_pct < 80)
      why.push_back("agent health " + std::to_string(health_pct) + "%");
    if (emergency)
      why.push_back("vault emergency mode");
    if (unreadable > 0)
      why.push_back(std::to_string(unreadable) + " actors' status cannot be read");
    if (!why.empty())
      status = "degraded";
  }
  json j{{"status", status},
         {"node", node_.context().node_name()},
         {"uptime_ms", now - started_ms_},
         {"reasons", why},
         {"checks",
          {{"supervision", {{"actors", actors}, {"down", down}, {"running", running}}},
           {"store", {{"up", store_up}, {"database_connected", store_db}}},
           {"vault", {{"up", vault_up}, {"emergency", emergency}, {"transfers_frozen", frozen}}},
           {"exchanges", {{"sessions", sessions}, {"connected", connected}}},
           {"agents", {{"agents", agents}, {"healthy", healthy}, {"health_pct", health_pct}}}}}};
  health_cached_ = json_response(status == "down" ? 503 : 200, j);
  health_cached_.headers.emplace_back("Cache-Control", "no-store");
  health_at_ms_ = mono;
  return health_cached_;
}

http_response http_api::admin_status() {
  json actors = json::array();
  for (auto& a : node_.context().registry().query("/")) {
    json failures = json::array();
    for (auto& f : a.failures)
      failures.push_back({{"at_ms", f.at_ms}, {"reason", f.reason}});
    actors.push_back({{"path", a.path},
                      {"kind", a.kind},
                      {"alive", a.alive},
                      {"restarts", a.restarts},
                      {"failures", failures},
                      {"messages_handled", a.messages_handled},
                      {"mailbox_size", a.mailbox_size},
                      {"checkpoint_seq", a.checkpoint_seq},
                      {"checkpoint_at_ms", a.checkpoint_at_ms},
                      {"started_at_ms", a.started_at_ms},
                      {"state", state_of(a)}});
  }
  auto& lim = node_.context().limits();
  json j{{"node", node_.context().node_name()},
         {"running", node_.running()},
         {"uptime_ms", runtime::unix_now_ms() - started_ms_},
         {"limits",
          {{"MAX_AGENTS_PER_USER", lim.max_agents_per_user},
           {"ORDER_RATE_LIMIT", std::to_string(lim.order_rate_limit.count) + "/" +
                                    std::to_string(lim.order_rate_limit.per.count()) + "ms"},
           {"CONNECTION_POOL_SIZE", lim.connection_pool_size},
           {"CACHE_DURATION_MS", lim.cache_duration.count()}}},
         {"actors", actors}};
  return json_response(200, j);
}

http_response http_api::cluster_status() {
  if (!opts_.cluster)
    return error_response(404, "not_found", "this node is not a member of a cluster");
  auto view = read_cluster_view(*opts_.cluster);
  if (!view)
    return error_response(503, "unavailable",
                          "the cluster's database cannot be read: " +
                              runtime::to_text(view.error()));
  auto j = to_json(*view);
  j["node"] = node_.context().node_name();
  return json_response(200, j);
}

http_response http_api::exchanges_status() {
  json sessions = json::array();
  auto found = find_sessions(node_.context(), [](const runtime::actor_info&) { return true; });
  auto answers = ask_sessions(
      node_.system(), found, session_request::status,
      std::min(opts_.actor_timeout, std::chrono::milliseconds{session_query_timeout_ms}));
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto& info = found[i].info;
    json row{{"path", info.path}, {"alive", info.alive}, {"restarts", info.restarts}};
    if (answers[i]) {
      row["status"] = json(*answers[i]);
    } else {
      row["status"] = state_of(info);
      row["error"] = !found[i].handle ? "not running" : runtime::to_text(answers[i].error());
    }
    sessions.push_back(std::move(row));
  }
  return json_response(200, json{{"sessions", sessions}});
}

http_response http_api::exchanges_test(const http_request& req) {
  http_response bad;
  auto body = body_object(req, bad);
  if (!body)
    return bad;
  auto only = optional_string(*body, "session", bad);
  auto user = who(req, *body, bad);
  if (!only || !user)
    return bad;
  json results = json::array();
  bool all_ok = true;
  auto found = find_sessions(node_.context(),
                             [&](const runtime::actor_info& x) { return session_named(x, *only); });
  auto answers = ask_sessions(
      node_.system(), found, session_request::test,
      std::min(opts_.actor_timeout, std::chrono::milliseconds{session_query_timeout_ms}));
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto& st = answers[i];
    json row{{"path", found[i].info.path}};
    row["ok"] = st && st->connected;
    all_ok = all_ok && st && st->connected;
    if (st) {
      row["round_trip_us"] = st->last_test_us;
      row["status"] = json(*st);
    } else {
      row["error"] = !found[i].handle ? "not running" : runtime::to_text(st.error());
    }
    results.push_back(std::move(row));
  }
  if (!only->empty() && results.empty())
    return error_response(404, "not_found", "no exchange session " + *only);
  if (auto st = persistence::store_of(&node_.context())) {
    caf::anon_send(st, persistence::append_audit_atom_v,
                   persistence::make_audit("http", *user, "exchanges.test",
                                           std::to_string(results.size()) + " sessions, " +
                                               (all_ok ? "all" : "not all") + " reachable"));
  }
  return json_response(200, json{{"ok", all_ok}, {"sessions", results}});
}

http_response http_api::vault_health() {
  auto gw = actors::find_gateway(node_.context());
  if (!gw)
    return error_response(503, "unavailable", "the vault gateway is not running");
  auto s = runtime::ask<actors::vault_status>(node_.system(), gw, opts_.actor_timeout,
                                              actors::vault_status_atom_v);
  if (!s)
    return actor_error(s.error(), "the vault");
  json j = *s;
  j["status"] = s->emergency ? "emergency" : s->transfers_frozen ? "frozen" : "ok";
  return json_response(200, j);
}

http_response http_api::vault_mode(const http_request& req, actors::vault_mode mode, bool on) {
  http_response bad;
  auto m = read_mutation(req, bad);
  if (!m)
    return bad;
  auto gw = actors::find_gateway(node_.context());
  if (!gw)
    return error_response(503, "unavailable", "the vault gateway is not running");
  actors::vault_mode_change change;
  change.mode = mode;
  change.on = on;
  change.user = m->user;
  change.reason = m->reason.empty() ? "via the HTTP API" : m->reason;
  auto s = runtime::ask<actors::vault_status>(node_.system(), gw, opts_.actor_timeout, change);
  if (!s)
    return actor_error(s.error(), "the vault");
  log().warn("http: vault {} {} by {}", to_string(mode), on ? "on" : "off", change.user);
  return json_response(200, json(*s));
}

http_response http_api::vault_reconcile(const http_request& req) {
  http_response bad;
  auto m = read_mutation(req, bad);
  if (!m)
    return bad;
  auto gw = actors::find_gateway(node_.context());
  if (!gw)
    return error_response(503, "unavailable", "the vault gateway is not running");
  actors::reconcile_request rq;
  rq.user = m->user;
  rq.reason = m->reason.empty() ? "via the HTTP API" : m->reason;
  auto rep = runtime::ask<actors::reconcile_report>(node_.system(), gw, opts_.actor_timeout, rq);
  if (!rep)
    return actor_error(rep.error(), "the vault");
  auto venues = reconcile_venues(node_, opts_.security->db(), opts_.actor_timeout);
  if (auto st = persistence::store_of(&node_.context()))
    caf::anon_send(st, persistence::append_audit_atom_v,
                   persistence::make_audit("http", m->user, "vault.reconcile.venues",
                                           audit_json(venues).dump()));
  auto j = to_json(*rep);
  j["venues"] = to_json(venues);
  j["clean"] = rep->clean && venues.clean();
  return json_response(200, j);
}

http_response http_api::security_status() {
  auto st = opts_.security->state();
  if (!st)
    return error_response(503, "unavailable",
                          "the security state cannot be read: " + runtime::to_text(st.error()));
  return json_response(200, to_json(*st));
}

http_response http_api::security_lockdown(const http_request& req) {
  http_response bad;
  auto m = read_mutation(req, bad);
  if (!m)
    return bad;
  if (m->reason.empty())
    return error_response(400, "bad_request",
                          "a lockdown needs a \"reason\": what happened (it is audited)");
  auto out =
      opts_.security->lockdown(m->user, m->reason.substr(0, config::lockdown_reason_chars_max));
  // Partly done is still done: the answer carries the new token either way.
  auto r = json_response(out.ok ? 200 : 500, to_json(out));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http_response http_api::security_unlock(const http_request& req) {
  http_response bad;
  auto m = read_mutation(req, bad);
  if (!m)
    return bad;
  std::vector<std::string> steps;
  auto all = m->body.find("all");
  if (all != m->body.end() && all->is_boolean() && all->get<bool>()) {
    steps.assign(std::begin(persistence::lockdown_steps), std::end(persistence::lockdown_steps));
  } else if (auto s = m->body.find("steps"); s != m->body.end() && s->is_array() && !s->empty()) {
    for (auto& x : *s) {
      auto known =
          x.is_string() &&
          std::find(std::begin(persistence::lockdown_steps), std::end(persistence::lockdown_steps),
                    x.get<std::string>()) != std::end(persistence::lockdown_steps);
      if (!known)
        return error_response(400, "bad_request",
                              "each of \"steps\" is \"trading\", \"vault\" or \"logon\"");
      steps.push_back(x.get<std::string>());
    }
  } else {
    return error_response(400, "bad_request",
                          "name the steps to undo: {\"steps\": [\"vault\", \"logon\", "
                          "\"trading\"]} or {\"all\": true}");
  }
  auto out = opts_.security->unlock(m->user, steps, m->reason);
  return json_response(out.ok ? 200 : 500, to_json(out));
}

http_response http_api::monitoring(const http_request& req) {
  auto e = node_.context().registry().find("/monitor");
  auto h = e ? e->handle() : caf::actor{};
  if (!h || e->kind() != "farm_monitor")
    return error_response(503, "unavailable", "the monitor is not running");
  auto history = req.query.find("history=0") == std::string::npos;
  auto doc = runtime::ask<std::string>(node_.system(), h, opts_.actor_timeout,
                                       actors::monitoring_atom_v, history);
  if (!doc)
    return actor_error(doc.error(), "the monitor");
  http_response r;
  r.body = std::move(*doc);
  return r;
}

http_response http_api::acknowledge(const http_request& req, const std::string& id) {
  std::string why;
  auto parsed = config::parse_integer(id, 1, INT64_MAX, why);
  if (!parsed || id.find_first_not_of("0123456789") != std::string::npos)
    return error_response(400, "bad_request",
                          "alert id '" + id.substr(0, 32) + "' is not a number");
  auto n = static_cast<uint64_t>(*parsed);
  http_response bad;
  auto body = body_object(req, bad);
  if (!body)
    return bad;
  auto user = who(req, *body, bad);
  if (!user)
    return bad;
  auto e = node_.context().registry().find("/monitor");
  auto h = e ? e->handle() : caf::actor{};
  if (!h)
    return error_response(503, "unavailable", "the monitor is not running");
  auto doc = runtime::ask<std::string>(node_.system(), h, opts_.actor_timeout,
                                       actors::alert_ack_atom_v, n, *user);
  if (!doc)
    return doc.error().category() == caf::atom("tfmonitor")
               ? error_response(404, "not_found", runtime::to_text(doc.error()))
               : actor_error(doc.error(), "the monitor");
  http_response r;
  r.body = std::move(*doc);
  return r;
}

http_response http_api::dashboard_data() {
  // One poll of the dashboard: the tree, agents, sessions and vault from
  // the registry (no waiting on them), the monitor's document with history.
  json tree = json::array();
  json agents = json::array();
  json sessions = json::array();
  json vault = json::object();
  auto now = runtime::unix_now_ms();
  for (auto& a : node_.context().registry().query("/")) {
    tree.push_back({{"path", a.path},
                    {"kind", a.kind},
                    {"alive", a.alive},
                    {"restarts", a.restarts},
                    {"mailbox", a.mailbox_size}});
    if (a.kind == "trading_agent") {
      auto s = runtime::read_status<actors::agent_status>(a);
      json row =
          s ? json(*s) : json{{"path", a.path}, {"status_error", runtime::to_text(s.error())}};
      row["healthy"] = s && actors::agent_healthy(a, *s, now);
      row["restarts"] = a.restarts;
      agents.push_back(std::move(row));
    } else if (a.kind == "exchange_session") {
      auto s = runtime::read_status<actors::exchange_status>(a);
      json row = s ? json(*s) : json{{"status_error", runtime::to_text(s.error())}};
      row["path"] = a.path;
      row["alive"] = a.alive;
      sessions.push_back(std::move(row));
    } else if (a.kind == "vault_gateway") {
      auto s = runtime::read_status<actors::vault_status>(a);
      vault = s ? json(*s) : json{{"status_error", runtime::to_text(s.error())}};
      vault["alive"] = a.alive;
    }
  }
  http_request req;
  req.query = "history=1";
  auto mon = monitoring(req);
  auto m = json::parse(mon.body, nullptr, false);
  json j{{"node", node_.context().node_name()},
         {"at_ms", now},
         {"health", json::parse(health().body, nullptr, false)},
         {"tree", tree},
         {"agents", agents},
         {"sessions", sessions},
         {"vault", vault},
         {"api", performance_->report(monotonic_ms())},
         {"monitoring", mon.status == 200 && !m.is_discarded() ? m : json()}};
  return json_response(200, j);
}

http_response http_api::metrics() {
  http_response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = node_.context().metrics().render_prometheus();
  return r;
}

} // namespace tfarm::net
