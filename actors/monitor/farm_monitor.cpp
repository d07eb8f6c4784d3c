#include "actors/monitor/farm_monitor.hpp"

#include <unistd.h>

#include <set>

#include <algorithm>

#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/monitor/error.hpp"
#include "actors/monitor/logger.hpp"
#include "actors/monitor/type_ids.hpp"
#include "actors/vault/vault_interfaces.hpp"
#include "actors/vault/vault_names.hpp"
#include "config/duration.hpp"
#include "config/limits.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"
#include "runtime/process_stats.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

/// Open alerts read back from the store after a restart, at most.
constexpr uint32_t monitor_restore_alerts_max = 10'000;

alert_severity severity_named(const std::string& x) {
  if (x == "critical")
    return alert_severity::critical;
  if (x == "error")
    return alert_severity::error;
  if (x == "warning")
    return alert_severity::warning;
  if (x == "info")
    return alert_severity::info;
  return alert_severity::none;
}

nlohmann::json settings_json(const config::monitor_settings& x) {
  nlohmann::json rules = nlohmann::json::array();
  for (auto& r : x.rules) {
    nlohmann::json j{{"name", r.name},
                     {"metric", r.metric},
                     {"comparison", r.comparison},
                     {"for_ms", r.for_duration.count()},
                     {"description", r.description},
                     {"enabled", r.enabled}};
    if (r.warning)
      j["warning"] = *r.warning;
    if (r.critical)
      j["critical"] = *r.critical;
    rules.push_back(std::move(j));
  }
  return {{"runbook_rules", x.runbook_rules},
          {"rules", rules},
          {"routing", x.routing},
          {"alerts_file", x.alerts_file},
          {"webhook_url", x.webhook_url},
          {"webhook_attempts", x.webhook_attempts},
          {"webhook_backoff_min_ms", x.webhook_backoff_min.count()},
          {"webhook_backoff_max_ms", x.webhook_backoff_max.count()},
          {"webhook_timeout_ms", x.webhook_timeout.count()},
          {"webhook_queue_max", x.webhook_queue_max},
          {"history_samples", x.history_samples},
          {"rate_window_ms", x.rate_window.count()}};
}

config::monitor_settings settings_from(const nlohmann::json& j) {
  config::monitor_settings x;
  x.runbook_rules = j.value("runbook_rules", true);
  for (auto& r : j.value("rules", nlohmann::json::array())) {
    config::alert_rule_settings y;
    y.name = r.value("name", "");
    y.metric = r.value("metric", "");
    y.comparison = r.value("comparison", "above");
    y.for_duration = std::chrono::milliseconds{r.value("for_ms", int64_t{0})};
    y.description = r.value("description", "");
    y.enabled = r.value("enabled", true);
    if (r.contains("warning"))
      y.warning = r["warning"].get<int64_t>();
    if (r.contains("critical"))
      y.critical = r["critical"].get<int64_t>();
    x.rules.push_back(std::move(y));
  }
  if (j.contains("routing"))
    x.routing = j["routing"].get<std::map<std::string, std::vector<std::string>>>();
  x.alerts_file = j.value("alerts_file", "");
  x.webhook_url = j.value("webhook_url", "");
  x.webhook_attempts = j.value("webhook_attempts", x.webhook_attempts);
  x.webhook_backoff_min =
      std::chrono::milliseconds{j.value("webhook_backoff_min_ms", x.webhook_backoff_min.count())};
  x.webhook_backoff_max =
      std::chrono::milliseconds{j.value("webhook_backoff_max_ms", x.webhook_backoff_max.count())};
  x.webhook_timeout =
      std::chrono::milliseconds{j.value("webhook_timeout_ms", x.webhook_timeout.count())};
  x.webhook_queue_max = j.value("webhook_queue_max", x.webhook_queue_max);
  x.history_samples = j.value("history_samples", x.history_samples);
  x.rate_window = std::chrono::milliseconds{j.value("rate_window_ms", x.rate_window.count())};
  return x;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

} // namespace

