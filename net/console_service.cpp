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

namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

/// Time a peer node's venue connector and console have to answer the
/// lookups of `nodes` and `--node`.
constexpr int64_t peer_timeout_ms = 1'000;

/// Paths `complete` returns at most.
constexpr std::size_t completions_max = 500;

/// A rate sample older than this is not reused by `top`; a fresh one is
/// taken over top_sample_ms instead.
constexpr int64_t top_sample_reuse_ms_max = 10'000;
constexpr int64_t top_sample_reuse_ms_min = 250;
constexpr int64_t top_sample_ms = 500;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

console_reply ok(std::string text, const json& j) {
  return {static_cast<int32_t>(console_status::ok), std::move(text), dump(j)};
}

console_reply failed(const std::string& message, json j = json::object()) {
  j["error"] = message;
  return {static_cast<int32_t>(console_status::failed), message, dump(j)};
}

console_reply failed_usage(const std::string& message) {
  return {static_cast<int32_t>(console_status::usage), message, dump(json{{"error", message}})};
}

console_reply usage(const console_command& cmd, const std::string& message) {
  auto text = message + "\nusage: " + cmd.name + (cmd.synopsis.empty() ? "" : " " + cmd.synopsis);
  return {static_cast<int32_t>(console_status::usage), text, dump(json{{"error", message}})};
}

console_reply unknown_subcommand(const console_command& cmd, const std::string& sub) {
  auto near = config::nearest(sub, cmd.subcommands);
  return usage(cmd, cmd.name + ": unknown subcommand '" + sub + "'" +
                        (near ? "; did you mean '" + *near + "'?" : ""));
}

// A failed wait on an actor, in words an operator can act on.
std::string actor_error(const caf::error& e, const std::string& what, milliseconds timeout) {
  if (e == caf::sec::request_timeout)
    return what + " did not answer within " + config::format_duration(timeout);
  if (e == caf::sec::request_receiver_down || e == caf::sec::invalid_argument)
    return what + " is not running";
  return what + ": " + runtime::message_of(e);
}

std::string last_segment(const std::string& path) {
  return path == "/" ? path : path.substr(path.rfind('/') + 1);
}

std::string utc(int64_t ms) {
  return ms > 0 ? persistence::format_utc(ms) : std::string{"-"};
}

