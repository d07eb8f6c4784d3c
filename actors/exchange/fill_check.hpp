// The checks a session makes on each fill a venue reports, before anyone
// books it: a fill is something money will move on, and it comes from a
// peer. Pure functions; no state, no threads.
#pragma once

#include <cstdint>
#include <string>

#include "actors/exchange/exchange_messages.hpp"
#include "persistence/trade_records.hpp"

namespace tfarm::actors {

/// What a fill said the first time its id was reported.
struct fill_terms {
  int64_t price = 0;
  int64_t qty = 0;
  int64_t fee = 0;
};

/// Why fill `f`, reported about order `client_order_id`, cannot be booked,
/// or an empty string if it can. Checked: its id (1 to fill_id_chars_max
/// printable characters), the order it names, a positive price and
/// quantity, a fee from 0 to its value, no overflow; against the order as
/// sent (`req`, null when unknown): its side, its symbol, its limit (a
/// market order's collar is sent as a limit) and, a new fill, a quantity
/// within what the fills accepted before (`filled_before`) left; against an
/// earlier report of the same id (`before`, null if none): the same price,
/// quantity and fee.
std::string fill_problem(const venue_fill& f, const std::string& client_order_id,
                         const order_request* req, const fill_terms* before,
                         int64_t filled_before = 0);

/// The store's record of fill `f` of order `client_order_id`, as venue
/// `venue` reported it: what a session records and a settlement carries,
/// so that both name the same row.
persistence::fill_record record_of(const venue_fill& f, const std::string& venue,
                                   const std::string& client_order_id);

} // namespace tfarm::actors
