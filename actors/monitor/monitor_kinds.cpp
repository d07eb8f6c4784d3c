#include "actors/monitor/monitor_kinds.hpp"

#include <caf/actor_system_config.hpp>

#include "actors/agent/agent_kinds.hpp"
#include "actors/monitor/error.hpp"
#include "actors/monitor/farm_monitor.hpp"
#include "actors/monitor/type_ids.hpp"
#include "runtime/kind_registry.hpp"

namespace tfarm::actors {

void add_monitor_kinds(runtime::kind_registry& x) {
  x.add(farm_monitor::kind());
}

void configure_monitor(caf::actor_system_config& cfg) {
  configure_agent(cfg);
  register_monitor_error_names();
  cfg.add_message_types<caf::id_block::tfarm_monitor>();
}

} // namespace tfarm::actors
