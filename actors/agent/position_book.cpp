#include "actors/agent/position_book.hpp"

#include <algorithm>

#include "actors/vault/wide_int.hpp"

namespace tfarm::actors {

namespace {

int64_t magnitude(int64_t x) {
  return x < 0 ? -x : x;
}

} // namespace

void position_book::apply(side s, int64_t price, int64_t qty, int64_t fee) {
  if (qty <= 0)
    return;
  ++fills;
  fees += fee;
  realized -= fee;
  auto dq = s == side::buy ? qty : -qty;
  if (position != 0 && (position > 0) != (dq > 0)) {
    // Closes (part of) the position at average cost.
    auto close = std::min(magnitude(dq), magnitude(position));
    auto signed_close = dq > 0 ? close : -close;
    auto removed =
        close == magnitude(position)
            ? open_cost
            : static_cast<int64_t>(static_cast<wide_int>(open_cost) * close / magnitude(position));
    realized += -price * signed_close - removed;
    open_cost -= removed;
    position += signed_close;
    dq -= signed_close;
  }
  // What is left opens (or adds to) a position.
  position += dq;
  open_cost += price * dq;
}

int64_t position_book::average_price() const {
  return position == 0 ? 0 : open_cost / position;
}

int64_t position_book::unrealized(int64_t mark) const {
  return mark * position - open_cost;
}

} // namespace tfarm::actors
