#include "persistence/store_actor.hpp"

#include "runtime/node_context.hpp"

namespace tfarm::persistence {

store_actor store_of(const runtime::node_context* node) {
  return node != nullptr ? caf::actor_cast<store_actor>(node->store()) : store_actor{};
}

} // namespace tfarm::persistence