farm_monitor::farm_monitor(caf::actor_config& cfg, runtime::spawn_context ctx)
    : runtime::managed_actor(cfg, std::move(ctx)) {
  auto p = runtime::params_of<farm_monitor_params>(spec());
  interval_ = std::max(p.interval, std::chrono::milliseconds{1});
  log_every_ = std::max(p.log_every, std::chrono::milliseconds{1});
  if (!p.settings.empty()) {
    auto j = nlohmann::json::parse(p.settings, nullptr, false);
    try {
      if (!j.is_object())
        throw std::invalid_argument{"not a JSON object"};
      settings_ = settings_from(j);
    } catch (const std::exception& e) {
      settings_error_ = caf::error{runtime::runtime_errc::bad_parameter,
                                   path() + ": parameter 'settings' cannot be read: " + e.what()};
    }
  }
  for (auto& r : effective_alert_rules(settings_))
    trackers_.emplace_back(std::move(r));
  sampler_ = farm_sampler{settings_.rate_window.count()};
}

runtime::kind_info farm_monitor::kind() {
  return runtime::make_kind<farm_monitor>(
      "farm_monitor", "samples the farm's metrics, evaluates alert rules, routes alerts");
}

farm_monitor_params farm_monitor::params(const config::monitor_settings& x,
                                         std::chrono::milliseconds interval,
                                         std::chrono::milliseconds log_every) {
  return {interval, log_every, settings_json(x).dump()};
}

caf::behavior farm_monitor::make_behavior() {
  register_monitor_error_names();
  if (settings_error_) {
    monitor_log().error("{}", runtime::message_of(settings_error_));
    quit(settings_error_);
    return {};
  }
  std::optional<webhook_options> hook;
  if (!settings_.webhook_url.empty()) {
    std::string why;
    if (auto url = config::parse_http_url(settings_.webhook_url, why)) {
      webhook_options w;
      w.url = *url;
      w.attempts = settings_.webhook_attempts;
      w.backoff_min = settings_.webhook_backoff_min;
      w.backoff_max = settings_.webhook_backoff_max;
      w.timeout = settings_.webhook_timeout;
      w.queue_max = static_cast<std::size_t>(settings_.webhook_queue_max);
      hook = w;
    } else {
      monitor_log().error("{}: webhook '{}' {}; the webhook channel is off", path(),
                          settings_.webhook_url, why);
    }
  }
  router_ = std::make_unique<alert_router>(settings_.routing, settings_.alerts_file, hook);
  if (node()) {
    auto m = runtime::http_metrics::in(node()->metrics());
    http_requests_ = m.requests;
    http_errors_ = m.errors;
    http_latency_ = m.latency;
    http_requests_seen_ = static_cast<uint64_t>(http_requests_->value());
    http_errors_seen_ = static_cast<uint64_t>(http_errors_->value());
    notifications_ =
        node()->metrics().counter("tfarm_alert_notifications_total", "Alert notifications routed");
    auto addr = address();
    node()->set_incident_watcher([addr](const runtime::incident& x) {
      if (auto self = caf::actor_cast<caf::actor>(addr))
        caf::anon_send(self, incident_atom_v, x.path, x.action, x.detail, x.severity);
    });
  }
  // Open alerts from before a restart: taken over, so that they resolve
  // instead of firing twice. Rules are evaluated once they are known.
  if (auto st = persistence::store_of(node().get())) {
    request(st, std::chrono::milliseconds{monitor_store_timeout_ms},
            persistence::load_alerts_atom_v, true, monitor_restore_alerts_max)
        .then(
            [this](std::vector<persistence::alert_record>& xs) {
              for (auto& rec : xs) {
                auto key = rec.rule;
                open_alert a;
                a.slot = std::make_shared<alert_slot>();
                a.slot->id = rec.id;
                a.rec = std::move(rec);
                alert_tracker* tracker = nullptr;
                for (auto& t : trackers_)
                  if (t.rule().name == key)
                    tracker = &t;
                const alert_rule* rule = tracker != nullptr ? &tracker->rule() : nullptr;
                auto incident = key.compare(0, 9, "incident:") == 0;
                // Its rule gone from the configuration, or an older open row
                // of the same rule (newest come first): nothing would ever
                // resolve it.
                auto why = !incident && rule == nullptr ? "the rule is no longer configured"
                           : open_.count(key) != 0      ? "a newer alert of the rule is open"
                                                        : nullptr;
                if (why != nullptr) {
                  a.rec.state = "resolved";
                  a.rec.message += std::string{" (resolved: "} + why + ")";
                  a.rec.updated_at_ms = node_clock().unix_ms();
                  save(a);
                  continue;
                }
                if (tracker != nullptr) {
                  // The kept (newest) row sets where the rule's tracker starts.
                  tracker->assume(severity_named(a.rec.severity));
                  a.metric = rule->metric;
                }
                open_.emplace(key, std::move(a));
              }
              if (!xs.empty())
                monitor_log().info("{}: took over {} open alerts", path(), xs.size());
              restored_ = true;
            },
            [this](caf::error& e) {
              monitor_log().error(
                  "{}: could not read the open alerts ({}); they stay open in the store", path(),
                  runtime::to_text(e));
              restored_ = true;
            });
  } else {
    restored_ = true;
  }
  delayed_send(this, interval_, caf::tick_atom_v);
  return {
      [this](caf::tick_atom) {
        tick();
        delayed_send(this, interval_, caf::tick_atom_v);
      },
      [this](monitoring_atom, bool history) { return document(history); },
      [this](alert_ack_atom, uint64_t id, std::string& user) { return acknowledge(id, user); },
      [this](incident_atom, std::string& p, std::string& action, std::string& detail,
             std::string& severity) { on_incident(p, action, detail, severity); },
  };
}

