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
#include "config/limits.hpp"
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

console_service::console_service(runtime::node& node, console_options opts)
    : node_(node), opts_(std::move(opts)), started_ms_(runtime::unix_now_ms()) {
  if (!opts_.security)
    opts_.security = std::make_shared<security_control>(
        node_, opts_.farm.store.target(), std::make_shared<admin_token>(opts_.admin_token),
        opts_.actor_timeout);
  if (opts_.farm.tls.enabled()) {
    if (auto v = operator_verifier::load(opts_.farm.tls.ca))
      verifier_ = std::move(*v);
    else
      verifier_error_ = runtime::message_of(v.error());
  }
}

void console_service::audit(const std::string& who, const std::string& action,
                            const std::string& detail) {
  auto st = persistence::store_of(&node_.context());
  if (!st) {
    log().warn("console: {} by {} ({}) not audited: no store", action, who, detail);
    return;
  }
  auto id = runtime::ask<uint64_t>(node_.system(), st, opts_.actor_timeout,
                                   persistence::append_audit_atom_v,
                                   persistence::make_audit("console", who, action, detail));
  if (!id)
    log().error("console: could not audit {} by {}: {}", action, who, runtime::to_text(id.error()));
}

void console_service::stop() {
  stopping_ = true;
}

bool console_service::may_audit_refusal() {
  int64_t skipped = 0;
  auto ok = refusals_.take(runtime::steady_now_ns() / 1'000'000, skipped);
  if (skipped > 0)
    log().warn("console: {} more refusals in the last minute were not audited", skipped);
  return ok;
}

std::string console_service::oversize(const console_request& req) {
  // The client keeps to these limits; a peer that does not is refused
  // before its request is compared, parsed or logged.
  if (req.args.size() > config::console_args_max)
    return "more than " + std::to_string(config::console_args_max) + " words";
  std::size_t bytes = 0;
  for (auto& w : req.args)
    bytes += w.size() + 1;
  if (bytes > config::console_line_bytes_max + 1)
    return "the line is longer than " + std::to_string(config::console_line_bytes_max) + " bytes";
  if (req.token.size() > config::console_token_bytes_max)
    return "the token is longer than " + std::to_string(config::console_token_bytes_max) + " bytes";
  if (req.operator_name.size() > config::console_operator_bytes_max)
    return "the operator name is longer than " +
           std::to_string(config::console_operator_bytes_max) + " bytes";
  if (req.certificate.size() > config::console_certificate_bytes_max ||
      req.signature.size() > config::console_signature_bytes_max)
    return "the certificate or the signature is longer than " +
           std::to_string(config::console_certificate_bytes_max) + " or " +
           std::to_string(config::console_signature_bytes_max) + " bytes";
  return {};
}

std::string console_service::prove_operator(const console_request& req, std::string& who) const {
  if (!verifier_)
    return "the node cannot check operator certificates: " + verifier_error_;
  auto name = verifier_->verify(req, runtime::unix_now_ms());
  if (!name) {
    who = "(unproven) " + who;
    return runtime::message_of(name.error());
  }
  who = *name;
  return {};
}

std::string console_service::token_refusal(const std::string& token) const {
  if (!opts_.security->token().configured())
    return "no admin token is configured on node " + node_.context().node_name() +
           " ([http] admin_token or TFARM_ADMIN_TOKEN): the console refuses every command";
  if (token.empty())
    return "no admin token given (--token or TFARM_ADMIN_TOKEN)";
  if (!opts_.security->token().matches(token))
    return "the admin token is wrong";
  return {};
}

