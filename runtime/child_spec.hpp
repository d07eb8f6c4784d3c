// What a supervisor needs to start a child, and what it reports about one.
//
// Restart type and shutdown timeout are deliberately not part of the spec:
// they come from the supervisor's policy (per-child override, else the
// policy's child defaults), so operators steer failure handling in policy
// files rather than in code. Both structs are messages (type IDs in
// type_ids.hpp) and may cross nodes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include "config/supervision_policy.hpp"

namespace tfarm::runtime {

struct child_spec {
  /// Unique among its siblings; the last segment of the child's path.
  std::string id;
  /// Factory name in the node's kind registry ("supervisor", "heartbeat", ...).
  std::string kind;
  /// Kind-specific parameters.
  std::map<std::string, std::string> params;
  /// Static children, for supervisor kinds.
  std::vector<child_spec> children;
  /// A dynamic child that comes back after its supervisor's restart and
  /// the node's (its supervisor keeps it in its checkpoint) until it is
  /// stopped: agents an operator starts at run time.
  bool durable = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_spec& x) {
  return f(caf::meta::type_name("tfarm.child_spec"), x.id, x.kind, x.params, x.children, x.durable);
}

bool operator==(const child_spec& x, const child_spec& y);

/// A child of kind "supervisor"; `max_children` > 0 sets its limit.
child_spec supervisor_spec(std::string id, int64_t max_children = 0);

/// Parameter `key` of `spec`, or `fallback` when absent.
std::string param(const child_spec& spec, const std::string& key, std::string fallback);

/// Parameter `key` as a non-negative integer; `fallback` when absent or
/// not a number (kinds validate and log their own parameters).
int64_t param_int(const child_spec& spec, const std::string& key, int64_t fallback);

/// A supervisor's view of one child.
struct child_info {
  std::string id;
  std::string kind;
  std::string path;
  config::restart_type restart = config::restart_type::permanent;
  int64_t shutdown_timeout_ms = 0;
  /// True while an instance runs.
  bool running = false;
  /// Restarts of this child since it was added.
  uint64_t restarts = 0;
  /// The running instance (invalid while not running).
  caf::actor handle;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_info& x) {
  return f(caf::meta::type_name("tfarm.child_info"), x.id, x.kind, x.path, x.restart,
           x.shutdown_timeout_ms, x.running, x.restarts, x.handle);
}

} // namespace tfarm::runtime
