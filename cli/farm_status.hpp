// What `tfarm run` shows while a farm runs and writes when it ends: agents
// (state, orders, fills, position, PnL, restarts), order and fill rates,
// vault totals, sessions and the alerts the runbook's agent and exchange
// thresholds raise.
//
// A snapshot reads the registry (every actor's own description) and asks
// the store for the vault's balances; rendering is pure. Not thread-safe:
// the run loop's thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/node.hpp"

namespace tfarm::cli {

/// The runbook's agent error thresholds (warning, critical), per minute.
constexpr uint32_t agent_errors_warning_per_min = 2;
constexpr uint32_t agent_errors_critical_per_min = 5;
/// The runbook's agent health threshold, percent of agents healthy.
constexpr int64_t agent_health_warning_pct = 80;

struct agent_row {
  std::string path;
  bool alive = false;
  uint64_t restarts = 0;
  nlohmann::json state;
};

struct session_row {
  std::string path;
  nlohmann::json state;
};

struct asset_total {
  int64_t available = 0;
  int64_t reserved = 0;
};

struct farm_snapshot {
  int64_t taken_ms = 0;
  std::vector<agent_row> agents;
  std::vector<session_row> sessions;
  /// Users' accounts only (not venues' or fee accounts), per asset.
  std::map<std::string, asset_total> vault;
  bool vault_known = false;
  uint64_t restarts = 0;
  uint64_t orders = 0;
  uint64_t fills = 0;
  /// Percent of agents healthy (running or halted, fresh heartbeat, errors
  /// within the warning threshold); 100 without agents.
  int64_t health_pct = 100;
  std::vector<std::string> alerts;
};

/// Reads the farm's state now.
farm_snapshot take_snapshot(runtime::node& node);

/// Replaces each agent's orders, fills, position and PnL with what the
/// database holds (the fills the venues reported, replayed in order), and
/// the totals with them: the durable truth once the node has stopped,
/// including fills that arrived after an agent stopped (its next start
/// settles them). Agents keep their mark price for the unrealized PnL.
/// Returns false (and changes nothing) if the database cannot be read.
bool apply_durable_record(farm_snapshot& x, const std::string& db_file);

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
