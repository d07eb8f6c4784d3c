// Registers the built-in strategies with the registry.
#include "actors/agent/strategies/market_maker.hpp"
#include "actors/agent/strategies/mean_reversion.hpp"
#include "actors/agent/strategies/sma_crossover.hpp"

namespace tfarm::actors {

void add_builtin_strategies(strategy_registry& x) {
  x.add("sma_crossover", [] { return std::make_unique<sma_crossover>(); });
  x.add("market_maker", [] { return std::make_unique<market_maker>(); });
  x.add("mean_reversion", [] { return std::make_unique<mean_reversion>(); });
}

} // namespace tfarm::actors
