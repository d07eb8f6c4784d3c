#include "cli/farm_status.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <caf/scoped_actor.hpp>
#include <fmt/format.h>

#include "actors/agent/position_book.hpp"
#include "actors/monitor/farm_monitor.hpp"
#include "actors/monitor/farm_sample.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::cli {

namespace {

/// Time the snapshot waits for the store's balances.
constexpr int64_t snapshot_store_timeout_ms = 2'000;

/// Where the node's monitor lives.
constexpr const char* monitor_path = "/monitor";

double rate(uint64_t now, uint64_t before, int64_t ms) {
  if (ms <= 0 || now < before)
    return 0.0;
  return static_cast<double>(now - before) * 1000.0 / static_cast<double>(ms);
}

std::string short_path(const std::string& p) {
  static const std::string prefix = "/user/";
  return p.compare(0, prefix.size(), prefix) == 0 ? p.substr(prefix.size()) : p;
}

// What the screen and the summary call an agent's state.
std::string state_label(const agent_row& a) {
  if (!a.status)
    return a.starting ? "starting" : "unreadable";
  return a.alive ? a.status->state : "restarting";
}

} // namespace

caf::error apply_durable_record(farm_snapshot& x, const std::string& db_file) {
  std::vector<std::string> paths;
  for (auto& a : x.agents)
    paths.push_back(a.path);
  auto rec = persistence::read_durable_trading(db_file, paths);
  if (!rec)
    return rec.error();
  x.orders = 0;
  x.fills = 0;
  for (auto& a : x.agents) {
    actors::position_book book;
    for (auto& f : rec->fills[a.path])
      book.apply(f.buy ? actors::side::buy : actors::side::sell, f.price, f.qty, f.fee);
    if (!a.status) {
      a.status.emplace();
      a.status->path = a.path;
    }
    auto& s = *a.status;
    s.orders = rec->orders[a.path];
    s.fills = static_cast<uint64_t>(book.fills);
    s.position = book.position;
    s.average_price = book.average_price();
    s.realized_pnl = book.realized;
    s.fees = book.fees;
    s.unrealized_pnl = s.mark > 0 ? book.unrealized(s.mark) : 0;
    x.orders += s.orders;
    x.fills += s.fills;
  }
  // The vault's totals at the same moment as the positions.
  x.vault = std::move(rec->vault);
  x.vault_known = true;
  return {};
}

farm_snapshot take_snapshot(runtime::node& node) {
  farm_snapshot x;
  x.taken_ms = runtime::unix_now_ms();
  auto infos = node.context().registry().query("/");
  int64_t healthy = 0;
  x.alerts_error = "no monitor runs on this node";
  for (auto& info : infos) {
    x.restarts += info.restarts;
    if (info.path == monitor_path) {
      auto st = runtime::read_status<actors::monitor_status>(info);
      x.alerts_error = st ? "" : runtime::to_text(st.error());
      if (st)
        x.alerts = std::move(st->open_alerts);
    } else if (info.kind == "exchange_session") {
      auto st = runtime::read_status<actors::exchange_status>(info);
      session_row row{info.path, info.alive, std::nullopt, "", false};
      if (st) {
        row.status = std::move(*st);
      } else {
        row.error = runtime::to_text(st.error());
        row.starting = runtime::status_pending(st.error());
      }
      x.sessions.push_back(std::move(row));
    } else if (info.kind == "trading_agent") {
      auto st = runtime::read_status<actors::agent_status>(info);
      agent_row a{info.path, info.alive, info.restarts, std::nullopt, "", false};
      if (st) {
        x.orders += st->orders;
        x.fills += st->fills;
        healthy += actors::agent_healthy(info, *st, x.taken_ms) ? 1 : 0;
        a.status = std::move(*st);
      } else {
        a.error = runtime::to_text(st.error());
        a.starting = runtime::status_pending(st.error());
      }
      x.agents.push_back(std::move(a));
    }
  }
  if (!x.agents.empty())
    x.health_pct = healthy * 100 / static_cast<int64_t>(x.agents.size());
  auto store = caf::actor_cast<persistence::store_actor>(node.context().store());
  if (store) {
    caf::scoped_actor self{node.system()};
    self->request(store, std::chrono::milliseconds{snapshot_store_timeout_ms},
                  persistence::ledger_totals_atom_v)
        .receive(
            [&](persistence::ledger_totals& t) {
              x.vault_known = true;
              for (auto& b : t.balances) {
                if (b.account.empty() || b.account[0] == '@')
                  continue; // venues' and the vault's own accounts
                auto& total = x.vault[b.asset];
                total.available += b.available;
                total.reserved += b.reserved;
              }
            },
            [](caf::error&) {});
  }
  return x;
}

