// A benchmark node on a SQLite database, with the vault and the exchanges:
// what the durable scenarios start.
#pragma once

#include <memory>
#include <string>

#include "bench/scenario.hpp"
#include "config/farm_config.hpp"
#include "runtime/node.hpp"

namespace tfarm::bench {

/// A farm on `file` with synchronous=FULL and the options' scheduler (no
/// console: set console.port to load CAF's middleman).
config::farm_config sqlite_farm(const std::string& file, const scenario_options& opts);

/// A simulated venue "sim" trading BTC-USD with no rate limit (the
/// scenarios measure the farm, not the venue's budget).
config::venue_settings unlimited_venue();

/// Prepares the database and starts the node; throws if either fails.
std::unique_ptr<runtime::node> start_sqlite_node(const config::farm_config& farm);

} // namespace tfarm::bench
