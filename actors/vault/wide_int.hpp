// A 128-bit integer for products and sums of money, prices and quantities
// that may not fit in 64 bits (sums over many balances, price x qty x
// basis points). GCC/Clang extension; __extension__ keeps -Wpedantic quiet.
#pragma once

namespace tfarm::actors {

__extension__ typedef __int128 wide_int;

} // namespace tfarm::actors
