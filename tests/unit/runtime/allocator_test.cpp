// The allocator's bounds and trim (runtime/allocator.hpp): memory freed on
// another thread, held by its arena, goes back to the system when trimmed.
#include "runtime/allocator.hpp"

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/process_stats.hpp"

namespace tfarm::runtime {
namespace {

TEST(allocator, the_arenas_are_bounded_unless_the_operator_chose) {
  ASSERT_EQ(setenv("MALLOC_ARENA_MAX", "3", 1), 0);
  EXPECT_EQ(bound_allocator_arenas(), 0) << "MALLOC_ARENA_MAX is the operator's and glibc's";
  ASSERT_EQ(unsetenv("MALLOC_ARENA_MAX"), 0);
  auto arenas = bound_allocator_arenas();
  EXPECT_GE(arenas, allocator_arenas_min);
  EXPECT_LE(arenas, allocator_arenas_max);
}

TEST(allocator, a_trim_gives_back_what_another_thread_freed) {
  // 2 KiB blocks, one in 16 kept: the free runs between them hold whole
  // pages that no free() can return, as after a burst of short-lived
  // messages beside long-lived state.
  constexpr size_t blocks = 40'000;
  constexpr size_t block_bytes = 2'048;
  constexpr uint64_t mib = 1024 * 1024;
  std::vector<void*> kept;
  std::thread burst{[&] {
    std::vector<void*> xs(blocks);
    for (auto& x : xs) {
      x = std::malloc(block_bytes);
      std::memset(x, 1, block_bytes);
    }
    for (size_t i = 0; i < blocks; ++i) {
      if (i % 16 == 0)
        kept.push_back(xs[i]);
      else
        std::free(xs[i]);
    }
  }};
  burst.join();
  auto before = read_process_sample();
  ASSERT_TRUE(before);
  trim_allocator();
  auto after = read_process_sample();
  ASSERT_TRUE(after);
  // About 73 MiB were freed; most of it must leave the resident set.
  EXPECT_LT(after->rss_bytes + 40 * mib, before->rss_bytes)
      << "resident " << before->rss_bytes / mib << " MiB before the trim, "
      << after->rss_bytes / mib << " MiB after";
  for (auto x : kept)
    std::free(x);
}

} // namespace
} // namespace tfarm::runtime
