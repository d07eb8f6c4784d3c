#include "actors/exchange/exchange_kinds.hpp"

#include <caf/actor_system_config.hpp>

#include "actors/exchange/error.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "actors/exchange/sim_venue.hpp"
#include "actors/exchange/type_ids.hpp"
#include "actors/vault/vault_kinds.hpp"
#include "runtime/kind_registry.hpp"

namespace tfarm::actors {

void add_exchange_kinds(runtime::kind_registry& x) {
  x.add(sim_venue::kind());
  x.add(exchange_session::kind());
}

void configure_exchange(caf::actor_system_config& cfg) {
  configure_vault(cfg);
  register_exchange_error_names();
  cfg.add_message_types<caf::id_block::tfarm_exchange>();
}

} // namespace tfarm::actors
