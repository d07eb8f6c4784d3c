// The console commands of the farm's operations: vault, exchanges, alerts.
#include "net/console_service.hpp"

#include "net/venue_reconciliation.hpp"

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
#include "actors/vault/error.hpp"
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

console_reply console_service::vault(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("vault");
  auto sub = a.positional.empty() ? std::string{"status"} : a.positional.front();
  auto gw = actors::find_gateway(node_.context());
  auto reason = a.value("--reason").value_or("from the console");
  if (sub == "balance" || sub == "transfer")
    return vault_money(who, a);
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
    // The venues' own statements against the farm's record of their fills.
    auto venues = reconcile_venues(node_, opts_.security->db(), opts_.actor_timeout);
    size_t venues_ok = 0;
    for (auto& c : venues.checks)
      venues_ok += c.ok ? 1 : 0;
    text += "\nvenues: " + std::to_string(venues_ok) + " of " +
            std::to_string(venues.checks.size()) +
            " account statements agree with the farm's fills";
    for (auto& c : venues.checks)
      if (!c.ok)
        text += "\n  " + std::string{c.pending ? "venue_pending " : "venue_statement "} + c.venue +
                "/" + c.account + ": " + c.detail;
    for (auto& u : venues.unreachable)
      text += "\n  venue_unreachable " + u;
    auto clean = rep->clean && venues.clean();
    if (rep->clean && !clean)
      text.replace(0, std::string{"reconciled: clean"}.size(), "reconciled: DISCREPANCIES");
    audit(who, "vault.reconcile.venues", audit_json(venues).dump());
    auto j = to_json(*rep);
    j["venues"] = to_json(venues);
    j["clean"] = clean;
    auto reply = ok(text, j);
    if (!clean)
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
                (s->transfers_frozen ? "frozen" : "open") + ")" + cluster_switch_note(),
            json(*s));
}

console_reply console_service::vault_money(const std::string& who, const console_args& a) {
  auto cmd = find_console_command("vault");
  auto& sub = a.positional.front();
  auto transfer = sub == "transfer";
  if (a.positional.size() != (transfer ? 5u : 2u))
    return usage(*cmd, transfer ? "vault transfer needs FROM TO AMOUNT ASSET (and --key KEY)"
                                : "vault balance needs an ACCOUNT");
  auto key = a.value("--key");
  if (transfer && (!key || key->empty()))
    return usage(*cmd, "vault transfer needs --key KEY: the transfer's idempotency key (the "
                       "same key again answers the first outcome and moves nothing)");
  auto gw = actors::find_gateway(node_.context());
  auto store = persistence::store_of(&node_.context());
  if (!gw || !store)
    return failed("the vault is not running on node " + node_.context().node_name());
  auto& account = a.positional[1];
  // The account's user acts; in a cluster, on the member that runs it.
  auto at = runtime::ask<persistence::account_placement>(
      node_.system(), store, opts_.actor_timeout, persistence::account_placement_atom_v, account);
  if (!at)
    return failed(actor_error(at.error(), "the store", opts_.actor_timeout));
  if (!at->found)
    return failed("no account '" + account + "'");
  auto self = node_.context().node_name();
  if (!at->owner.empty() && at->owner != self)
    return failed("account " + account + " runs on member " + at->owner + " (its user " + at->user +
                  "): run the command on " + at->owner + "'s console");
  actors::vault_request r;
  r.user = at->user;
  r.account = account;
  if (!transfer) {
    r.op = actors::vault_op::balance;
  } else {
    r.op = actors::vault_op::transfer;
    r.to_account = a.positional[2];
    auto amount = to_int(a.positional[3], 1, INT64_MAX);
    if (!amount)
      return usage(*cmd, "AMOUNT must be a whole number of minor units from 1 to " +
                             std::to_string(INT64_MAX) + ", not '" + a.positional[3] + "'");
    r.amount = *amount;
    r.asset = a.positional[4];
    r.key = *key;
  }
  auto rep = runtime::ask<actors::vault_reply>(node_.system(), gw, opts_.actor_timeout, r);
  if (transfer)
    audit(who, "vault.transfer",
          json{{"from", account},
               {"to", r.to_account},
               {"amount", r.amount},
               {"asset", r.asset},
               {"key", r.key},
               {"outcome", rep ? std::string{"applied"} : runtime::to_text(rep.error())}}
              .dump());
  if (!rep) {
    // `retry`: nothing is decided (the vault or its store could not
    // answer): ask again with the same key, as opposed to a refusal.
    auto reason = actors::vault_reason(rep.error());
    return failed((transfer ? "transfer " : "balance of ") + account + ": " +
                      actor_error(rep.error(), "the vault", opts_.actor_timeout),
                  json{{"reason", actors::to_string(reason)},
                       {"retry", reason == actors::vault_errc::unavailable}});
  }
  json rows = json::array();
  std::string text;
  for (auto& b : rep->balances) {
    rows.push_back({{"asset", b.asset}, {"available", b.available}, {"reserved", b.reserved}});
    text += "\n  " + b.asset + ": available " + std::to_string(b.available) + ", reserved " +
            std::to_string(b.reserved);
  }
  json j{{"account", account}, {"user", r.user}, {"balances", rows}};
  if (!transfer)
    return ok("account " + account + " of " + r.user + ":" + text, j);
  j["txn_id"] = rep->txn_id;
  j["replayed"] = rep->replayed;
  j["to"] = r.to_account;
  return ok(std::string{rep->replayed ? "transfer already made" : "transferred"} + ": " +
                std::to_string(r.amount) + " " + r.asset + " from " + account + " to " +
                r.to_account + " (ledger transaction " + std::to_string(rep->txn_id) + "); " +
                account + " now:" + text,
            j);
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

} // namespace tfarm::net
