// The farm of the order-path scenarios (order_pipeline, order_latency):
// `pipeline_agents_n` users, each with one account holding plenty, one
// session to the in-process simulated venue "sim" (a tick a millisecond, a
// deep book, no takers of its own) and one trading agent "p" running a
// benchmark strategy, at an order rate limit no scenario reaches.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/agent/agent_messages.hpp"
#include "bench/scenario.hpp"
#include "config/farm_config.hpp"
#include "runtime/node.hpp"

namespace tfarm::bench {

constexpr int64_t pipeline_agents_n = 8;

/// The farm on `db` (an SQLite file or a PostgreSQL URL); every agent runs
/// `strategy` with `params` besides its venue, account and symbol.
config::farm_config pipeline_farm(const std::string& db, const scenario_options& opts,
                                  const std::string& strategy,
                                  const std::map<std::string, std::string>& params);

/// Every agent's status, /user/u0/p first (throws if one does not answer).
std::vector<actors::agent_status> pipeline_statuses(runtime::node& n);

/// Fills seen by all the agents together.
uint64_t total_fills(const std::vector<actors::agent_status>& xs);

} // namespace tfarm::bench
