// Everything a kind's factory needs to create one incarnation of a child.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/checkpoint.hpp"
#include "runtime/child_spec.hpp"

namespace tfarm::runtime {

class node_context;
class registry_entry;

struct spawn_context {
  /// Absolute actor path ("/user/alice/hb-1").
  std::string path;
  child_spec spec;
  std::shared_ptr<node_context> node;
  /// The registry entry shared by every incarnation of this path.
  std::shared_ptr<registry_entry> entry;
  /// Checkpoints to restore from, newest first: the actor uses the first one
  /// it can decode (the next ones are fallbacks, per checkpoints.on_corrupt).
  /// Empty when there is none or the kind is not persistent.
  std::vector<checkpoint> restored;
};

} // namespace tfarm::runtime