std::string render_screen(const farm_snapshot& now, const farm_snapshot& prev,
                          const std::string& title) {
  std::ostringstream out;
  auto ms = now.taken_ms - prev.taken_ms;
  out << "\x1b[H\x1b[2J" << title << "\n";
  out << fmt::format("orders/s {:.1f}   fills/s {:.1f}   orders {}   fills {}   restarts {}   "
                     "agent health {}%\n\n",
                     rate(now.orders, prev.orders, ms), rate(now.fills, prev.fills, ms), now.orders,
                     now.fills, now.restarts, now.health_pct);
  out << fmt::format("{:<22} {:<10} {:<8} {:>7} {:>7} {:>5} {:>5} {:>9} {:>12} {:>12} {:>4}\n",
                     "AGENT", "STATE", "SYMBOL", "ORDERS", "FILLS", "OPEN", "REJ", "POSITION",
                     "REALIZED", "UNREALIZED", "RST");
  std::vector<std::string> problems;
  for (auto& a : now.agents) {
    auto name = short_path(a.path).substr(0, 22);
    if (!a.status) {
      out << fmt::format("{:<22} {:<10} {:>84}\n", name, state_label(a), a.restarts);
      if (!a.starting)
        problems.push_back(a.error);
      continue;
    }
    auto& s = *a.status;
    out << fmt::format("{:<22} {:<10} {:<8} {:>7} {:>7} {:>5} {:>5} {:>9} {:>12} {:>12} {:>4}\n",
                       name, state_label(a), s.symbol, s.orders, s.fills, s.open_orders, s.rejected,
                       s.position, s.realized_pnl, s.unrealized_pnl, a.restarts);
  }
  if (!now.sessions.empty()) {
    out << "\nSESSIONS\n";
    for (auto& s : now.sessions) {
      if (!s.status) {
        out << fmt::format("  {:<36} {}\n", s.path, s.starting ? "starting" : "unreadable");
        if (!s.starting)
          problems.push_back(s.error);
        continue;
      }
      out << fmt::format("  {:<36} {:<12} active {:<8} latency {} us\n", s.path,
                         s.alive ? s.status->state : "restarting", s.status->active,
                         s.status->latency_ewma_us);
    }
  }
  out << "\nVAULT (users' accounts, minor units)\n";
  if (!now.vault_known)
    out << "  (store not answering)\n";
  for (auto& [asset, t] : now.vault)
    out << fmt::format("  {:<6} available {:>16} reserved {:>14}\n", asset, t.available,
                       t.reserved);
  out << "\nALERTS (the monitor's)\n";
  if (!now.alerts_error.empty())
    out << "  unknown: " << now.alerts_error << "\n";
  else if (now.alerts.empty())
    out << "  none\n";
  for (auto& a : now.alerts)
    out << fmt::format("  {:<8} {:<12} {}\n", a.severity, a.state, a.message);
  if (!problems.empty()) {
    out << "\nSTATUS PROBLEMS\n";
    for (auto& p : problems)
      out << "  " << p << "\n";
  }
  out << "\nCtrl-C stops (final checkpoints are written).\n";
  return out.str();
}

std::string render_line(const farm_snapshot& now, const farm_snapshot& prev) {
  auto ms = now.taken_ms - prev.taken_ms;
  int64_t pnl = 0;
  size_t unreadable = 0;
  for (auto& a : now.agents) {
    if (a.status)
      pnl += a.status->realized_pnl + a.status->unrealized_pnl;
    else if (!a.starting)
      ++unreadable;
  }
  std::string vault;
  for (auto& [asset, t] : now.vault)
    vault += fmt::format(" {}={}/{}", asset, t.available, t.reserved);
  auto alerts = now.alerts_error.empty() ? std::to_string(now.alerts.size()) : "unknown";
  return fmt::format("status: agents {} (health {}%{}), orders {} ({:.1f}/s), fills {} "
                     "({:.1f}/s), restarts {}, pnl {}, vault (available/reserved){}, alerts {}",
                     now.agents.size(), now.health_pct,
                     unreadable > 0 ? fmt::format(", {} unreadable", unreadable) : "", now.orders,
                     rate(now.orders, prev.orders, ms), now.fills, rate(now.fills, prev.fills, ms),
                     now.restarts, pnl, vault.empty() ? " n/a" : vault, alerts);
}

nlohmann::json summary_json(const farm_snapshot& x, int64_t ran_ms) {
  nlohmann::json j;
  j["ran_ms"] = ran_ms;
  auto& agents = j["agents"] = nlohmann::json::array();
  int64_t realized = 0;
  int64_t unrealized = 0;
  uint64_t rejected = 0;
  for (auto& a : x.agents) {
    nlohmann::json row;
    row["path"] = a.path;
    row["restarts"] = a.restarts;
    if (!a.status) {
      row["state"] = state_label(a);
      row["error"] = a.error;
      agents.push_back(std::move(row));
      continue;
    }
    auto& s = *a.status;
    row["strategy"] = s.strategy;
    row["symbol"] = s.symbol;
    row["state"] = a.alive ? s.state : "stopped";
    row["orders"] = s.orders;
    row["fills"] = s.fills;
    row["rejected"] = s.rejected;
    row["rejections"] = s.rejections;
    row["paced"] = s.paced;
    row["position"] = s.position;
    row["average_price"] = s.average_price;
    row["realized_pnl"] = s.realized_pnl;
    row["unrealized_pnl"] = s.unrealized_pnl;
    row["fees"] = s.fees;
    realized += s.realized_pnl;
    unrealized += s.unrealized_pnl;
    rejected += s.rejected;
    agents.push_back(std::move(row));
  }
  j["totals"] = {
      {"agents", x.agents.size()},   {"orders", x.orders},     {"fills", x.fills},
      {"rejected", rejected},        {"restarts", x.restarts}, {"realized_pnl", realized},
      {"unrealized_pnl", unrealized}};
  auto& vault = j["vault"] = nlohmann::json::object();
  for (auto& [asset, t] : x.vault)
    vault[asset] = {{"available", t.available}, {"reserved", t.reserved}};
  return j;
}

} // namespace tfarm::cli
