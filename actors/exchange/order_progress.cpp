#include "actors/exchange/order_progress.hpp"

#include <algorithm>

namespace tfarm::actors {

bool merge_report(order_progress& known, order_report& rep) {
  auto more_filled = rep.filled > known.filled;
  auto newly_final = is_final(rep.state) && !is_final(known.state);
  // Same fill level, both working: a venue's word replaces the session's
  // own guesses (pending, unknown), and open <-> partially_filled follow
  // the fills above.
  auto refined = rep.filled == known.filled && !is_final(known.state) && !is_final(rep.state) &&
                 rep.state != known.state && rep.state != order_state::pending &&
                 rep.state != order_state::unknown;
  auto newer = more_filled || newly_final || refined;
  if (more_filled) {
    known.filled = rep.filled;
    known.notional = rep.notional;
  }
  if (newer && !(is_final(known.state) && !is_final(rep.state)))
    known.state = rep.state;
  rep.state = known.state;
  rep.filled = std::max(rep.filled, known.filled);
  rep.notional = std::max(rep.notional, known.notional);
  return newer;
}

} // namespace tfarm::actors
