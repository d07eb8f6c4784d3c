// What `tfarm run` shows while a farm runs and writes when it ends: agents
// (state, orders, fills, position, PnL, restarts), order and fill rates,
// vault totals, sessions and the monitor's open alerts.
//
// A snapshot reads the registry (every actor's published status, decoded
// as its kind's status struct) and asks the store for the vault's
// balances; rendering is pure. Not thread-safe: the run loop's thread owns
// it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <nlohmann/json.hpp>

#include "actors/agent/agent_messages.hpp"
#include "actors/exchange/exchange_messages.hpp"
#include "persistence/audit_record.hpp"
#include "persistence/durable_trading.hpp"
#include "runtime/node.hpp"

namespace tfarm::cli {

struct agent_row {
  std::string path;
  bool alive = false;
  uint64_t restarts = 0;
  /// Its published status; none (and `error` says why) if it cannot be read.
  std::optional<actors::agent_status> status;
  std::string error;
  /// No status because it has not published one yet.
  bool starting = false;
};

struct session_row {
  std::string path;
  bool alive = false;
  std::optional<actors::exchange_status> status;
  std::string error;
  bool starting = false;
};

struct farm_snapshot {
  int64_t taken_ms = 0;
  std::vector<agent_row> agents;
  std::vector<session_row> sessions;
  /// Users' accounts only (not venues' or fee accounts), per asset.
  std::map<std::string, persistence::asset_holdings> vault;
  bool vault_known = false;
  uint64_t restarts = 0;
  uint64_t orders = 0;
  uint64_t fills = 0;
  /// Percent of agents healthy as the monitor counts them (an agent whose
  /// status cannot be read is not); 100 without agents.
  int64_t health_pct = 100;
  /// The monitor's open alerts (the same the alerts table and the
  /// dashboard show), unless `alerts_error` says why they are not known.
  std::vector<persistence::alert_record> alerts;
  std::string alerts_error;
};

/// Reads the farm's state now.
farm_snapshot take_snapshot(runtime::node& node);

/// Replaces each agent's orders, fills, position and PnL with what the
/// database holds (the fills the venues reported, replayed in order), and
/// the totals with them: the durable truth once the node has stopped,
/// including fills that arrived after an agent stopped (its next start
/// settles them). Agents keep their mark price for the unrealized PnL.
/// On error (the database cannot be read) nothing is changed.
caf::error apply_durable_record(farm_snapshot& x, const std::string& db_file);

/// The one-screen status for a terminal (ANSI: home and clear first).
/// `prev` gives the rates (orders/s, fills/s).
std::string render_screen(const farm_snapshot& now, const farm_snapshot& prev,
                          const std::string& title);

/// The same in one log line, for when stdout is not a terminal.
std::string render_line(const farm_snapshot& now, const farm_snapshot& prev);

/// The --summary document: per agent orders, fills, rejections by reason,
/// position, PnL, restarts; totals; vault totals per asset.
nlohmann::json summary_json(const farm_snapshot& x, int64_t ran_ms);

} // namespace tfarm::cli
