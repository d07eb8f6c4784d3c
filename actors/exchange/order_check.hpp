// The checks a venue makes on each order a session sends, before it
// reaches a book: the order may come from another node, so every field is
// checked. Pure function; no state, no threads.
#pragma once

#include <string>

#include "actors/exchange/exchange_messages.hpp"

namespace tfarm::actors {

/// Why order `r` cannot be accepted, or an empty string if it can: a
/// client order id of 1 to client_order_id_chars_max characters, an
/// account that does not start with `reserved_prefix` (the venue's own
/// participants), a known side and type, a positive quantity, and a
/// positive price for a limit order. The symbol is the venue's to check.
std::string order_problem(const order_request& r, const std::string& reserved_prefix);

} // namespace tfarm::actors
