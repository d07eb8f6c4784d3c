#include "persistence/kinds.hpp"

#include <algorithm>

#include "persistence/backup_scheduler.hpp"
#include "persistence/error.hpp"
#include "persistence/sqlite_store.hpp"
#include "persistence/type_ids.hpp"
#include "runtime/builtin_kinds.hpp"
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
    caf::anon_send(store, append_audit_atom_v, make_audit(x.path, "system", x.action, x.detail));
  });
}

void extend_tree(const config::farm_config& farm, runtime::child_spec& root) {
  if (farm.backup.every.count() <= 0)
    return;
  auto store = std::find_if(root.children.begin(), root.children.end(),
                            [](const runtime::child_spec& c) { return c.id == "store"; });
  root.children.insert(store == root.children.end() ? root.children.begin() : store + 1,
                       backup_spec(farm));
}

runtime::node_options sqlite_node_options(config::farm_config farm,
                                          std::vector<runtime::checkpoint> preload) {
  runtime::node_options opts;
  opts.store = sqlite_store_spec(farm);
  opts.farm = std::move(farm);
  opts.kinds = runtime::builtin_kinds();
  add_kinds(opts.kinds);
  opts.preload = std::move(preload);
  opts.preload_complete = true;
  opts.configure = configure;
  opts.prepare = audit_incidents;
  opts.extend_tree = extend_tree;
  return opts;
}

} // namespace tfarm::persistence
