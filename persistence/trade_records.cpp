#include "persistence/trade_records.hpp"

namespace tfarm::persistence {

bool is_final_status(const std::string& status) {
  return status == "filled" || status == "cancelled" || status == "rejected";
}

bool same_fill(const fill_record& x, const fill_record& y) {
  return x.venue == y.venue && x.venue_fill_id == y.venue_fill_id &&
         x.client_order_id == y.client_order_id && x.price == y.price && x.qty == y.qty &&
         x.fee == y.fee;
}

} // namespace tfarm::persistence
