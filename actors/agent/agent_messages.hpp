// Messages of trading agents and of the risk control (type IDs in
// actors/agent/type_ids.hpp). Integers only: they cross nodes.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/meta/type_name.hpp>

#include "actors/agent/risk_gate.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trading_states& x) {
  return f(caf::meta::type_name("tfarm.trading_states"), x.farm, x.user, x.agent);
}

/// Where a trading state applies.
enum class trading_level : uint8_t { farm, user, agent };

std::string to_string(trading_level x);

/// Sets a trading state: the kill switch at one level.
struct trading_state_change {
  trading_level level = trading_level::farm;
  /// The user's name (level user) or the agent's path (level agent).
  std::string target;
  trading_state state = trading_state::active;
  std::string reason;
  /// Who asks (operator identity), for the audit log.
  std::string by;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trading_state_change& x) {
  return f(caf::meta::type_name("tfarm.trading_state_change"), x.level, x.target, x.state, x.reason,
           x.by);
}

/// Every trading state the risk control holds (levels not listed are active).
struct risk_states {
  trading_state farm = trading_state::active;
  std::map<std::string, trading_state> users;
  std::map<std::string, trading_state> agents;

  /// The states that apply to one agent.
  trading_states for_agent(const std::string& user, const std::string& path) const;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(farm, users, agents);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, risk_states& x) {
  return f(caf::meta::type_name("tfarm.risk_states"), x.farm, x.users, x.agents);
}

/// One agent as the console, the monitor and `tfarm run` see it (its
/// registry status and its answer to agent_status_atom). Money in minor
/// units of the quote, positions in units, prices in ticks.
struct agent_status {
  std::string path;
  std::string strategy;
  std::string venue;
  std::string account;
  std::string symbol;
  /// "starting" (restoring and reconciling), "running", "halted",
  /// "stopping" (winding down), "retiring" (leaves once its orders are
  /// finished), "failed" (cannot trade: no session, bad state; see
  /// `failure`).
  std::string state;
  /// Why the agent cannot trade ("" unless state is "failed").
  std::string failure;
  trading_state trading = trading_state::active;
  /// Orders sent since the agent was first started. While it is
  /// "starting" after a restart, the counters are its checkpoint's; they
  /// catch up with the store (orders placed after that checkpoint) before
  /// it is "running".
  uint64_t orders = 0;
  uint64_t fills = 0;
  uint64_t rejected = 0;
  /// Refusals by reason: risk rules ("order_rate", ...), the vault's
  /// ("insufficient_funds"), the venue's ("venue_rejected").
  std::map<std::string, uint64_t> rejections;
  /// The newest refusal in full: which rule and which numbers.
  std::string last_rejection;
  /// Orders the strategy wanted that ORDER_RATE_LIMIT held back (pacing,
  /// not a refusal; since this incarnation started).
  uint64_t paced = 0;
  int64_t open_orders = 0;
  int64_t position = 0;
  int64_t average_price = 0;
  int64_t realized_pnl = 0;
  int64_t unrealized_pnl = 0;
  int64_t fees = 0;
  /// Mid price of the newest book top, ticks (0 before the first).
  int64_t mark = 0;
  /// Failed requests (vault, session) in the last minute.
  uint32_t errors_per_min = 0;
  /// Milliseconds since the epoch of the agent's last timer beat.
  int64_t heartbeat_ms = 0;
  /// Period of its timer beat.
  int64_t timer_ms = 0;
  /// Incarnation counter: 1 on the first start, +1 on every restart.
  uint64_t epoch = 0;
  /// From the market tick that made an order to its first fill seen here.
  int64_t tick_to_fill_p50_us = 0;
  int64_t tick_to_fill_p99_us = 0;
};

TFARM_STATUS_FIELDS(agent_status, "tfarm.agent_status", path, strategy, venue, account, symbol,
                    state, failure, trading, orders, fills, rejected, rejections, last_rejection,
                    paced, open_orders, position, average_price, realized_pnl, unrealized_pnl, fees,
                    mark, errors_per_min, heartbeat_ms, timer_ms, epoch, tick_to_fill_p50_us,
                    tick_to_fill_p99_us)

} // namespace tfarm::actors