void farm_monitor::on_exit() {
  if (node())
    node()->set_incident_watcher({});
  router_.reset(); // stops the webhook's thread
  runtime::managed_actor::on_exit();
}

void farm_monitor::tick() {
  if (!node())
    return;
  auto entry = node()->registry().find(gateway_path);
  auto gw = caf::actor_cast<vault_actor>(entry ? entry->handle() : caf::actor{});
  if (!gw) {
    sample(std::nullopt);
    return;
  }
  request(gw, std::max(interval_, std::chrono::milliseconds{monitor_vault_timeout_ms}),
          vault_status_atom_v)
      .then([this](vault_status& s) { sample(s); }, [this](caf::error&) { sample(std::nullopt); });
}

void farm_monitor::sample(const std::optional<vault_status>& vault) {
  auto actors = node()->registry().query("/");
  api_window api;
  if (http_requests_ != nullptr) {
    auto requests = static_cast<uint64_t>(http_requests_->value());
    auto errors = static_cast<uint64_t>(http_errors_->value());
    api.requests = requests - std::min(requests, http_requests_seen_);
    api.errors = errors - std::min(errors, http_errors_seen_);
    http_requests_seen_ = requests;
    http_errors_seen_ = errors;
    api.p99_us = http_latency_->take_window().p99;
  }
  auto proc = runtime::read_process_sample();
  auto now = node_clock().unix_ms();
  auto mono = node_clock().steady_ns() / 1'000'000;
  auto& m = node()->metrics();
  // Each agent's and session's own figures, from the status the sampler
  // decoded. Series of actors that left are retired below.
  std::set<std::string> present;
  sample_visitor publish;
  publish.agent = [&](const runtime::actor_info& a, const agent_status& s) {
    present.insert(a.path);
    runtime::metric_labels l{{"agent", a.path}};
    // A restarted agent's counters are its checkpoint's until it reconciled
    // with the store: they may be lower than what the series showed, and a
    // counter that goes down reads as a reset to Prometheus. While it
    // starts, the series only go up.
    auto mirror = [&](runtime::counter_metric* c, uint64_t total) {
      auto x = static_cast<int64_t>(total);
      if (s.state != "starting" || x > c->value())
        c->set_total(x);
    };
    mirror(m.counter("tfarm_agent_orders_total", "Orders an agent placed", l), s.orders);
    mirror(m.counter("tfarm_agent_fills_total", "Fills an agent received", l), s.fills);
    m.gauge("tfarm_agent_position", "An agent's position (base asset units)", l)->set(s.position);
    m.gauge("tfarm_agent_realized_pnl", "An agent's realized PnL (quote asset units)", l)
        ->set(s.realized_pnl);
    m.gauge("tfarm_agent_errors_per_minute", "An agent's failed requests in the last minute", l)
        ->set(s.errors_per_min);
    m.gauge("tfarm_agent_healthy", "1 if the agent is healthy", l)
        ->set(agent_healthy(a, s, now) ? 1 : 0);
  };
  publish.session = [&](const runtime::actor_info& a, const exchange_status& s) {
    present.insert(a.path);
    runtime::metric_labels l{{"session", a.path}};
    m.gauge("tfarm_exchange_connected", "1 if the session reaches a venue", l)
        ->set(session_connected(a, s) ? 1 : 0);
    m.gauge("tfarm_exchange_latency_p99_seconds", "Round trips to the active venue, p99", l,
            1'000'000)
        ->set(s.latency_p99_us);
    m.counter("tfarm_exchange_orders_total", "Orders a session sent", l)
        ->set_total(static_cast<int64_t>(s.orders));
    m.counter("tfarm_exchange_rejected_total", "Orders venues rejected", l)
        ->set_total(static_cast<int64_t>(s.rejected));
    m.counter("tfarm_exchange_failovers_total", "Failovers to the backup venue", l)
        ->set_total(static_cast<int64_t>(s.failovers));
    m.gauge("tfarm_exchange_unrecorded_updates",
            "Order updates the store has not taken yet (sent again at each heartbeat)", l)
        ->set(static_cast<int64_t>(s.unrecorded));
  };
  std::optional<vault_counts> counts;
  if (vault)
    counts = vault_counts{vault->transactions, vault->succeeded};
  last_ = sampler_.take(actors, api, proc, now, counts, mono, publish);
  m.retire_series("agent", present);
  m.retire_series("session", present);
  for (auto& why : last_.unreadable)
    if (unreadable_.insert(why).second)
      monitor_log().error(
          "monitor: {} (it counts as unhealthy until it publishes a readable status)", why);
  if (vault) {
    m.gauge("tfarm_vault_emergency", "1 while the vault is in emergency mode")
        ->set(vault->emergency ? 1 : 0);
    m.gauge("tfarm_vault_transfers_frozen", "1 while transfers are frozen")
        ->set(vault->transfers_frozen ? 1 : 0);
  }
  history_.push_back(last_);
  while (history_.size() > static_cast<std::size_t>(settings_.history_samples))
    history_.pop_front();
  for (auto& [name, value] : last_.values)
    if (auto g = m.gauge("tfarm_monitor_value",
                         "What the monitor sampled, by metric (alert rules watch these)",
                         {{"metric", name}}))
      g->set(value);
  if (proc)
    publish_process(*proc);
  // The counts the sampler used (carried on when the vault did not answer:
  // the gateway's description is older and would read as a reset).
  if (auto& v = sampler_.vault()) {
    m.counter("tfarm_vault_transactions_total", "Vault operations answered")
        ->set_total(static_cast<int64_t>(v->transactions));
    m.counter("tfarm_vault_succeeded_total", "Vault operations that succeeded")
        ->set_total(static_cast<int64_t>(v->succeeded));
  }
  std::map<std::string, int64_t> by_supervisor;
  for (auto& a : actors)
    if (a.restarts > 0 || by_supervisor.count(parent_of(a.path)) == 0)
      by_supervisor[parent_of(a.path)] += static_cast<int64_t>(a.restarts);
  for (auto& [sup, n] : by_supervisor)
    m.counter("tfarm_supervisor_restarts_total", "Restarts of a supervisor's children",
              {{"supervisor", sup}})
        ->set_total(n);
  if (restored_) {
    for (auto& t : trackers_) {
      auto v = last_.values.find(t.rule().metric);
      if (v == last_.values.end())
        continue;
      // for-durations on the monotonic clock: a wall-clock step must not
      // fire or resolve anything.
      if (auto ev = t.observe(v->second, mono))
        on_event(*ev, t.rule());
    }
  }
  std::map<std::string, int64_t> open_by_severity{
      {"info", 0}, {"warning", 0}, {"error", 0}, {"critical", 0}};
  for (auto& [key, a] : open_)
    ++open_by_severity[a.rec.severity];
  for (auto& [sev, n] : open_by_severity)
    m.gauge("tfarm_alerts_open", "Alerts firing or acknowledged, by severity", {{"severity", sev}})
        ->set(n);
  publish_description();
  if (now - last_log_ms_ >= log_every_.count()) {
    last_log_ms_ = now;
    auto& v = last_.values;
    monitor_log().info(
        "node {}: {} actors, agent health {}%, order success {} bps, vault success {} bps, "
        "exchange latency {} ms, {} disconnected, store queue {}, cpu {}%, memory {}%, "
        "{} open alerts",
        node()->node_name(), actors.size(), v["agent_health_pct"], v["order_success_bps"],
        v["vault_success_bps"], v["exchange_latency_ms"], v["exchange_disconnected"],
        v["store_queue_depth"], v["cpu_pct"], v["memory_pct"], open_.size());
  }
}

