// What a session knows about an order's progress, and how a venue's report
// is folded into it.
//
// Reports about one order can arrive out of order: a venue pushes the fill
// of a resting order at once, while the acknowledgement of its submission
// may still be on its way (injected latency, a slow link). Progress only
// moves forward: more filled, or from a working state to a final one; a
// stale report is corrected to what was known. Plain data, no threads.
#pragma once

#include <cstdint>

#include "actors/exchange/exchange_messages.hpp"

namespace tfarm::actors {

struct order_progress {
  order_state state = order_state::pending;
  /// The most the venue has reported filled, and its notional.
  int64_t filled = 0;
  int64_t notional = 0;
};

/// Folds `rep` into `known`; true if it moved the order on. Afterwards
/// `rep` carries the merged state, filled and notional (its fills are left
/// as they came).
bool merge_report(order_progress& known, order_report& rep);

} // namespace tfarm::actors
