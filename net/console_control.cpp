// The console commands that act on the tree: kill, restart, agent, halt and
// resume, policy.
#include "net/console_service.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include <caf/node_id.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/agent/agent_interfaces.hpp"
#include "actors/agent/agent_settings.hpp"
#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/kinds.hpp"
#include "actors/type_ids.hpp"
#include "actors/vault/vault_setup.hpp"
#include "config/duration.hpp"
#include "config/loader.hpp"
#include "config/suggest.hpp"
#include "net/console_actor.hpp"
#include "net/console_text.hpp"
#include "net/json_views.hpp"
#include "net/logger.hpp"
#include "net/session_query.hpp"
#include "net/venue_connector.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/ask.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/status_json.hpp"
#include "runtime/tree_view.hpp"

namespace tfarm::net {

// Reply formatting, shared by the command groups.
using namespace console_text;

console_reply console_service::kill(const std::string& who, const console_args& a) {
  console_reply fail;
  auto e = below_root("kill", a,
                      "refusing to kill the root supervisor: that stops node " +
                          node_.context().node_name() + " (stop the node instead)",
                      fail);
  if (!e)
    return fail;
  auto path = e->path();
  auto h = e->handle();
  if (!h)
    return failed(path + " is not running (its supervisor may be waiting out a restart backoff)");
  auto reason = a.value("--reason").value_or("killed from the console by " + who);
  auto before = e->snapshot();
  // Its supervisors' incarnations: one that changed gave up (its restart
  // intensity exceeded) and was restarted by its own supervisor.
  std::vector<std::pair<std::string, uint64_t>> ancestors;
  for (auto p = runtime::parent_path(path); !p.empty(); p = runtime::parent_path(p)) {
    if (auto x = node_.context().registry().find(p))
      ancestors.emplace_back(p, x->snapshot().incarnations);
    if (p == "/")
      break;
  }
  audit(who, "console.kill", path + ": " + reason);
  log().warn("console: {} kills {} ({})", who, path, reason);
  auto began = runtime::steady_now_ns();
  caf::anon_send(h, runtime::crash_request{reason});
  // Report what the supervisor did, as far as it is visible soon.
  auto deadline = began + config::console_kill_observe_ms * 1'000'000;
  std::string outcome = "pending";
  runtime::actor_info after = before;
  for (;;) {
    auto now = node_.context().registry().find(path);
    if (!now) {
      outcome = "removed";
      break;
    }
    after = now->snapshot();
    if (after.incarnations > before.incarnations && after.alive) {
      outcome = "restarted";
      break;
    }
    if (runtime::steady_now_ns() >= deadline || stopping_)
      break;
    std::this_thread::sleep_for(milliseconds{5});
  }
  auto took_ms = (runtime::steady_now_ns() - began) / 1'000'000;
  // The highest supervisor that restarted: the failure escalated to it.
  std::string gave_up;
  std::string restarted_by;
  for (size_t i = 0; i < ancestors.size(); ++i) {
    auto x = node_.context().registry().find(ancestors[i].first);
    if (x && x->snapshot().incarnations > ancestors[i].second) {
      gave_up = ancestors[i].first;
      restarted_by = i + 1 < ancestors.size() ? ancestors[i + 1].first : "";
    }
  }
  if (!gave_up.empty() && outcome == "restarted")
    outcome = "escalated";
  json j{{"path", path},       {"reason", reason},           {"outcome", outcome},
         {"took_ms", took_ms}, {"restarts", after.restarts}, {"incarnation", after.incarnations}};
  if (!gave_up.empty())
    j["gave_up"] = gave_up;
  std::string text = "killed " + path + " (" + reason + "): ";
  if (outcome == "escalated")
    text += "its supervisor " + gave_up + " gave up (restart intensity exceeded) and was " +
            "restarted by " + restarted_by + " with its children; " + path + " is back after " +
            std::to_string(took_ms) + " ms (incarnation " + std::to_string(after.incarnations) +
            ")";
  else if (outcome == "restarted")
    text += "restarted by its supervisor in " + std::to_string(took_ms) + " ms (restarts " +
            std::to_string(after.restarts) + ", incarnation " + std::to_string(after.incarnations) +
            ")";
  else if (outcome == "removed")
    text += "removed by its supervisor (not restarted: temporary, or its supervisor gave up)";
  else
    text += "not running again after " + std::to_string(took_ms) +
            " ms (its supervisor may be waiting out a backoff; info " + path + " shows it)";
  return ok(text, j);
}

console_reply console_service::restart(const std::string& who, const console_args& a) {
  console_reply fail;
  auto e = below_root(
      "restart", a, "the root supervisor has no supervisor to restart it (restart the node)", fail);
  if (!e)
    return fail;
  auto path = e->path();
  auto parent = node_.context().registry().find(runtime::parent_path(path));
  auto sup = caf::actor_cast<runtime::supervisor_actor>(parent ? parent->handle() : caf::actor{});
  if (!sup)
    return failed("the supervisor of " + path + " is not running");
  audit(who, "console.restart", path);
  auto began = runtime::steady_now_ns();
  auto r = runtime::ask<caf::actor>(node_.system(), sup, opts_.actor_timeout,
                                    runtime::restart_child_atom_v, last_segment(path));
  if (!r)
    return failed("restart " + path + ": " +
                  actor_error(r.error(), "its supervisor", opts_.actor_timeout));
  auto took_ms = (runtime::steady_now_ns() - began) / 1'000'000;
  auto x = e->snapshot();
  return ok("restarted " + path + " in " + std::to_string(took_ms) +
                " ms from its last checkpoint (incarnation " + std::to_string(x.incarnations) +
                (x.checkpoint_seq > 0 ? ", checkpoint seq " + std::to_string(x.checkpoint_seq)
                                      : std::string{}) +
                ")",
            json{{"path", path},
                 {"took_ms", took_ms},
                 {"incarnation", x.incarnations},
                 {"checkpoint_seq", x.checkpoint_seq}});
}

console_reply console_service::agent(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("agent");
  if (a.positional.empty())
    return usage(*cmd, "agent needs start, stop, halt or resume");
  auto sub = a.positional.front();
  auto& reg = node_.context().registry();
  if (sub == "start") {
    if (a.positional.size() != 3)
      return usage(*cmd, "agent start needs USER and STRATEGY");
    auto& user = a.positional[1];
    auto& strategy = a.positional[2];
    auto u = std::find_if(opts_.farm.users.begin(), opts_.farm.users.end(),
                          [&](const config::user_spec& x) { return x.name == user; });
    auto sup_entry = reg.find("/user/" + user);
    if (u == opts_.farm.users.end() || !sup_entry)
      return no_user(user);
    config::agent_spec spec;
    spec.kind = "trading_agent";
    spec.params["strategy"] = strategy;
    for (auto& kv : a.values("--param")) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return usage(*cmd, "--param takes K=V, not '" + kv + "'");
      spec.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (auto id = a.value("--id")) {
      spec.id = *id;
    } else {
      for (int i = 1; spec.id.empty(); ++i)
        if (!reg.find("/user/" + user + "/" + strategy + "-" + std::to_string(i)))
          spec.id = strategy + "-" + std::to_string(i);
    }
    auto problems = actors::agent_validator(node_.context().kinds())(spec, *u, opts_.farm);
    if (!problems.empty()) {
      std::string text = "agent " + spec.id + " of user " + user + " was not started:";
      json list = json::array();
      for (auto& p : problems) {
        text += "\n  " + (p.param.empty() ? std::string{} : p.param + ": ") + p.message;
        list.push_back({{"param", p.param}, {"message", p.message}});
      }
      return failed(text, json{{"problems", list}});
    }
    runtime::child_spec users;
    users.id = "user";
    runtime::child_spec user_spec;
    user_spec.id = user;
    runtime::child_spec child;
    child.id = spec.id;
    child.kind = spec.kind;
    child.params = spec.params;
    user_spec.children.push_back(std::move(child));
    users.children.push_back(std::move(user_spec));
    actors::extend_agents(opts_.farm, users);
    auto final_spec = users.children.front().children.front();
    // It comes back after its supervisor's restart and the node's until an
    // operator stops it (which cancels its orders and releases its money).
    final_spec.durable = true;
    auto sup = caf::actor_cast<runtime::supervisor_actor>(sup_entry->handle());
    if (!sup)
      return failed("the supervisor of user " + user + " is not running");
    auto path = "/user/" + user + "/" + spec.id;
    std::string params;
    for (auto& [k, v] : final_spec.params)
      params += (params.empty() ? "" : " ") + k + "=" + v;
    audit(who, "console.agent.start", path + " " + params);
    auto r = runtime::ask<caf::actor>(node_.system(), sup, opts_.actor_timeout,
                                      runtime::start_child_atom_v, final_spec);
    if (!r)
      return failed("agent " + path + " was not started: " +
                    actor_error(r.error(), "the supervisor of user " + user, opts_.actor_timeout));
    return ok("started " + path + " (" + strategy +
                  "); it comes back after restarts until `agent stop " + path + "`",
              json{{"path", path}, {"params", final_spec.params}, {"durable", true}});
  }
  if (sub != "stop" && sub != "halt" && sub != "resume") {
    return unknown_subcommand(*cmd, sub);
  }
  if (a.positional.size() != 2)
    return usage(*cmd, "agent " + sub + " needs one PATH");
  console_reply fail;
  auto e = find_actor(a.positional[1], fail);
  if (!e)
    return fail;
  auto path = e->path();
  if (e->kind() != "trading_agent")
    return failed(path + " is a " + e->kind() + ", not a trading agent");
  if (sub == "stop") {
    // Retired, not killed: the agent cancels its orders, settles their
    // fills and releases their money, then leaves its supervisor; until
    // then (and across restarts) it places nothing new.
    auto agent = caf::actor_cast<actors::trading_agent_actor>(e->handle());
    if (!agent)
      return failed("agent " + path + " is not running (restarting?); try again");
    audit(who, "console.agent.stop", path);
    auto r = runtime::ask<actors::agent_status>(node_.system(), agent, opts_.actor_timeout,
                                                actors::agent_retire_atom_v);
    if (!r)
      return failed("agent " + path + " was not stopped: " +
                    actor_error(r.error(), "the agent", opts_.actor_timeout));
    return ok("retiring " + path + ": no new orders; it leaves its supervisor once its " +
                  std::to_string(r->open_orders) +
                  " working orders are cancelled, settled and released",
              json{{"path", path}, {"retiring", true}, {"open_orders", r->open_orders}});
  }
  console_args level;
  level.options = a.options;
  level.options.emplace_back("--agent", path);
  return kill_switch(who, sub == "halt", level);
}

console_reply console_service::kill_switch(const std::string& who, bool halt,
                                           const console_args& a) {
  auto cmd = find_console_command(halt ? "halt" : "resume");
  auto farm = a.has("--farm");
  auto user = a.value("--user");
  auto agent = a.value("--agent");
  if (!a.positional.empty() || (farm ? 1 : 0) + (user ? 1 : 0) + (agent ? 1 : 0) != 1)
    return usage(*cmd, cmd->name + " needs exactly one of --farm or --user USER");
  actors::trading_state_change change;
  change.level = farm   ? actors::trading_level::farm
                 : user ? actors::trading_level::user
                        : actors::trading_level::agent;
  change.target = farm ? std::string{} : user ? *user : *agent;
  change.state = halt ? actors::trading_state::halted : actors::trading_state::active;
  change.reason =
      a.value("--reason").value_or(std::string{halt ? "halted" : "resumed"} + " from the console");
  change.by = who;
  auto& reg = node_.context().registry();
  // On a cluster member the states are the cluster's: a user running on
  // another member (or between members) is switched all the same.
  auto cluster_user = [&](const std::string& name) {
    return opts_.cluster && std::any_of(opts_.farm.users.begin(), opts_.farm.users.end(),
                                        [&](const config::user_spec& u) { return u.name == name; });
  };
  if (user && !reg.find("/user/" + *user) && !cluster_user(*user))
    return no_user(*user);
  auto e = reg.find(actors::risk_control_path);
  auto risk = caf::actor_cast<actors::risk_control_actor>(e ? e->handle() : caf::actor{});
  if (!risk)
    return failed("the risk control (" + std::string{actors::risk_control_path} +
                  ") is not running: the kill switch cannot be set");
  auto r = runtime::ask<actors::risk_states>(node_.system(), risk, opts_.actor_timeout, change);
  auto what = change.level == actors::trading_level::farm
                  ? std::string{"the farm"}
                  : to_string(change.level) + " " + change.target;
  if (!r)
    return failed(std::string{halt ? "halt" : "resume"} + " " + what + ": " +
                  actor_error(r.error(), "the risk control", opts_.actor_timeout));
  json users = json::object();
  for (auto& [k, v] : r->users)
    users[k] = actors::to_string(v);
  json agents = json::object();
  for (auto& [k, v] : r->agents)
    agents[k] = actors::to_string(v);
  json states{{"farm", actors::to_string(r->farm)}, {"users", users}, {"agents", agents}};
  std::string text = halt ? what + " halted: no new orders, resting orders are cancelled (durable; "
                                   "resume lifts it)"
                          : what + " resumed";
  if (!halt && r->farm == actors::trading_state::halted &&
      change.level != actors::trading_level::farm)
    text += " (the farm is still halted: resume --farm)";
  text += cluster_switch_note();
  return ok(text, json{{"level", to_string(change.level)},
                       {"target", change.target},
                       {"state", actors::to_string(change.state)},
                       {"states", states}});
}

console_reply console_service::policy(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("policy");
  auto sub = a.positional.empty() ? std::string{"show"} : a.positional.front();
  auto& reg = node_.context().registry();
  if (sub == "show") {
    if (a.positional.size() > 2)
      return usage(*cmd, "policy show takes one PATH at most");
    auto policies = node_.context().policies();
    std::vector<std::string> paths;
    if (a.positional.size() == 2) {
      console_reply fail;
      auto e = find_actor(a.positional[1], fail);
      if (!e)
        return fail;
      if (e->kind() != "supervisor")
        return failed(e->path() + " is a " + e->kind() +
                      ", not a supervisor: its policy is its supervisor's (policy show " +
                      runtime::parent_path(e->path()) + ")");
      paths.push_back(e->path());
    } else {
      for (auto& x : reg.query("/"))
        if (x.kind == "supervisor")
          paths.push_back(x.path);
    }
    json list = json::array();
    std::string text;
    for (auto& p : paths) {
      auto rule = policies.find(p);
      auto j = policy_json(node_.context().policy_for(p));
      j["path"] = p;
      j["from"] = rule ? rule->path : std::string{"default"};
      text += (text.empty() ? "" : "\n") + p + "  [" + j["from"].get<std::string>() + "]\n  " +
              policy_text(j);
      list.push_back(std::move(j));
    }
    return ok(text, json{{"policies", list}});
  }
  if (sub != "reload") {
    return unknown_subcommand(*cmd, sub);
  }
  if (a.positional.size() > 1)
    return usage(*cmd, "policy reload takes no argument");
  if (opts_.farm_file.empty())
    return failed("this node was not started from a farm file: nothing to reload");
  config::check_options check;
  check.known_kinds = node_.context().kinds().agent_names();
  check.validate_agent = actors::agent_validator(node_.context().kinds());
  auto loaded = config::load_farm_file(opts_.farm_file, check);
  if (!loaded.ok()) {
    std::string text = "policy reload refused: " + opts_.farm_file +
                       " is not valid; the running policies are unchanged:";
    json errors = json::array();
    for (auto& d : loaded.diagnostics) {
      text += "\n  " + to_string(d);
      errors.push_back(to_string(d));
    }
    audit(who, "console.policy.reload_refused",
          std::to_string(loaded.diagnostics.size()) + " problems in " + opts_.farm_file);
    return failed(text, json{{"applied", false}, {"errors", errors}});
  }
  audit(who, "console.policy.reload", opts_.farm_file + ": applying");
  node_.context().set_policies(runtime::node_policies(loaded.value->policies));
  json changed = json::array();
  json unreachable = json::array();
  std::size_t unchanged = 0;
  std::vector<std::string> paths;
  std::vector<runtime::supervisor_actor> sups;
  for (auto& x : reg.query("/")) {
    if (x.kind != "supervisor" || !x.alive)
      continue;
    auto e = reg.find(x.path);
    paths.push_back(x.path);
    sups.push_back(caf::actor_cast<runtime::supervisor_actor>(e ? e->handle() : caf::actor{}));
  }
  auto answers = runtime::ask_all<bool>(node_.system(), sups, opts_.actor_timeout,
                                        runtime::reload_policy_atom_v);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!answers[i])
      unreachable.push_back(paths[i]);
    else if (*answers[i])
      changed.push_back(paths[i]);
    else
      ++unchanged;
  }
  std::string list;
  for (auto& p : changed)
    list += (list.empty() ? "" : ", ") + p.get<std::string>();
  log().info("console: policies reloaded by {}: {} changed ({})", who, changed.size(), list);
  std::string text = "policies reloaded from " + opts_.farm_file + ": " +
                     std::to_string(changed.size()) + " supervisors changed" +
                     (list.empty() ? "" : " (" + list + ")") + ", " + std::to_string(unchanged) +
                     " unchanged; no child was restarted";
  if (!unreachable.empty())
    text += "; " + std::to_string(unreachable.size()) +
            " supervisors did not answer and apply the new policy at their next start";
  text += " (other changes to the farm file take effect at the next start)";
  return ok(text, json{{"applied", true},
                       {"file", opts_.farm_file},
                       {"changed", changed},
                       {"unchanged", unchanged},
                       {"unreachable", unreachable}});
}

} // namespace tfarm::net
