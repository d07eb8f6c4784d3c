// The checks a session makes on the market data a venue pushes, before any
// agent sees it: strategies price their orders from it, and it comes from
// a peer. Pure functions; no state, no threads.
#pragma once

#include <string>

#include "actors/exchange/exchange_messages.hpp"

namespace tfarm::actors {

/// Why a book top cannot be passed on, or an empty string if it can: a
/// symbol, no negative price or quantity, a price exactly on a side that
/// has a quantity, and the bid under the ask when both sides are there.
std::string top_problem(const book_top& x);

/// Why a trade cannot be passed on, or an empty string if it can: a
/// symbol, a positive price and quantity, and a known aggressor side.
std::string trade_problem(const trade_tick& x);

} // namespace tfarm::actors