// "850ms", "12.5s", "3m20s", "2h05m": for people, not for parsing.
std::string span(int64_t ms) {
  char buf[32];
  if (ms < 1'000)
    std::snprintf(buf, sizeof(buf), "%lldms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof(buf), "%.1fs", static_cast<double>(ms) / 1000.0);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1'000 % 60));
  else
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  return buf;
}

std::string ago(int64_t then_ms, int64_t now_ms) {
  if (then_ms <= 0)
    return "never";
  return span(std::max<int64_t>(0, now_ms - then_ms)) + " ago";
}

std::optional<int64_t> to_int(const std::string& x, int64_t lo, int64_t hi) {
  std::string why;
  return config::parse_integer(x, lo, hi, why);
}

// Who asks, for the audit log: printable, at most 64 characters.
std::string operator_of(const std::string& x) {
  std::string out;
  for (auto c : x)
    if (std::isprint(static_cast<unsigned char>(c)) && out.size() < 64)
      out += c;
  return out.empty() ? std::string{"console"} : out;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative '*' matcher (no backtracking blow-up).
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

json policy_json(const config::supervisor_policy& p) {
  json children = json::array();
  for (auto& c : p.children) {
    json x{{"id", c.id}};
    if (c.restart)
      x["restart"] = config::to_string(*c.restart);
    if (c.shutdown_timeout)
      x["shutdown_timeout"] = config::format_duration(*c.shutdown_timeout);
    children.push_back(std::move(x));
  }
  return json{{"path", p.path},
              {"strategy", config::to_string(p.strategy)},
              {"intensity", p.intensity},
              {"period", config::format_duration(p.period)},
              {"backoff",
               {{"min", config::format_duration(p.backoff.min)},
                {"max", config::format_duration(p.backoff.max)},
                {"jitter_ppm", p.backoff.jitter_ppm}}},
              {"child_restart", config::to_string(p.child_restart)},
              {"child_shutdown_timeout", config::format_duration(p.child_shutdown_timeout)},
              {"max_children", p.max_children},
              {"shutdown", p.parallel_shutdown ? "parallel" : "sequential"},
              {"children", children}};
}

// A jitter in parts per million as the policy file writes it (0.1).
std::string jitter_text(uint32_t ppm) {
  auto x =
      std::to_string(ppm / 1'000'000) + "." + std::to_string(1'000'000 + ppm % 1'000'000).substr(1);
  while (x.back() == '0')
    x.pop_back();
  if (x.back() == '.')
    x.pop_back();
  return x;
}

std::string policy_text(const json& p) {
  std::string out =
      p["strategy"].get<std::string>() + ", at most " + std::to_string(p["intensity"].get<int>()) +
      " restarts in " + p["period"].get<std::string>() + ", backoff " +
      p["backoff"]["min"].get<std::string>() + ".." + p["backoff"]["max"].get<std::string>() +
      " jitter " + jitter_text(p["backoff"]["jitter_ppm"].get<uint32_t>()) + ", children " +
      p["child_restart"].get<std::string>() + " (shutdown " +
      p["child_shutdown_timeout"].get<std::string>() + ", " + p["shutdown"].get<std::string>() +
      ")";
  if (p["max_children"].get<int>() > 0)
    out += ", max " + std::to_string(p["max_children"].get<int>()) + " children";
  for (auto& c : p["children"]) {
    out += "; " + c["id"].get<std::string>() + ":";
    if (c.contains("restart"))
      out += " " + c["restart"].get<std::string>();
    if (c.contains("shutdown_timeout"))
      out += " shutdown " + c["shutdown_timeout"].get<std::string>();
  }
  return out;
}

std::string pad(std::string x, std::size_t width) {
  if (x.size() < width)
    x.append(width - x.size(), ' ');
  return x;
}

// Renders rows as a left-aligned table with a header.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i)
    widths[i] = header[i].size();
  for (auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (std::size_t i = 0; i < r.size(); ++i)
      out += i + 1 < r.size() ? pad(r[i], widths[i] + 2) : r[i];
    return out + '\n';
  };
  std::string out = line(header);
  for (auto& r : rows)
    out += line(r);
  out.pop_back();
  return out;
}

} // namespace

console_service::console_service(runtime::node& node, console_options opts)
    : node_(node), opts_(std::move(opts)), started_ms_(runtime::unix_now_ms()) {
  // nop
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
  std::lock_guard<std::mutex> guard{refusal_mtx_};
  auto now = runtime::steady_now_ns() / 1'000'000;
  if (now - refusal_window_ms_ >= 60'000) {
    if (refusals_skipped_ > 0)
      log().warn("console: {} more refusals in the last minute were not audited",
                 refusals_skipped_);
    refusal_window_ms_ = now;
    refusals_in_window_ = 0;
    refusals_skipped_ = 0;
  }
  if (refusals_in_window_ < config::console_refusals_audited_per_min) {
    ++refusals_in_window_;
    return true;
  }
  ++refusals_skipped_;
  return false;
}

console_reply console_service::execute(const console_request& req) {
  if (stopping_)
    return failed("node " + node_.context().node_name() + " is stopping");
  auto who = operator_of(req.operator_name);
  auto command = req.args.empty() ? std::string{} : operator_of(req.args.front().substr(0, 32));
  std::string refusal;
  if (opts_.admin_token.empty())
    refusal = "no admin token is configured on node " + node_.context().node_name() +
              " ([http] admin_token or TFARM_ADMIN_TOKEN): the console refuses every command";
  else if (req.token.empty())
    refusal = "no admin token given (--token or TFARM_ADMIN_TOKEN)";
  else if (!constant_time_equal(req.token, opts_.admin_token))
    refusal = "the admin token is wrong";
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
      return forward(req.token, who, *target, words);
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
  if (c == "alerts")
    return alerts(who, *a);
  if (c == "metrics")
    return metrics(*a);
  if (c == "policy")
    return policy(who, *a);
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
                                      timeout, console_request{token, who, {"hello"}});
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

console_reply console_service::forward(const std::string& token, const std::string& who,
                                       const std::string& target,
                                       const std::vector<std::string>& words) {
  auto ps = peers(token, who);
  std::vector<std::string> known{node_.context().node_name()};
  for (auto& p : ps) {
    if (p.name == target || p.endpoint == target) {
      if (!p.error.empty())
        return failed("node " + target + ": " + p.error);
      // Within the client's wait: the peer's own waits are bounded as ours.
      auto timeout = opts_.actor_timeout;
      auto r =
          runtime::ask<console_reply>(node_.system(), caf::actor_cast<console_actor>(p.inspector),
                                      timeout, console_request{token, who, words});
      if (!r)
        return failed("node " + target + ": " + actor_error(r.error(), "its console", timeout));
      return std::move(*r);
    }
    if (!p.name.empty())
      known.push_back(p.name);
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
  return ok(table({"NODE", "ENDPOINT", "STATE", "ROLES", ""}, rows), json{{"nodes", list}});
}

console_reply console_service::tree(const console_args& a) {
  auto cmd = find_console_command("tree");
  if (a.positional.size() > 1)
    return usage(*cmd, "tree takes one PATH at most");
  int64_t depth = -1;
  if (auto d = a.value("--depth")) {
    auto v = to_int(*d, 0, 64);
    if (!v)
      return usage(*cmd, "--depth must be a number from 0 to 64, not '" + *d + "'");
    depth = *v;
  }
  console_reply fail;
  auto root = runtime::normalize_path(a.positional.empty() ? "/" : a.positional.front());
  if (!find_actor(root, fail))
    return fail;
  auto root_depth = root == "/" ? 0 : std::count(root.begin(), root.end(), '/');
  std::vector<runtime::actor_info> shown;
  json list = json::array();
  for (auto& x : node_.context().registry().query(root)) {
    auto d = x.path == "/" ? 0 : std::count(x.path.begin(), x.path.end(), '/');
    if (depth >= 0 && d - root_depth > depth)
      continue;
    list.push_back({{"path", x.path},
                    {"kind", x.kind},
                    {"alive", x.alive},
                    {"restarts", x.restarts},
                    {"mailbox_size", x.mailbox_size}});
    shown.push_back(std::move(x));
  }
  auto text = runtime::render_tree(shown);
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  return ok(text, json{{"node", node_.context().node_name()}, {"path", root}, {"actors", list}});
}

console_reply console_service::ls(const console_args& a) {
  if (a.positional.size() > 1)
    return usage(*find_console_command("ls"), "ls takes one PATH at most");
  console_reply fail;
  auto root = runtime::normalize_path(a.positional.empty() ? "/" : a.positional.front());
  if (!find_actor(root, fail))
    return fail;
  json list = json::array();
  std::vector<std::vector<std::string>> rows;
  for (auto& x : node_.context().registry().query(root)) {
    if (x.path == root || runtime::parent_path(x.path) != root)
      continue;
    list.push_back({{"id", last_segment(x.path)},
                    {"path", x.path},
                    {"kind", x.kind},
                    {"alive", x.alive},
                    {"restarts", x.restarts},
                    {"mailbox_size", x.mailbox_size},
                    {"messages_handled", x.messages_handled}});
    rows.push_back({last_segment(x.path), x.kind, x.alive ? "up" : "down",
                    "restarts=" + std::to_string(x.restarts),
                    "mailbox=" + std::to_string(x.mailbox_size)});
  }
  auto text =
      rows.empty() ? root + " has no children" : table({"ID", "KIND", "STATE", "", ""}, rows);
  return ok(text, json{{"path", root}, {"children", list}});
}

console_reply console_service::info(const console_args& a) {
  auto cmd = find_console_command("info");
  if (a.positional.size() != 1)
    return usage(*cmd, "info needs one PATH");
  console_reply fail;
  auto e = find_actor(a.positional.front(), fail);
  if (!e)
    return fail;
  auto x = e->snapshot();
  auto now = runtime::unix_now_ms();
  json failures = json::array();
  for (auto& f : x.failures)
    failures.push_back({{"at_ms", f.at_ms}, {"at", utc(f.at_ms)}, {"reason", f.reason}});
  auto state = state_of(x);
  json j{{"path", x.path},
         {"kind", x.kind},
         {"node", x.node},
         {"alive", x.alive},
         {"incarnations", x.incarnations},
         {"started_at_ms", x.started_at_ms},
         {"mailbox_size", x.mailbox_size},
         {"messages_handled", x.messages_handled},
         {"restarts", x.restarts},
         {"failures", failures},
         {"checkpoint",
          {{"seq", x.checkpoint_seq},
           {"at_ms", x.checkpoint_at_ms},
           {"age_ms", x.checkpoint_at_ms > 0 ? now - x.checkpoint_at_ms : -1}}},
         {"state", state}};
  std::string text = x.path + "  " + x.kind + " on node " + x.node + "\n";
  text += "  state       " + std::string{x.alive ? "up" : "down"} + " (incarnation " +
          std::to_string(x.incarnations) + ", started " + ago(x.started_at_ms, now) + ")\n";
  text += "  mailbox     " + std::to_string(x.mailbox_size) + " waiting\n";
  text += "  handled     " + std::to_string(x.messages_handled) + " messages\n";
  text += "  restarts    " + std::to_string(x.restarts) + "\n";
  for (auto i = x.failures.rbegin(); i != x.failures.rend(); ++i)
    text += "    " + utc(i->at_ms) + "  " + i->reason + "\n";
  text += "  checkpoint  " +
          (x.checkpoint_seq > 0 ? "seq " + std::to_string(x.checkpoint_seq) + ", saved " +
                                      ago(x.checkpoint_at_ms, now)
                                : std::string{"none"}) +
          "\n";
  auto described = state.dump(2);
  for (std::size_t i = 0; (i = described.find('\n', i)) != std::string::npos; i += 1)
    described.insert(i + 1, 14, ' ');
  text += "  described   " + described;
  return ok(text, j);
}

console_reply console_service::top(const console_args& a) {
  auto cmd = find_console_command("top");
  if (!a.positional.empty())
    return usage(*cmd, "top takes no PATH");
  auto by = a.value("--by").value_or("mailbox");
  if (by != "mailbox" && by != "rate" && by != "restarts")
    return usage(*cmd, "--by must be mailbox, rate or restarts, not '" + by + "'");
  int64_t n = 10;
  if (auto v = a.value("-n")) {
    auto x = to_int(*v, 1, config::console_rows_max);
    if (!x)
      return usage(*cmd, "-n must be a number from 1 to " +
                             std::to_string(config::console_rows_max) + ", not '" + *v + "'");
    n = *x;
  }
  auto& reg = node_.context().registry();
  auto take = [&] {
    sample s;
    s.at_ns = runtime::steady_now_ns();
    for (auto& x : reg.query("/"))
      s.handled[x.path] = x.messages_handled;
    return s;
  };
  sample before;
  {
    std::lock_guard<std::mutex> guard{sample_mtx_};
    before = last_sample_;
  }
  auto age_ms = (runtime::steady_now_ns() - before.at_ns) / 1'000'000;
  if (before.at_ns == 0 || age_ms < top_sample_reuse_ms_min || age_ms > top_sample_reuse_ms_max) {
    before = take();
    std::this_thread::sleep_for(milliseconds{top_sample_ms});
  }
  auto now = take();
  auto window_ms = std::max<int64_t>(1, (now.at_ns - before.at_ns) / 1'000'000);
  {
    std::lock_guard<std::mutex> guard{sample_mtx_};
    last_sample_ = now;
  }
  struct row {
    runtime::actor_info info;
    int64_t rate = 0;
  };
  std::vector<row> rows;
  for (auto& x : reg.query("/")) {
    row r;
    auto i = before.handled.find(x.path);
    auto prev = i != before.handled.end() ? i->second : x.messages_handled;
    r.rate = static_cast<int64_t>(x.messages_handled >= prev ? x.messages_handled - prev : 0) *
             1000 / window_ms;
    r.info = std::move(x);
    rows.push_back(std::move(r));
  }
  auto key = [&](const row& r) -> int64_t {
    if (by == "rate")
      return r.rate;
    if (by == "restarts")
      return static_cast<int64_t>(r.info.restarts);
    return static_cast<int64_t>(r.info.mailbox_size);
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const row& x, const row& y) { return key(x) > key(y); });
  if (rows.size() > static_cast<std::size_t>(n))
    rows.resize(static_cast<std::size_t>(n));
  json list = json::array();
  std::vector<std::vector<std::string>> cells;
  for (auto& r : rows) {
    list.push_back({{"path", r.info.path},
                    {"kind", r.info.kind},
                    {"alive", r.info.alive},
                    {"mailbox_size", r.info.mailbox_size},
                    {"rate_per_s", r.rate},
                    {"restarts", r.info.restarts},
                    {"messages_handled", r.info.messages_handled}});
    cells.push_back({r.info.path, r.info.kind, std::to_string(r.info.mailbox_size),
                     std::to_string(r.rate), std::to_string(r.info.restarts),
                     r.info.alive ? "up" : "down"});
  }
  return ok(table({"PATH", "KIND", "MAILBOX", "MSG/S", "RESTARTS", "STATE"}, cells),
            json{{"by", by}, {"window_ms", window_ms}, {"actors", list}});
}

std::shared_ptr<runtime::registry_entry>
console_service::below_root(const std::string& command, const console_args& a,
                            const std::string& why_not_root, console_reply& fail) const {
  if (a.positional.size() != 1) {
    fail = usage(*find_console_command(command), command + " needs one PATH");
    return nullptr;
  }
  auto e = find_actor(a.positional.front(), fail);
  if (e && e->path() == "/") {
    fail = failed(why_not_root);
    return nullptr;
  }
  return e;
}

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
  if (user && !reg.find("/user/" + *user))
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
  return ok(text, json{{"level", to_string(change.level)},
                       {"target", change.target},
                       {"state", actors::to_string(change.state)},
                       {"states", states}});
}

