#include "runtime/child_spec.hpp"

#include <tuple>

namespace tfarm::runtime {

bool operator==(const child_spec& x, const child_spec& y) {
  return std::tie(x.id, x.kind, x.params, x.children) ==
         std::tie(y.id, y.kind, y.params, y.children);
}

} // namespace tfarm::runtime
