// Orders and fills as the store records them (idempotently: an order by its
// client order id, a fill by its venue fill id). Messages; prices are integer
// ticks, quantities integer units, fees integer minor units.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

/// A fill of one of an agent's orders, with what the position needs.
struct agent_fill {
  fill_record fill;
  std::string symbol;
  /// "buy" or "sell".
  std::string side;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_fill& x) {
  return f(caf::meta::type_name("tfarm.agent_fill"), x.fill, x.symbol, x.side);
}

/// Which agent's durable trading record to read (load_agent_book).
struct agent_book_query {
  /// The agent's path, as its orders record it.
  std::string agent;
  /// The vault account it trades for, and the prefix of its reservation
  /// ids (its client order ids).
  std::string account;
  std::string reservation_prefix;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_book_query& x) {
  return f(caf::meta::type_name("tfarm.agent_book_query"), x.agent, x.account,
           x.reservation_prefix);
}

/// Everything durable about an agent's trading, read when it (re)starts:
/// its fills (oldest first, for the position), its orders not final yet, and
/// its reservations still open (unfinished business: fills to settle, rests
/// to release).
struct agent_book {
  std::vector<agent_fill> fills;
  /// Orders not final, and the orders of open reservations (any status).
  std::vector<order_record> open_orders;
  /// Ids of the account's reservations that start with the prefix and are
  /// still open, oldest first.
  std::vector<std::string> open_reservations;
  /// Every order the agent ever placed (its order counter after a crash).
  uint64_t order_count = 0;
  /// The newest client order id and reservation id of the agent: where its
  /// id sequence stands whatever its checkpoint says.
  std::vector<std::string> newest_ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_book& x) {
  return f(caf::meta::type_name("tfarm.agent_book"), x.fills, x.open_orders, x.open_reservations,
           x.order_count, x.newest_ids);
}

} // namespace tfarm::persistence
