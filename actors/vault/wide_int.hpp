// Integer arithmetic on money beyond 64 bits. wide_int: a 128-bit integer
// for products and sums of money, prices and quantities that may not fit in
// 64 bits (sums over many balances, price x qty x basis points); a GCC/Clang
// extension, __extension__ keeps -Wpedantic quiet.
#pragma once

#include <cstdint>

namespace tfarm::actors {

__extension__ typedef __int128 wide_int;

/// True if a + b does not fit in 64 bits (a balance that would overflow).
inline bool add_overflows(int64_t a, int64_t b) {
  int64_t ignored = 0;
  return __builtin_add_overflow(a, b, &ignored);
}

} // namespace tfarm::actors
