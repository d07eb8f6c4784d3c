#include "actors/vault/vault_kinds.hpp"

#include <caf/actor_system_config.hpp>

#include "actors/vault/error.hpp"
#include "actors/vault/type_ids.hpp"
#include "actors/vault/vault_account.hpp"
#include "actors/vault/vault_gateway.hpp"
#include "runtime/kind_registry.hpp"

namespace tfarm::actors {

void add_vault_kinds(runtime::kind_registry& x) {
  x.add(vault_account::kind());
  x.add(vault_gateway::kind());
}

void configure_vault(caf::actor_system_config& cfg) {
  register_vault_error_names();
  cfg.add_message_types<caf::id_block::tfarm_vault>();
}

} // namespace tfarm::actors
