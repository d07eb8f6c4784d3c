#include "cli/farm_status.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <caf/scoped_actor.hpp>
#include <fmt/format.h>

#include "actors/agent/position_book.hpp"
#include "actors/monitor/farm_sample.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::cli {

using actors::state_int;
using actors::state_string;

namespace {

/// Time the snapshot waits for the store's balances.
constexpr int64_t snapshot_store_timeout_ms = 2'000;

double rate(uint64_t now, uint64_t before, int64_t ms) {
  if (ms <= 0 || now < before)
    return 0.0;
  return static_cast<double>(now - before) * 1000.0 / static_cast<double>(ms);
}

std::string short_path(const std::string& p) {
  static const std::string prefix = "/user/";
  return p.compare(0, prefix.size(), prefix) == 0 ? p.substr(prefix.size()) : p;
}

} // namespace

bool apply_durable_record(farm_snapshot& x, const std::string& db_file) {
  try {
    SQLite::Database db{db_file, SQLite::OPEN_READONLY};
    SQLite::Statement fills{db, "SELECT o.side, f.price, f.qty, f.fee FROM fills f JOIN orders o "
                                "ON o.client_order_id = f.client_order_id WHERE o.agent = ? "
                                "ORDER BY f.rowid"};
    SQLite::Statement orders{db, "SELECT COUNT(*) FROM orders WHERE agent = ?"};
    std::vector<nlohmann::json> updated;
    uint64_t total_orders = 0;
    uint64_t total_fills = 0;
    for (auto& a : x.agents) {
      actors::position_book book;
      fills.reset();
      fills.bind(1, a.path);
      while (fills.executeStep())
        book.apply(fills.getColumn(0).getString() == "buy" ? actors::side::buy : actors::side::sell,
                   fills.getColumn(1).getInt64(), fills.getColumn(2).getInt64(),
                   fills.getColumn(3).getInt64());
      orders.reset();
      orders.bind(1, a.path);
      orders.executeStep();
      auto s = a.state;
      s["orders"] = orders.getColumn(0).getInt64();
      s["fills"] = book.fills;
      s["position"] = book.position;
      s["average_price"] = book.average_price();
      s["realized_pnl"] = book.realized;
      s["fees"] = book.fees;
      auto mark = state_int(s, "mark");
      s["unrealized_pnl"] = mark > 0 ? book.unrealized(mark) : 0;
      total_orders += static_cast<uint64_t>(state_int(s, "orders"));
      total_fills += static_cast<uint64_t>(book.fills);
      updated.push_back(std::move(s));
    }
    for (size_t i = 0; i < x.agents.size(); ++i)
      x.agents[i].state = std::move(updated[i]);
    x.orders = total_orders;
    x.fills = total_fills;
    // The vault's totals at the same moment as the positions.
    SQLite::Statement vault{db, "SELECT asset, bucket, SUM(amount) FROM balances WHERE account "
                                "NOT LIKE '@%' GROUP BY asset, bucket"};
    x.vault.clear();
    while (vault.executeStep()) {
      auto& t = x.vault[vault.getColumn(0).getString()];
      auto bucket = vault.getColumn(1).getString();
      (bucket == "reserved" ? t.reserved : t.available) += vault.getColumn(2).getInt64();
    }
    x.vault_known = true;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

farm_snapshot take_snapshot(runtime::node& node) {
  farm_snapshot x;
  x.taken_ms = runtime::unix_now_ms();
  auto infos = node.context().registry().query("/");
  int64_t healthy = 0;
  for (auto& info : infos) {
    x.restarts += info.restarts;
    if (info.kind != "exchange_session" && info.kind != "trading_agent")
      continue; // only those are shown: no need to parse every actor's state
    auto state = nlohmann::json::parse(info.state_json, nullptr, false);
    if (!state.is_object())
      state = nlohmann::json::object();
    if (info.kind == "exchange_session") {
      x.sessions.push_back(session_row{info.path, state});
      auto st = state_string(state, "state");
      if (st == "disconnected" || st == "auth_failed")
        x.alerts.push_back("critical: exchange session " + info.path + " is " + st);
      continue;
    }
    agent_row a{info.path, info.alive, info.restarts, state};
    x.orders += static_cast<uint64_t>(state_int(state, "orders"));
    x.fills += static_cast<uint64_t>(state_int(state, "fills"));
    auto st = state_string(state, "state");
    auto errors = static_cast<uint32_t>(state_int(state, "errors_per_min"));
    if (actors::agent_healthy(info, state, x.taken_ms)) // as the monitor counts it
      ++healthy;
    if (errors > agent_errors_critical_per_min)
      x.alerts.push_back(fmt::format("critical: {} has {} errors/min (> {})", info.path, errors,
                                     agent_errors_critical_per_min));
    else if (errors > agent_errors_warning_per_min)
      x.alerts.push_back(fmt::format("warning: {} has {} errors/min (> {})", info.path, errors,
                                     agent_errors_warning_per_min));
    if (st == "failed")
      x.alerts.push_back("error: " + info.path + " failed: " + state_string(state, "failure"));
    x.agents.push_back(std::move(a));
  }
  if (!x.agents.empty()) {
    x.health_pct = healthy * 100 / static_cast<int64_t>(x.agents.size());
    if (x.health_pct < agent_health_warning_pct)
      x.alerts.push_back(
          fmt::format("warning: agent health {}% (< {}%)", x.health_pct, agent_health_warning_pct));
  }
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
  out << fmt::format("{:<22} {:<9} {:<8} {:>7} {:>7} {:>5} {:>5} {:>9} {:>12} {:>12} {:>4}\n",
                     "AGENT", "STATE", "SYMBOL", "ORDERS", "FILLS", "OPEN", "REJ", "POSITION",
                     "REALIZED", "UNREALIZED", "RST");
  for (auto& a : now.agents) {
    auto& s = a.state;
    out << fmt::format("{:<22} {:<9} {:<8} {:>7} {:>7} {:>5} {:>5} {:>9} {:>12} {:>12} {:>4}\n",
                       short_path(a.path).substr(0, 22),
                       a.alive ? state_string(s, "state") : "restarting", state_string(s, "symbol"),
                       state_int(s, "orders"), state_int(s, "fills"), state_int(s, "open_orders"),
                       state_int(s, "rejected"), state_int(s, "position"),
                       state_int(s, "realized_pnl"), state_int(s, "unrealized_pnl"), a.restarts);
  }
  if (!now.sessions.empty()) {
    out << "\nSESSIONS\n";
    for (auto& s : now.sessions)
      out << fmt::format("  {:<36} {:<12} active {:<8} latency {} us\n", s.path,
                         state_string(s.state, "state"), state_string(s.state, "active"),
                         state_int(s.state, "latency_ewma_us"));
  }
  out << "\nVAULT (users' accounts, minor units)\n";
  if (!now.vault_known)
    out << "  (store not answering)\n";
  for (auto& [asset, t] : now.vault)
    out << fmt::format("  {:<6} available {:>16} reserved {:>14}\n", asset, t.available,
                       t.reserved);
  out << "\nALERTS\n";
  if (now.alerts.empty())
    out << "  none\n";
  for (auto& a : now.alerts)
    out << "  " << a << "\n";
  out << "\nCtrl-C stops (final checkpoints are written).\n";
  return out.str();
}

std::string render_line(const farm_snapshot& now, const farm_snapshot& prev) {
  auto ms = now.taken_ms - prev.taken_ms;
  int64_t position_sum = 0;
  int64_t pnl = 0;
  for (auto& a : now.agents) {
    position_sum += state_int(a.state, "position");
    pnl += state_int(a.state, "realized_pnl") + state_int(a.state, "unrealized_pnl");
  }
  std::string vault;
  for (auto& [asset, t] : now.vault)
    vault += fmt::format(" {}={}/{}", asset, t.available, t.reserved);
  return fmt::format("status: agents {} (health {}%), orders {} ({:.1f}/s), fills {} ({:.1f}/s), "
                     "restarts {}, pnl {}, vault (available/reserved){}, alerts {}",
                     now.agents.size(), now.health_pct, now.orders,
                     rate(now.orders, prev.orders, ms), now.fills, rate(now.fills, prev.fills, ms),
                     now.restarts, pnl, vault.empty() ? " n/a" : vault, now.alerts.size());
}

nlohmann::json summary_json(const farm_snapshot& x, int64_t ran_ms) {
  nlohmann::json j;
  j["ran_ms"] = ran_ms;
  auto& agents = j["agents"] = nlohmann::json::array();
  for (auto& a : x.agents) {
    auto& s = a.state;
    nlohmann::json row;
    row["path"] = a.path;
    row["strategy"] = state_string(s, "strategy");
    row["symbol"] = state_string(s, "symbol");
    row["state"] = a.alive ? state_string(s, "state") : "stopped";
    row["orders"] = state_int(s, "orders");
    row["fills"] = state_int(s, "fills");
    row["rejected"] = state_int(s, "rejected");
    row["rejections"] = s.contains("rejections") ? s["rejections"] : nlohmann::json::object();
    row["position"] = state_int(s, "position");
    row["average_price"] = state_int(s, "average_price");
    row["realized_pnl"] = state_int(s, "realized_pnl");
    row["unrealized_pnl"] = state_int(s, "unrealized_pnl");
    row["fees"] = state_int(s, "fees");
    row["restarts"] = a.restarts;
    agents.push_back(std::move(row));
  }
  int64_t realized = 0;
  int64_t unrealized = 0;
  uint64_t rejected = 0;
  for (auto& a : agents) {
    realized += a["realized_pnl"].get<int64_t>();
    unrealized += a["unrealized_pnl"].get<int64_t>();
    rejected += a["rejected"].get<uint64_t>();
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
