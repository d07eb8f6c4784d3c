// A trading agent's parameters, read from the strings of its [[user.agent]]
// table: what it trades (strategy, venue, account, symbol), its risk
// limits, and the strategy's own parameters (every key the agent does not
// know itself). One parser serves `tfarm config check` and the agent, so a
// file that checks clean starts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/agent/risk_gate.hpp"
#include "config/farm_config.hpp"
#include "config/loader.hpp"
#include "runtime/kind_registry.hpp"

namespace tfarm::actors {

/// Reservation allowance for fees when a venue states none, basis points.
constexpr int64_t agent_fee_bps_default = 50;
/// How far a market order may trade through the touch (the collar of the
/// limit order it becomes), basis points.
constexpr int64_t agent_collar_bps_default = 100;
constexpr int64_t agent_collar_bps_max = 5'000;
/// The strategy's timer and the agent's own beat (heartbeat, polls).
constexpr int64_t agent_timer_ms_default = 1'000;
/// Orders with no news for this long are asked about.
constexpr int64_t agent_poll_ms_default = 2'000;
/// When only the strategy's own state changed (a tick moved its averages),
/// the agent checkpoints it at most this often; orders, fills, refusals
/// and its start are checkpointed at the next beat. A crash loses at most
/// this much of a strategy's learning, never money or an order (positions
/// come from the fills, order ids from the store); a clean stop saves all.
constexpr int64_t agent_strategy_checkpoint_ms = 10'000;

struct agent_settings {
  std::string strategy;
  std::string venue;
  std::string account;
  /// "BASE-QUOTE"; base and quote are its two assets.
  std::string symbol;
  std::string base;
  std::string quote;
  risk_limits limits;
  int64_t fee_bps = agent_fee_bps_default;
  int64_t collar_bps = agent_collar_bps_default;
  int64_t timer_ms = agent_timer_ms_default;
  int64_t poll_ms = agent_poll_ms_default;
  /// Everything else: the strategy's parameters.
  std::map<std::string, std::string> strategy_params;
};

/// The parameter keys the agent reads itself.
const std::vector<std::string>& agent_param_keys();

/// Parses an agent's parameters; `limits` gives ORDER_RATE_LIMIT's default.
/// Problems name the parameter (empty: the agent as a whole).
std::vector<config::check_options::agent_problem>
parse_agent_settings(const std::map<std::string, std::string>& params,
                     const config::runbook_limits& limits, agent_settings& out);

/// What `tfarm config check` runs for every agent: trading agents' settings
/// and strategy parameters, their account (the user's own), session and
/// symbol (the venue's). Other kinds pass.
std::vector<config::check_options::agent_problem> validate_agent(const config::agent_spec& agent,
                                                                 const config::user_spec& user,
                                                                 const config::farm_config& farm);

/// validate_agent for trading agents; for an agent of any other kind in
/// `kinds` with a parameter struct, its parameters' check (a malformed or
/// unknown parameter is a problem naming it). `kinds` must outlive the
/// result.
std::function<std::vector<config::check_options::agent_problem>(
    const config::agent_spec&, const config::user_spec&, const config::farm_config&)>
agent_validator(const runtime::kind_registry& kinds);

} // namespace tfarm::actors
