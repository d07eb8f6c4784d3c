// Orders and fills as the store records them (idempotently: an order by its
// client order id, a fill by its venue, order and venue fill id). Messages;
// prices are integer ticks, quantities integer units, fees integer minor
// units.
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
  /// What the venue last reported filled (cumulative; read back only).
  int64_t filled = 0;
  /// Why the order became final (read back only).
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_record& x) {
  return f(caf::meta::type_name("tfarm.order_record"), x.client_order_id, x.agent, x.account,
           x.venue, x.symbol, x.side, x.type, x.price, x.qty, x.status, x.created_at_ms, x.filled,
           x.reason);
}

/// "filled", "cancelled" and "rejected": an order in one of these never
/// changes again.
bool is_final_status(const std::string& status);

struct fill_record {
  /// The venue that reported it (the fill's identity is venue, order and
  /// venue fill id together).
  std::string venue;
  std::string venue_fill_id;
  std::string client_order_id;
  int64_t price = 0;
  int64_t qty = 0;
  int64_t fee = 0;
  int64_t ts_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fill_record& x) {
  return f(caf::meta::type_name("tfarm.fill_record"), x.venue, x.venue_fill_id, x.client_order_id,
           x.price, x.qty, x.fee, x.ts_ms);
}

/// True if two records of one fill say the same (the timestamp aside).
bool same_fill(const fill_record& x, const fill_record& y);

/// What a session learned about a recorded order, written atomically: its
/// new fills first, then its status and what the venue reports filled.
struct order_update {
  std::string client_order_id;
  /// "open", "filled", "rejected", ... (empty: unchanged).
  std::string status;
  /// The venue the order went to (empty: unchanged).
  std::string venue;
  /// The venue's cumulative filled quantity (negative: unchanged). Given
  /// only when the fills written with it, and those recorded before, make
  /// it up; more than they show is named in the result. Never lowers what
  /// was recorded (a stale report).
  int64_t filled = -1;
  /// Why it became final (empty: unchanged).
  std::string reason;
  std::vector<fill_record> fills;
  int64_t updated_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_update& x) {
  return f(caf::meta::type_name("tfarm.order_update"), x.client_order_id, x.status, x.venue,
           x.filled, x.reason, x.fills, x.updated_at_ms);
}

/// What an order_update wrote. A fill already recorded with the same
/// content is a replay; one recorded with different content, or one its
/// order cannot have (more than the order's quantity, a price beyond its
/// limit), is refused and named in `refused`: an incident, never silence.
struct order_update_result {
  uint32_t fills_new = 0;
  uint32_t fills_replayed = 0;
  /// One line per refused fill, with the ids and both versions.
  std::vector<std::string> refused;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_update_result& x) {
  return f(caf::meta::type_name("tfarm.order_update_result"), x.fills_new, x.fills_replayed,
           x.refused);
}

/// A fill of one of an agent's orders, with what the position needs.
struct agent_fill {
  fill_record fill;
  std::string symbol;
  /// "buy" or "sell".
  std::string side;
  /// Recorded before schema 6: its settlement key is the old one,
  /// "settle:<venue fill id>".
  bool legacy_key = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_fill& x) {
  return f(caf::meta::type_name("tfarm.agent_fill"), x.fill, x.symbol, x.side, x.legacy_key);
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
