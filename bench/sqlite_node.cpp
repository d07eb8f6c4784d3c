#include "bench/sqlite_node.hpp"

#include <stdexcept>

#include "actors/kinds.hpp"
#include "net/kinds.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::bench {

config::farm_config sqlite_farm(const std::string& file, const scenario_options& opts) {
  config::farm_config farm;
  farm.node.name = "bench";
  farm.node.scheduler_threads = static_cast<int32_t>(opts.threads);
  farm.node.scheduler = opts.scheduler;
  farm.store.set_target(file);
  farm.store.synchronous = "full";
  // No console (nor CAF's middleman) unless a scenario asks for it.
  farm.console.port = 0;
  return farm;
}

config::venue_settings unlimited_venue() {
  config::venue_settings v;
  v.name = "sim";
  v.symbols = {"BTC-USD"};
  v.rate_per_s = config::exchange_rate_per_s_max;
  v.burst = config::exchange_burst_max;
  return v;
}

std::unique_ptr<runtime::node> start_sqlite_node(const config::farm_config& farm) {
  auto preload = persistence::prepare_database(farm.store.target(), persistence::open_options{});
  if (!preload)
    throw std::runtime_error(runtime::to_text(preload.error()));
  auto n = runtime::node::start(net::sqlite_node_options(farm, std::move(*preload)));
  if (!n)
    throw std::runtime_error(runtime::to_text(n.error()));
  return std::move(*n);
}

} // namespace tfarm::bench
