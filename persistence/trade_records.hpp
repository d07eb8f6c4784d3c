// Orders and fills as the store records them (idempotently: an order by its
// client order id, a fill by its venue fill id). Messages; prices are integer
// ticks, quantities integer units, fees integer minor units.
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace tfarm::persistence {

struct order_record {
  std::string client_order_id;
  std::string agent;
  std::string account;
  std::string venue;
  std::string symbol;
  /// "buy" or "sell".
  std::string side;
  /// "limit" or "market".
  std::string type;
  int64_t price = 0;
  int64_t qty = 0;
  std::string status;
  int64_t created_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_record& x) {
  return f(caf::meta::type_name("tfarm.order_record"), x.client_order_id, x.agent, x.account,
           x.venue, x.symbol, x.side, x.type, x.price, x.qty, x.status, x.created_at_ms);
}

/// A new status of a recorded order ("open", "filled", "rejected", ...).
struct order_update {
  std::string client_order_id;
  std::string status;
  /// The venue the order went to (empty: unchanged).
  std::string venue;
  int64_t updated_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_update& x) {
  return f(caf::meta::type_name("tfarm.order_update"), x.client_order_id, x.status, x.venue,
           x.updated_at_ms);
}

struct fill_record {
  std::string venue_fill_id;
  std::string client_order_id;
  int64_t price = 0;
  int64_t qty = 0;
  int64_t fee = 0;
  int64_t ts_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fill_record& x) {
  return f(caf::meta::type_name("tfarm.fill_record"), x.venue_fill_id, x.client_order_id, x.price,
           x.qty, x.fee, x.ts_ms);
}

} // namespace tfarm::persistence
