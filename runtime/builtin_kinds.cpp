#include "runtime/builtin_kinds.hpp"

#include "runtime/heartbeat.hpp"
#include "runtime/memory_checkpoint_store.hpp"
#include "runtime/node_monitor.hpp"
#include "runtime/stubborn.hpp"
#include "runtime/supervisor.hpp"

namespace tfarm::runtime {

void add_builtin_kinds(kind_registry& x) {
  x.add(supervisor::kind());
  x.add(make_kind<memory_checkpoint_store>("memory_store", "in-memory checkpoint store"));
  x.add(node_monitor::kind());
  x.add(heartbeat::kind());
  x.add(stubborn::kind());
}

kind_registry builtin_kinds() {
  kind_registry result;
  add_builtin_kinds(result);
  return result;
}

} // namespace tfarm::runtime
