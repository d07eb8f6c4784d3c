// `tfarm exchange-sim replay`: runs an order file through the matching
// engine alone, deterministically (formats in docs/exchange_sim.md).
//
// Input rows: seq,action,order_id,account,symbol,side,type,price,qty
// (an optional header line naming these columns; blank lines skipped).
// Output: fill_seq,symbol,price,qty,taker_order_id,maker_order_id, one row
// per fill in the order they happen, after a header line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace tfarm::actors {

struct replay_report {
  uint64_t rows = 0;
  uint64_t orders = 0;
  uint64_t cancels = 0;
  uint64_t fills = 0;
  uint64_t rejections = 0;
  /// Empty on success; else "IN.csv:ROW: error: ..." for the malformed row
  /// that stopped the replay.
  std::string error;
};

/// Reads `in` (called `in_name` in messages), writes fills to `out`, and
/// one line per rejected order or cancel (and per market order that found
/// too little liquidity) to `diag`: "IN.csv:ROW: rejected: REASON: ...".
replay_report replay_orders(std::istream& in, const std::string& in_name, std::ostream& out,
                            std::ostream& diag);

} // namespace tfarm::actors
