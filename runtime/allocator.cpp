#include "runtime/allocator.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace tfarm::runtime {

int bound_allocator_arenas() {
  if (auto env = std::getenv("MALLOC_ARENA_MAX"); env != nullptr && *env != '\0')
    return 0;
  auto cores = static_cast<int>(std::thread::hardware_concurrency());
  auto arenas = std::clamp(cores, allocator_arenas_min, allocator_arenas_max);
  mallopt(M_ARENA_MAX, arenas);
  return arenas;
}

void trim_allocator() {
  malloc_trim(0);
}

} // namespace tfarm::runtime