console_reply console_service::execute(const console_request& req) {
  if (stopping_)
    return failed("node " + node_.context().node_name() + " is stopping");
  if (auto why = oversize(req); !why.empty()) {
    log().warn("console: refused a request: {}", why);
    if (may_audit_refusal())
      audit("(unknown)", "console.refused", why);
    return failed_usage("refused: " + why);
  }
  auto who = operator_of(req.operator_name);
  auto command = req.args.empty() ? std::string{} : operator_of(req.args.front().substr(0, 32));
  std::string refusal;
  // With [tls], who asks is whom the operator certificate names; `hello`
  // (a node asking a peer's name) needs only the token.
  if (opts_.farm.tls.enabled() && command != "hello")
    refusal = prove_operator(req, who);
  if (refusal.empty())
    refusal = token_refusal(req.token);
  if (!refusal.empty()) {
    log().warn("console: refused '{}' from {}: {}", command, who, refusal);
    if (may_audit_refusal())
      audit(who, "console.refused", command + ": " + refusal);
    return failed("refused: " + refusal, json{{"refused", true}});
  }
  try {
    // `--node NAME` anywhere: run the command on that node instead.
    auto words = req.args;
    std::optional<std::string> target;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (words[i] == "--node") {
        if (i + 1 >= words.size())
          return failed_usage("--node needs a node name (nodes lists them)");
        target = words[i + 1];
        words.erase(words.begin() + static_cast<std::ptrdiff_t>(i),
                    words.begin() + static_cast<std::ptrdiff_t>(i) + 2);
        break;
      }
      if (words[i].compare(0, 7, "--node=") == 0) {
        target = words[i].substr(7);
        words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    if (target && *target != node_.context().node_name())
      return forward(req, who, *target);
    return dispatch(req.token, who, words);
  } catch (const std::exception& e) {
    // A bug, not the operator's fault: say so instead of dropping the reply.
    log().error("console: '{}' from {} threw: {}", command, who, e.what());
    return failed("internal error running '" + command + "': " + e.what());
  }
}

console_reply console_service::dispatch(const std::string& token, const std::string& who,
                                        const std::vector<std::string>& words) {
  if (words.empty())
    return {static_cast<int32_t>(console_status::usage), "empty command (help lists them)",
            dump(json{{"error", "empty command"}})};
  auto& name = words.front();
  std::vector<std::string> rest(words.begin() + 1, words.end());
  if (name == "complete")
    return complete(rest);
  if (name == "hello")
    return ok(
        "node " + node_.context().node_name(),
        json{{"node", node_.context().node_name()}, {"actors", node_.context().registry().size()}});
  auto cmd = find_console_command(name);
  if (!cmd)
    return {static_cast<int32_t>(console_status::usage), unknown_command_message(name),
            dump(json{{"error", unknown_command_message(name)}})};
  std::string why;
  auto a = parse_console_args(*cmd, rest, why);
  if (!a)
    return usage(*cmd, why);
  auto& c = cmd->name;
  if (c == "help") {
    auto text = console_help(a->positional.empty() ? "" : a->positional.front());
    if (!text)
      return usage(*cmd, unknown_command_message(a->positional.front()));
    return ok(*text, json{{"help", *text}});
  }
  if (c == "quit" || c == "watch")
    return usage(*cmd, c + " is run by the console client (tfarm console), not by the node");
  if (c == "nodes")
    return nodes(token, who);
  if (c == "tree")
    return tree(*a);
  if (c == "ls")
    return ls(*a);
  if (c == "info")
    return info(*a);
  if (c == "top")
    return top(*a);
  if (c == "kill")
    return kill(who, *a);
  if (c == "restart")
    return restart(who, *a);
  if (c == "agent")
    return agent(who, *a);
  if (c == "halt" || c == "resume")
    return kill_switch(who, c == "halt", *a);
  if (c == "vault")
    return vault(who, *a);
  if (c == "exchanges")
    return exchanges(who, *a);
  if (c == "venue")
    return venue(who, *a);
  if (c == "alerts")
    return alerts(who, *a);
  if (c == "metrics")
    return metrics(*a);
  if (c == "policy")
    return policy(who, *a);
  if (c == "lockdown")
    return lockdown(who, *a);
  if (c == "unlock")
    return unlock(who, *a);
  if (c == "security")
    return security(*a);
  if (c == "audit")
    return audit_log(*a);
  return usage(*cmd, "'" + c + "' is not served by this node");
}

std::shared_ptr<runtime::registry_entry> console_service::find_actor(const std::string& path,
                                                                     console_reply& fail) const {
  auto& reg = node_.context().registry();
  auto p = runtime::normalize_path(path);
  if (auto e = reg.find(p))
    return e;
  auto near = config::nearest(p, reg.paths("/"));
  fail = failed("no actor at " + p + " on node " + node_.context().node_name() +
                (near ? "; did you mean " + *near + "?" : " (tree lists them)"));
  return nullptr;
}

std::vector<console_service::peer> console_service::peers(const std::string& token,
                                                          const std::string& who) {
  std::vector<peer> out;
  auto& reg = node_.context().registry();
  auto timeout = std::min(opts_.actor_timeout, milliseconds{peer_timeout_ms});
  for (auto& a : reg.query("/")) {
    if (a.kind != "venue_connector")
      continue;
    auto e = reg.find(a.path);
    auto connector = caf::actor_cast<venue_connector_actor>(e ? e->handle() : caf::actor{});
    auto s = runtime::read_status<venue_connector_status>(a);
    if (!s) {
      peer p;
      p.error = runtime::to_text(s.error());
      out.push_back(std::move(p));
      continue;
    }
    // endpoint -> the venues there.
    std::map<std::string, std::vector<std::string>> endpoints;
    for (auto& [venue, ep] : s->venues)
      endpoints[ep].push_back(venue);
    for (auto& [ep, venues] : endpoints) {
      peer p;
      p.endpoint = ep;
      p.venues = venues;
      if (!connector) {
        p.error = "the venue connector is not running";
        out.push_back(std::move(p));
        continue;
      }
      auto inspector =
          runtime::ask<caf::actor>(node_.system(), connector, timeout, console_lookup_atom_v, ep);
      if (!inspector) {
        p.error = actor_error(inspector.error(), "the exchange node at " + ep, timeout);
        out.push_back(std::move(p));
        continue;
      }
      p.inspector = *inspector;
      auto hello =
          runtime::ask<console_reply>(node_.system(), caf::actor_cast<console_actor>(p.inspector),
                                      timeout, console_request{token, who, {"hello"}, {}, 0, {}});
      if (!hello)
        p.error = actor_error(hello.error(), "the console at " + ep, timeout);
      else if (hello->status != 0)
        p.error = hello->text;
      else if (auto j = json::parse(hello->json, nullptr, false); j.is_object())
        p.name = j.value("node", std::string{});
      out.push_back(std::move(p));
    }
  }
  return out;
}

console_reply console_service::forward(const console_request& req, const std::string& who,
                                       const std::string& target) {
  auto ps = peers(req.token, who);
  std::vector<std::string> known{node_.context().node_name()};
  for (auto& p : ps) {
    if (p.name == target || p.endpoint == target) {
      if (!p.error.empty())
        return failed("node " + target + ": " + p.error);
      // Within the client's wait: the peer's own waits are bounded as ours.
      auto timeout = opts_.actor_timeout;
      auto r = runtime::ask<console_reply>(
          node_.system(), caf::actor_cast<console_actor>(p.inspector), timeout, req);
      if (!r)
        return failed("node " + target + ": " + actor_error(r.error(), "its console", timeout));
      return std::move(*r);
    }
    if (!p.name.empty())
      known.push_back(p.name);
  }
  if (opts_.cluster) {
    // Members never connect to each other (docs/cluster.md, "Members never
    // connect to each other"): the operator connects to the member's own
    // console.
    if (auto i = opts_.cluster->consoles.find(target); i != opts_.cluster->consoles.end())
      return failed("node " + target + " is another member of cluster " + opts_.cluster->name +
                        (i->second.empty()
                             ? ": its console is off (console_port in its [[member]])"
                             : ": connect to its console: tfarm console --connect " + i->second),
                    json{{"member", target}, {"console", i->second}});
    for (auto& [name, console] : opts_.cluster->consoles)
      if (name != node_.context().node_name())
        known.push_back(name);
  }
  auto near = config::nearest(target, known);
  return failed("no node '" + target + "' is connected to node " + node_.context().node_name() +
                (near ? "; did you mean '" + *near + "'?" : "") +
                " (nodes: " + config::join(known) + ")");
}

console_reply console_service::no_user(const std::string& user) const {
  std::vector<std::string> names;
  for (auto& p : node_.context().registry().paths("/user"))
    if (runtime::parent_path(p) == "/user")
      names.push_back(last_segment(p));
  auto near = config::nearest(user, names);
  return failed("no user '" + user + "' on node " + node_.context().node_name() +
                (near ? "; did you mean '" + *near + "'?" : "") +
                " (users: " + config::join(names) + ")");
}

console_reply console_service::nodes(const std::string& token, const std::string& who) {
  auto& reg = node_.context().registry();
  auto now = runtime::unix_now_ms();
  json roles = json::array();
  auto has = [&](const char* p) {
    auto e = reg.find(p);
    return e != nullptr;
  };
  if (has("/store"))
    roles.push_back("store");
  if (has("/vault"))
    roles.push_back("vault");
  if (has("/exchanges/venues") || has("/exchanges/directory"))
    roles.push_back("exchange");
  if (has("/exchanges/sessions"))
    roles.push_back("sessions");
  if (auto users = reg.paths("/user"); users.size() > 1)
    roles.push_back("agents");
  if (has("/monitor"))
    roles.push_back("monitor");
  json self{{"name", node_.context().node_name()},
            {"self", true},
            {"id", caf::to_string(node_.system().node())},
            {"running", node_.running()},
            {"roles", roles},
            {"actors", reg.size()},
            {"uptime_ms", now - started_ms_},
            {"console", opts_.endpoint}};
  json list = json::array({self});
  std::vector<std::vector<std::string>> rows;
  std::string self_roles;
  for (auto& r : roles)
    self_roles += (self_roles.empty() ? "" : ",") + r.get<std::string>();
  rows.push_back({node_.context().node_name() + " (this node)", opts_.endpoint,
                  node_.running() ? "up" : "stopping", self_roles,
                  std::to_string(reg.size()) + " actors, up " + span(now - started_ms_)});
  // Nodes this one reaches: the exchange nodes its remote venues live on.
  for (auto& p : peers(token, who)) {
    auto& venues = p.venues;
    auto name = p.name.empty() ? std::string{"?"} : p.name;
    list.push_back({{"name", name},
                    {"self", false},
                    {"endpoint", p.endpoint},
                    {"roles", json::array({"exchange"})},
                    {"venues", venues},
                    {"console", p.error.empty()},
                    {"error", p.error}});
    rows.push_back({name, p.endpoint, p.error.empty() ? "up" : "no console", "exchange",
                    "venues " + config::join(venues) +
                        (p.error.empty() ? " (--node " + name + ")" : ": " + p.error)});
  }
  auto text = table({"NODE", "ENDPOINT", "STATE", "ROLES", ""}, rows);
  json result{{"nodes", list}};
  if (opts_.cluster)
    append_cluster(text, result, ""); // every member answers for the whole cluster
  return ok(text, result);
}

std::string console_service::cluster_switch_note() const {
  if (!opts_.cluster)
    return {};
  return "; the cluster's: every member of " + opts_.cluster->name + " applies it within " +
         std::to_string(config::shared_switch_refresh_ms) +
         " ms, and it holds wherever a user runs next";
}

void console_service::append_cluster(std::string& text, json& result,
                                     const std::string& note) const {
  auto view = read_cluster_view(*opts_.cluster);
  if (view) {
    text += "\n\nCluster " + view->name + note + ":\n" + render_cluster(*view);
    result["cluster"] = to_json(*view);
  } else {
    text += "\n\nCluster " + opts_.cluster->name +
            ": cannot be read: " + runtime::to_text(view.error());
    result["cluster_error"] = runtime::to_text(view.error());
  }
}

console_reply console_service::complete(const std::vector<std::string>& words) {
  auto prefix = words.empty() ? std::string{"/"} : words.front();
  json list = json::array();
  std::string text;
  for (auto& p : node_.context().registry().paths("/")) {
    if (p.compare(0, prefix.size(), prefix) != 0)
      continue;
    list.push_back(p);
    text += p + "\n";
    if (list.size() >= completions_max)
      break;
  }
  if (!text.empty())
    text.pop_back();
  return ok(text, json{{"paths", list}});
}

} // namespace tfarm::net