console_reply console_service::vault(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("vault");
  auto sub = a.positional.empty() ? std::string{"status"} : a.positional.front();
  auto gw = actors::find_gateway(node_.context());
  auto reason = a.value("--reason").value_or("from the console");
  if (sub == "status") {
    if (a.positional.size() > 1)
      return usage(*cmd, "vault status takes no argument");
    if (!gw)
      return failed("the vault gateway is not running on node " + node_.context().node_name());
    auto s = runtime::ask<actors::vault_status>(node_.system(), gw, opts_.actor_timeout,
                                                actors::vault_status_atom_v);
    if (!s)
      return failed(actor_error(s.error(), "the vault", opts_.actor_timeout));
    json j = *s;
    auto mode = s->emergency ? "EMERGENCY" : s->transfers_frozen ? "transfers frozen" : "normal";
    return ok("vault: " + std::string{mode} + ", " + std::to_string(s->accounts) + " accounts, " +
                  std::to_string(s->transactions) + " transactions (" +
                  std::to_string(s->success_ppm / 10'000) + "% succeeded), p99 " +
                  std::to_string(s->p99_us) + " us",
              j);
  }
  if (sub == "reconcile") {
    if (a.positional.size() > 1)
      return usage(*cmd, "vault reconcile takes no argument");
    if (!gw)
      return failed("the vault gateway is not running on node " + node_.context().node_name());
    actors::reconcile_request rq;
    rq.user = who;
    rq.reason = reason;
    auto rep = runtime::ask<actors::reconcile_report>(node_.system(), gw, opts_.actor_timeout, rq);
    if (!rep)
      return failed("reconcile: " + actor_error(rep.error(), "the vault", opts_.actor_timeout));
    std::string text = rep->clean ? "reconciled: clean" : "reconciled: DISCREPANCIES";
    text += " (" + std::to_string(rep->accounts_checked) + " accounts, " +
            std::to_string(rep->actors_checked) + " actors checked; " +
            std::to_string(rep->trading_pending) + " trading items pending; audit #" +
            std::to_string(rep->audit_id) + ")";
    for (auto& d : rep->discrepancies)
      if (d.asset.empty() && d.expected == d.actual) // a finding without amounts
        text += "\n  " + d.kind + ": " + d.detail;
      else
        text += "\n  " + d.kind + " " + d.account + " " + d.asset + ": expected " +
                std::to_string(d.expected) + ", found " + std::to_string(d.actual) +
                (d.detail.empty() ? "" : " (" + d.detail + ")");
    auto reply = ok(text, to_json(*rep));
    if (!rep->clean)
      reply.status = static_cast<int32_t>(console_status::failed);
    return reply;
  }
  actors::vault_mode_change change;
  if (sub == "freeze" || sub == "unfreeze") {
    if (a.positional.size() > 1)
      return usage(*cmd, "vault " + sub + " takes no argument");
    change.mode = actors::vault_mode::transfers_frozen;
    change.on = sub == "freeze";
  } else if (sub == "emergency") {
    if (a.positional.size() != 2 || (a.positional[1] != "on" && a.positional[1] != "off"))
      return usage(*cmd, "vault emergency needs on or off");
    change.mode = actors::vault_mode::emergency;
    change.on = a.positional[1] == "on";
  } else {
    return unknown_subcommand(*cmd, sub);
  }
  if (!gw)
    return failed("the vault gateway is not running on node " + node_.context().node_name());
  change.user = who;
  change.reason = reason;
  auto s = runtime::ask<actors::vault_status>(node_.system(), gw, opts_.actor_timeout, change);
  if (!s)
    return failed("vault " + sub + ": " + actor_error(s.error(), "the vault", opts_.actor_timeout));
  log().warn("console: vault {} {} by {}", to_string(change.mode), change.on ? "on" : "off", who);
  std::string text = change.mode == actors::vault_mode::emergency
                         ? (change.on ? "vault emergency mode ON: withdrawals and transfers stop"
                                      : "vault emergency mode off")
                         : (change.on ? "vault transfers frozen" : "vault transfers unfrozen");
  return ok(text + " (emergency " + (s->emergency ? "on" : "off") + ", transfers " +
                (s->transfers_frozen ? "frozen" : "open") + ")",
            json(*s));
}

console_reply console_service::exchanges(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("exchanges");
  auto sub = a.positional.empty() ? std::string{"status"} : a.positional.front();
  auto only = a.positional.size() == 2 ? a.positional[1] : std::string{};
  if (sub != "status" && sub != "test" && sub != "recover") {
    // `exchanges SESSION` is `exchanges status SESSION`.
    if (a.positional.size() != 1)
      return unknown_subcommand(*cmd, sub);
    only = sub;
    sub = "status";
  } else if (a.positional.size() > 2) {
    return usage(*cmd, "exchanges " + sub + " takes one SESSION at most");
  }
  auto timeout = std::min(opts_.actor_timeout, milliseconds{session_query_timeout_ms});
  json list = json::array();
  std::vector<std::vector<std::string>> rows;
  bool all_ok = true;
  auto chosen = find_sessions(node_.context(),
                              [&](const runtime::actor_info& x) { return session_named(x, only); });
  if (sub != "status" && !chosen.empty()) {
    std::string names;
    for (auto& c : chosen)
      names += (names.empty() ? "" : ", ") + c.info.path;
    audit(who, "console.exchanges." + sub, names);
  }
  auto answers = ask_sessions(node_.system(), chosen,
                              sub == "test"      ? session_request::test
                              : sub == "recover" ? session_request::recover
                                                 : session_request::status,
                              timeout);
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    auto& info = chosen[i].info;
    json row{{"path", info.path}, {"alive", info.alive}, {"restarts", info.restarts}};
    std::optional<actors::exchange_status> st;
    std::string error;
    if (!chosen[i].handle)
      error = "not running";
    else if (answers[i])
      st = std::move(*answers[i]);
    else
      error = actor_error(answers[i].error(), "the session", timeout);
    auto connected = st && st->connected;
    all_ok = all_ok && connected;
    row["ok"] = connected;
    if (st)
      row["status"] = json(*st);
    else
      row["error"] = error;
    list.push_back(std::move(row));
    if (st)
      rows.push_back({info.path, st->active + (st->on_backup ? " (backup)" : ""), st->state,
                      std::to_string(st->latency_p99_us) + " us",
                      sub == "test" ? std::to_string(st->last_test_us) + " us" : "",
                      std::to_string(st->orders) + "/" + std::to_string(st->rejected) + "/" +
                          std::to_string(st->failovers),
                      st->last_error});
    else
      rows.push_back({info.path, "-", "error", "-", "-", "-", error});
  }
  if (!only.empty() && list.empty()) {
    std::vector<std::string> known;
    for (auto& x : find_sessions(node_.context(), [](const runtime::actor_info&) { return true; }))
      known.push_back(x.info.path);
    auto near = config::nearest(runtime::normalize_path(only), known);
    return failed(
        "no exchange session " + only +
        (near ? "; did you mean " + *near + "?" : " (nor a subcommand: status, test, recover)"));
  }
  auto text = rows.empty() ? std::string{"no exchange sessions on this node"}
                           : table({"SESSION", "VENUE", "STATE", "P99", sub == "test" ? "TEST" : "",
                                    "ORD/REJ/FAILOVER", "LAST ERROR"},
                                   rows);
  auto reply = ok(text, json{{"ok", all_ok}, {"sessions", list}});
  if (sub != "status" && !all_ok)
    reply.status = static_cast<int32_t>(console_status::failed);
  return reply;
}

