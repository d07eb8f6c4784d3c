// Renders registry snapshots as a tree for people (`tfarm run`, the console):
//
//   /                supervisor    rest_for_one  up
//   ├── store        memory_store                up
//   └── user         supervisor    one_for_one   up
//       └── alice    supervisor    one_for_one   up
//           └── hb-1 heartbeat                   up  restarts=2
#pragma once

#include <string>
#include <vector>

#include "runtime/actor_info.hpp"

namespace tfarm::runtime {

/// `actors` as query() returns them (parents first, siblings in start order).
std::string render_tree(const std::vector<actor_info>& actors);

} // namespace tfarm::runtime