void farm_monitor::on_event(const alert_event& ev, const alert_rule& rule) {
  auto& key = rule.name;
  auto now = node_clock().unix_ms();
  auto i = open_.find(key);
  if (ev.resolved()) {
    if (i == open_.end())
      return;
    // Out of the open set now: should the rule fire again, that is a new
    // alert (a new row), whatever the store is still writing for this one.
    auto a = std::move(i->second);
    open_.erase(i);
    a.rec.state = "resolved";
    a.rec.message = ev.text(rule);
    a.rec.updated_at_ms = now;
    a.value = ev.value;
    save(a);
    return;
  }
  if (i == open_.end()) {
    open_alert a;
    a.slot = std::make_shared<alert_slot>();
    a.rec.rule = key;
    a.rec.fired_at_ms = now;
    a.rec.state = "firing";
    i = open_.emplace(key, std::move(a)).first;
  }
  auto& a = i->second;
  auto sev = to_string(ev.to);
  // Worse than what an operator acknowledged: it needs eyes again.
  if (a.rec.state == "acknowledged" && severity_named(sev) > severity_named(a.rec.severity))
    a.rec.state = "firing";
  a.rec.severity = sev;
  a.rec.message = ev.text(rule);
  a.rec.updated_at_ms = now;
  a.metric = ev.metric;
  a.value = ev.value;
  a.threshold = ev.threshold;
  save(a);
}