console_reply console_service::alerts(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("alerts");
  auto e = node_.context().registry().find("/monitor");
  auto h = e ? e->handle() : caf::actor{};
  if (!h || e->kind() != "farm_monitor")
    return failed("the monitor is not running on node " + node_.context().node_name());
  if (!a.positional.empty()) {
    if (a.positional.front() != "ack" || a.positional.size() != 2)
      return usage(*cmd, "alerts takes no argument, or ack ID");
    auto id = to_int(a.positional[1], 1, std::numeric_limits<int64_t>::max());
    if (!id)
      return usage(*cmd, "alert id '" + a.positional[1] + "' is not a number");
    auto doc = runtime::ask<std::string>(node_.system(), h, opts_.actor_timeout,
                                         actors::alert_ack_atom_v, static_cast<uint64_t>(*id), who);
    if (!doc)
      return failed(doc.error().category() == caf::atom("tfmonitor")
                        ? runtime::message_of(doc.error())
                        : actor_error(doc.error(), "the monitor", opts_.actor_timeout));
    auto j = json::parse(*doc, nullptr, false);
    return ok("acknowledged alert #" + a.positional[1] + " (audited)",
              j.is_discarded() ? json::object() : j);
  }
  auto doc = runtime::ask<std::string>(node_.system(), h, opts_.actor_timeout,
                                       actors::monitoring_atom_v, false);
  if (!doc)
    return failed(actor_error(doc.error(), "the monitor", opts_.actor_timeout));
  auto j = json::parse(*doc, nullptr, false);
  if (j.is_discarded())
    return failed("the monitor answered with something that is not JSON");
  auto now = runtime::unix_now_ms();
  std::vector<std::vector<std::string>> rows;
  for (auto& x : j.value("alerts", json::array()))
    rows.push_back({"#" + std::to_string(x.value("id", 0)), x.value("severity", ""),
                    x.value("state", ""), x.value("rule", ""),
                    ago(x.value("fired_at_ms", int64_t{0}), now), x.value("message", "")});
  std::string text = rows.empty()
                         ? "no open alerts"
                         : table({"ID", "SEVERITY", "STATE", "RULE", "FIRED", "MESSAGE"}, rows);
  auto recent = j.value("recent", json::array());
  if (!recent.empty()) {
    text += "\nrecent notifications:";
    auto from = recent.size() > 10 ? recent.size() - 10 : 0;
    for (auto i = from; i < recent.size(); ++i) {
      auto& n = recent[i];
      text += "\n  " + utc(n.value("at_ms", int64_t{0})) + "  #" +
              std::to_string(n.value("id", 0)) + " " + n.value("severity", "") + " " +
              n.value("state", "") + "  " + n.value("message", "");
    }
  }
  return ok(text, json{{"alerts", j.value("alerts", json::array())}, {"recent", recent}});
}

