#include "persistence/kinds.hpp"

#include "persistence/backup_scheduler.hpp"
#include "persistence/error.hpp"
#include "persistence/sqlite_store.hpp"
#include "persistence/type_ids.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::persistence {

void add_kinds(runtime::kind_registry& x) {
  x.add(sqlite_store::kind());
  x.add(backup_scheduler::kind());
}

void configure(caf::actor_system_config& cfg) {
  register_error_names();
  cfg.add_message_types<caf::id_block::tfarm_persistence>();
  runtime::add_error_renderers(cfg);
}

void audit_incidents(runtime::node_context& ctx) {
  auto* node = &ctx;
  ctx.set_incident_sink([node](const runtime::incident& x) {
    auto store = caf::actor_cast<store_actor>(node->store());
    if (!store)
      return;
    audit_record rec;
    rec.actor = x.path;
    rec.user = "system";
    rec.action = x.action;
    rec.detail = x.detail;
    caf::anon_send(store, append_audit_atom_v, std::move(rec));
  });
}

} // namespace tfarm::persistence