void farm_monitor::on_incident(const std::string& p, const std::string& action,
                               const std::string& detail, const std::string& severity) {
  // Unique across restarts (restored incidents keep their keys).
  auto now = node_clock().unix_ms();
  auto key = "incident:" + std::to_string(now) + "." + std::to_string(++incidents_) + ":" + action;
  open_alert a;
  a.slot = std::make_shared<alert_slot>();
  a.rec.rule = key;
  a.rec.severity = severity == "critical" ? "critical" : "error";
  a.rec.state = "firing";
  a.rec.message = p + ": " + action + ": " + detail;
  a.rec.fired_at_ms = a.rec.updated_at_ms = now;
  save(a);
  open_.emplace(key, std::move(a));
}

void farm_monitor::save(const open_alert& a) {
  a.slot->queue.push_back(a);
  pump(a.slot);
}

void farm_monitor::pump(const std::shared_ptr<alert_slot>& slot) {
  if (slot->saving || slot->queue.empty())
    return;
  auto st = persistence::store_of(node().get());
  auto rec = slot->queue.front().rec;
  rec.id = slot->id;
  slot->saving = true;
  // Each notification tells what was saved, in order, once it was saved.
  auto done = [this, slot](uint64_t id) {
    slot->saving = false;
    if (slot->id == 0 && id != 0) {
      slot->id = id;
      for (auto& [key, x] : open_)
        if (x.slot == slot)
          x.rec.id = id;
    }
    auto x = std::move(slot->queue.front());
    slot->queue.pop_front();
    x.rec.id = slot->id;
    notify(x);
    pump(slot);
  };
  if (!st) {
    done(0);
    return;
  }
  request(st, std::chrono::milliseconds{monitor_store_timeout_ms}, persistence::save_alert_atom_v,
          std::move(rec))
      .then(done, [this, done](caf::error& e) {
        // The row may or may not exist (a timeout): operators still hear
        // of the alert; a later save of it may add a second row.
        monitor_log().error("{}: could not save an alert ({}); notifying anyway", path(),
                            runtime::to_text(e));
        done(0);
      });
}

