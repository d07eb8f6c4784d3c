#include "actors/agent/agent_kinds.hpp"

#include <caf/actor_system_config.hpp>

#include "actors/agent/error.hpp"
#include "actors/agent/risk_control.hpp"
#include "actors/agent/trading_agent.hpp"
#include "actors/agent/type_ids.hpp"
#include "actors/exchange/exchange_kinds.hpp"
#include "runtime/kind_registry.hpp"

namespace tfarm::actors {

void add_agent_kinds(runtime::kind_registry& x) {
  x.add(risk_control::kind());
  x.add(trading_agent::kind());
}

void configure_agent(caf::actor_system_config& cfg) {
  configure_exchange(cfg);
  register_risk_error_names();
  cfg.add_message_types<caf::id_block::tfarm_agent>();
}

} // namespace tfarm::actors