console_reply console_service::metrics(const console_args& a) {
  if (a.positional.size() > 1)
    return usage(*find_console_command("metrics"), "metrics takes one PATTERN at most");
  auto pattern = a.positional.empty() ? std::string{} : a.positional.front();
  auto matches = [&](const std::string& family) {
    if (pattern.empty())
      return true;
    if (pattern.find('*') != std::string::npos)
      return glob_match(pattern, family);
    return family.find(pattern) != std::string::npos;
  };
  auto& registry = node_.context().metrics();
  json series = json::array();
  for (auto& p : registry.query(matches))
    series.push_back({{"series", p.series}, {"value", p.value}});
  auto out = registry.render_prometheus(matches);
  if (!out.empty())
    out.pop_back();
  if (series.empty())
    return failed("no metric matches '" + pattern + "'");
  return ok(out, json{{"pattern", pattern}, {"series", series}});
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

console_reply console_service::audit_log(const console_args& a) {
  auto cmd = find_console_command("audit");
  if (!a.positional.empty())
    return usage(*cmd, "audit takes no argument");
  int64_t days = 1;
  int64_t n = 50;
  if (auto v = a.value("--days")) {
    auto x = to_int(*v, 1, 36'600);
    if (!x)
      return usage(*cmd, "--days must be a number from 1 to 36600, not '" + *v + "'");
    days = *x;
  }
  if (auto v = a.value("-n")) {
    auto x = to_int(*v, 1, config::console_rows_max);
    if (!x)
      return usage(*cmd, "-n must be a number from 1 to " +
                             std::to_string(config::console_rows_max) + ", not '" + *v + "'");
    n = *x;
  }
  auto st = persistence::store_of(&node_.context());
  if (!st)
    return failed("node " + node_.context().node_name() + " has no store: no audit log");
  auto since = runtime::unix_now_ms() - days * 86'400'000;
  // The store answers the newest `n` records of the window, oldest first.
  auto recs = runtime::ask<std::vector<persistence::audit_record>>(
      node_.system(), st, opts_.actor_timeout, persistence::query_audit_atom_v, since,
      static_cast<uint32_t>(n));
  if (!recs)
    return failed(actor_error(recs.error(), "the store", opts_.actor_timeout));
  auto from = recs->size() > static_cast<std::size_t>(n) ? recs->size() - n : 0;
  json list = json::array();
  std::string text;
  for (auto i = from; i < recs->size(); ++i) {
    auto& r = (*recs)[i];
    list.push_back({{"id", r.id},
                    {"ts_ms", r.ts_ms},
                    {"ts", utc(r.ts_ms)},
                    {"actor", r.actor},
                    {"user", r.user},
                    {"action", r.action},
                    {"detail", r.detail}});
    text += utc(r.ts_ms) + "  " + r.actor + "  " + r.user + "  " + r.action +
            (r.detail.empty() ? "" : "  " + r.detail) + "\n";
  }
  text += std::to_string(list.size()) + " audit record" + (list.size() == 1 ? "" : "s") +
          " (newest last) of the last " + std::to_string(days) + " day" + (days == 1 ? "" : "s");
  return ok(text, json{{"days", days}, {"records", list}});
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