void farm_monitor::notify(const open_alert& a) {
  alert_notice n;
  n.id = a.rec.id;
  n.node = node() ? node()->node_name() : "";
  n.rule = a.rec.rule;
  n.metric = a.metric;
  n.severity = a.rec.severity;
  n.state = a.rec.state;
  n.message = a.rec.message;
  n.value = a.value;
  n.threshold = a.threshold;
  n.at_ms = a.rec.updated_at_ms;
  if (n.state == "acknowledged")
    n.severity = "info"; // an operator's action: the log records it
  auto used = router_ ? router_->route(n) : std::vector<std::string>{};
  if (notifications_ != nullptr)
    notifications_->add();
  if (std::find(used.begin(), used.end(), "dashboard") != used.end()) {
    feed_.push_front(n);
    while (feed_.size() > monitor_feed_max)
      feed_.pop_back();
  }
}

caf::result<std::string> farm_monitor::acknowledge(uint64_t id, const std::string& user) {
  auto i = std::find_if(open_.begin(), open_.end(),
                        [id](const auto& kv) { return kv.second.rec.id == id; });
  if (id == 0 || i == open_.end())
    return caf::make_error(monitor_errc::unknown_alert,
                           "no open alert #" + std::to_string(id) +
                               " (resolved alerts cannot be acknowledged)");
  auto& a = i->second;
  auto view = [](const open_alert& x) {
    return nlohmann::json{
        {"id", x.rec.id},       {"rule", x.rec.rule},       {"severity", x.rec.severity},
        {"state", x.rec.state}, {"message", x.rec.message}, {"updated_at_ms", x.rec.updated_at_ms}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (a.rec.state == "acknowledged")
    return view(a); // idempotent: nothing new to record
  // An incident is a point event: acknowledging it is all there is to do.
  auto incident = a.rec.rule.compare(0, 9, "incident:") == 0;
  a.rec.state = incident ? "resolved" : "acknowledged";
  a.rec.message += " (acknowledged by " + user + ")";
  a.rec.updated_at_ms = node_clock().unix_ms();
  auto answer = view(a);
  if (auto st = persistence::store_of(node().get())) {
    caf::anon_send(st, persistence::append_audit_atom_v,
                   persistence::make_audit(path(), user, "monitor.alert.acknowledged",
                                           "#" + std::to_string(id) + " " + a.rec.rule));
  }
  save(a);
  if (incident)
    open_.erase(i);
  publish_description();
  return answer;
}

std::string farm_monitor::document(bool history) const {
  nlohmann::json alerts = nlohmann::json::array();
  for (auto& [key, a] : open_) {
    alerts.push_back({{"id", a.rec.id},
                      {"rule", a.rec.rule},
                      {"metric", a.metric},
                      {"severity", a.rec.severity},
                      {"state", a.rec.state},
                      {"message", a.rec.message},
                      {"value", a.value},
                      {"threshold", a.threshold},
                      {"fired_at_ms", a.rec.fired_at_ms},
                      {"updated_at_ms", a.rec.updated_at_ms}});
  }
  nlohmann::json recent = nlohmann::json::array();
  for (auto& n : feed_)
    recent.push_back(n.to_json());
  nlohmann::json rules = nlohmann::json::array();
  for (auto& t : trackers_) {
    auto& r = t.rule();
    nlohmann::json x{{"name", r.name},
                     {"metric", r.metric},
                     {"comparison", r.comparison == alert_comparison::above ? "above" : "below"},
                     {"for_ms", r.for_ms},
                     {"description", r.description},
                     {"severity", to_string(t.current())}};
    x["warning"] = r.warning ? nlohmann::json(*r.warning) : nlohmann::json();
    x["critical"] = r.critical ? nlohmann::json(*r.critical) : nlohmann::json();
    rules.push_back(std::move(x));
  }
  nlohmann::json channels{{"routing", router_ ? router_->routing() : settings_.routing},
                          {"file", settings_.alerts_file}};
  if (auto w = router_ ? router_->webhook_stats() : std::nullopt)
    channels["webhook"] = {{"url", settings_.webhook_url}, {"delivered", w->delivered},
                           {"failed", w->failed},          {"dropped", w->dropped},
                           {"retries", w->retries},        {"queued", w->queued},
                           {"last_error", w->last_error}};
  nlohmann::json j{{"node", node() ? node()->node_name() : ""},
                   {"at_ms", last_.at_ms},
                   {"interval_ms", interval_.count()},
                   {"metrics", last_.values},
                   {"alerts", alerts},
                   {"recent", recent},
                   {"rules", rules},
                   {"channels", channels}};
  if (history) {
    nlohmann::json at = nlohmann::json::array();
    std::map<std::string, std::vector<int64_t>> series;
    for (auto& s : history_) {
      at.push_back(s.at_ms);
      for (auto& [k, v] : s.values)
        series[k].push_back(v);
    }
    j["history"] = {{"at_ms", at}, {"values", series}};
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void farm_monitor::publish_process(const runtime::process_sample& x) {
  // Prometheus' standard process metrics, so that existing dashboards work.
  static const auto ticks = sysconf(_SC_CLK_TCK);
  auto& m = node()->metrics();
  m.counter("process_cpu_seconds_total", "User and system CPU time spent, seconds", {},
            ticks > 0 ? ticks : 100)
      ->set_total(static_cast<int64_t>(x.cpu_ticks));
  m.gauge("process_resident_memory_bytes", "Resident memory size, bytes")
      ->set(static_cast<int64_t>(x.rss_bytes));
  m.gauge("process_open_fds", "Open file descriptors")->set(static_cast<int64_t>(x.open_fds));
  if (x.start_time_ms > 0)
    m.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, seconds",
            {}, 1'000)
        ->set(x.start_time_ms);
}

std::string farm_monitor::describe() const {
  monitor_status x;
  x.metrics = last_.values;
  for (auto& [key, a] : open_)
    x.open_alerts.push_back(a.rec);
  x.rules = trackers_.size();
  return runtime::status_json(x);
}

} // namespace tfarm::actors
