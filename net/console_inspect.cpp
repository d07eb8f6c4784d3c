// The console commands that read: tree, ls, info, top, metrics, audit.
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

console_reply console_service::tree(const console_args& a) {
  auto cmd = find_console_command("tree");
  if (a.positional.size() > 1)
    return usage(*cmd, "tree takes one PATH at most");
  int64_t depth = -1;
  if (auto bad = int_option(a, *cmd, "--depth", 0, 64, depth))
    return *bad;
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
  json result{{"node", node_.context().node_name()}, {"path", root}, {"actors", list}};
  // The whole tree on a member: this member's actors, then where every
  // user of the cluster runs (each member's own tree is on its console).
  if (opts_.cluster && a.positional.empty())
    append_cluster(text, result,
                   " (this is " + node_.context().node_name() +
                       "; the others' trees: tree on their consoles)");
  return ok(text, result);
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
  if (auto bad = int_option(a, *cmd, "-n", 1, config::console_rows_max, n))
    return *bad;
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

console_reply console_service::audit_log(const console_args& a) {
  auto cmd = find_console_command("audit");
  if (!a.positional.empty())
    return usage(*cmd, "audit takes no argument");
  int64_t days = 1;
  int64_t n = 50;
  if (auto bad = int_option(a, *cmd, "--days", 1, 36'600, days))
    return *bad;
  if (auto bad = int_option(a, *cmd, "-n", 1, config::console_rows_max, n))
    return *bad;
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

} // namespace tfarm::net
