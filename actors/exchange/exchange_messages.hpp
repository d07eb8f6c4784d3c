// Messages between agents, exchange sessions and venues (type IDs in
// actors/exchange/type_ids.hpp). Prices are integer ticks, quantities integer units,
// fees integer minor units of the quote asset: no floating point crosses a
// node (CAF 0.17 garbles NaN and infinities on the wire).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "runtime/status_fields.hpp"

#include "actors/exchange/order_book.hpp"

namespace tfarm::actors {

/// Where an order stands, as its venue (or its session) knows it.
enum class order_state : uint8_t {
  /// Recorded by the session, not yet answered by the venue.
  pending,
  /// Resting in the book, nothing filled.
  open,
  /// Resting, partly filled.
  partially_filled,
  filled,
  /// Cancelled (by its owner, or the unfilled rest of a market order or of
  /// an order stopped by self-trade prevention); fills made stand.
  cancelled,
  /// Refused by the venue; nothing filled.
  rejected,
  /// Sent, no answer: the session reads its status before anything else.
  unknown,
};

std::string to_string(order_state x);

/// True for filled, cancelled and rejected: nothing will change any more.
bool is_final(order_state x);

/// A new order. An agent sends it to its session (which fills in `account`
/// and `venue`); the session sends it to the venue.
struct order_request {
  /// Unique for ever: the session records it durably before the order
  /// leaves, so that no order is ever placed twice.
  std::string client_order_id;
  /// Who places it (an agent's path, or an operator), for the orders table.
  std::string agent;
  std::string account;
  std::string venue;
  std::string symbol;
  side s = side::buy;
  order_type type = order_type::limit;
  /// Limit price in ticks (0 for market orders).
  int64_t price = 0;
  int64_t qty = 0;
  /// Unix ms (the venue's clock): a venue refuses the order when it arrives
  /// later (and remembers the id as rejected for a while); 0: it never expires. The
  /// session sets it to the order record's creation + order_send_window_ms,
  /// which bounds how long a copy held up in the network (or sent by a
  /// member that died since) can still be placed: an order no venue has is
  /// known never to be placed only once that time has passed.
  int64_t expires_at_ms = 0;
  /// Set by a caller that wrote the order's record together with its
  /// reservation (vault_reply::order_recorded), to the record's time (unix
  /// ms): the session sends it without recording it again, its expiry that
  /// time + order_send_window_ms. 0: the session records it first. Never
  /// sent to a venue.
  int64_t recorded_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_request& x) {
  return f(caf::meta::type_name("tfarm.order_request"), x.client_order_id, x.agent, x.account,
           x.venue, x.symbol, x.s, x.type, x.price, x.qty, x.expires_at_ms, x.recorded_at_ms);
}

struct venue_fill {
  /// Unique per venue and side ("<venue>:<trade seq>:t" for the taker,
  /// ":m" for the maker): the store's and the vault's idempotency key.
  std::string fill_id;
  std::string client_order_id;
  std::string symbol;
  side s = side::buy;
  int64_t price = 0;
  int64_t qty = 0;
  /// Charged to this order's account, minor units of the quote.
  int64_t fee = 0;
  /// True if this order was resting (the maker).
  bool maker = false;
  int64_t ts_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, venue_fill& x) {
  return f(caf::meta::type_name("tfarm.venue_fill"), x.fill_id, x.client_order_id, x.symbol, x.s,
           x.price, x.qty, x.fee, x.maker, x.ts_ms);
}

/// What a venue says about one order: the answer to a submission, a cancel
/// or a status query, and the update it pushes when a resting order fills.
struct order_report {
  std::string client_order_id;
  std::string venue;
  std::string account;
  std::string symbol;
  side s = side::buy;
  order_state state = order_state::pending;
  int64_t qty = 0;
  int64_t filled = 0;
  /// Sum of price x qty over the fills (average price = notional / filled).
  int64_t notional = 0;
  /// Fills: the new ones in an answer or update, all of them in a status.
  std::vector<venue_fill> fills;
  /// Why the order was rejected or cancelled by the venue ("self_trade",
  /// "invalid_order: ...", "market order: no liquidity for 3 of 5").
  std::string reason;
  int64_t ts_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_report& x) {
  return f(caf::meta::type_name("tfarm.order_report"), x.client_order_id, x.venue, x.account,
           x.symbol, x.s, x.state, x.qty, x.filled, x.notional, x.fills, x.reason, x.ts_ms);
}

/// Best bid and ask of a symbol (0 price and qty for an empty side).
struct book_top {
  std::string venue;
  std::string symbol;
  int64_t bid = 0;
  int64_t bid_qty = 0;
  int64_t ask = 0;
  int64_t ask_qty = 0;
  /// Price of the last trade (0 before the first).
  int64_t last = 0;
  /// Per symbol and venue, 1, 2, 3, ... (tops and trades share it).
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  /// The same instant in microseconds (0: not given): what tick-to-decision
  /// latency is measured from. Informational; nothing decides on it.
  int64_t ts_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, book_top& x) {
  return f(caf::meta::type_name("tfarm.book_top"), x.venue, x.symbol, x.bid, x.bid_qty, x.ask,
           x.ask_qty, x.last, x.seq, x.ts_ms, x.ts_us);
}

struct trade_tick {
  std::string venue;
  std::string symbol;
  int64_t price = 0;
  int64_t qty = 0;
  /// The taker's side.
  side aggressor = side::buy;
  uint64_t seq = 0;
  int64_t ts_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trade_tick& x) {
  return f(caf::meta::type_name("tfarm.trade_tick"), x.venue, x.symbol, x.price, x.qty, x.aggressor,
           x.seq, x.ts_ms);
}

/// Fault injection of a simulated venue, from config and at run time.
/// Probabilities are in parts per million (integers cross nodes intact).
struct venue_faults {
  /// Added to every answer: mean and spread (uniform in mean +- jitter).
  int64_t latency_us = 0;
  int64_t latency_jitter_us = 0;
  /// Requests refused with venue_unavailable / rate_limited, unprocessed.
  uint32_t error_ppm = 0;
  uint32_t rate_limit_ppm = 0;
  /// Submissions processed whose answer is lost (the session times out).
  uint32_t drop_reply_ppm = 0;
  /// Deterministic variants for tests: the next N requests are refused
  /// (venue_unavailable), the next N submissions' answers are lost.
  uint32_t fail_next = 0;
  uint32_t drop_next = 0;
  /// While true every request is refused as disconnected and no market
  /// data goes out.
  bool disconnected = false;
  /// Disconnect windows: every `disconnect_every_ms` the venue is
  /// disconnected for `disconnect_for_ms` (0: no windows).
  int64_t disconnect_every_ms = 0;
  int64_t disconnect_for_ms = 0;
};

TFARM_STATUS_FIELDS(venue_faults, "tfarm.venue_faults", latency_us, latency_jitter_us, error_ppm,
                    rate_limit_ppm, drop_reply_ppm, fail_next, drop_next, disconnected,
                    disconnect_every_ms, disconnect_for_ms)

/// One symbol of a simulated venue: its top of book, ticks.
struct venue_symbol_status {
  int64_t bid = 0;
  int64_t ask = 0;
  int64_t last = 0;
  uint64_t subscribers = 0;
};

TFARM_STATUS_FIELDS(venue_symbol_status, "tfarm.venue_symbol_status", bid, ask, last, subscribers)

/// A simulated venue's registry status.
struct venue_status {
  std::string venue;
  /// Its incarnation's epoch (the prefix of its fill ids).
  uint64_t epoch = 0;
  /// False until the epoch is durable (requests wait meanwhile).
  bool ready = false;
  /// Orders it answers for now: open, and closed within its retention
  /// (sim_closed_order_retention_ms_default); orders submitted and fills
  /// made since it started.
  uint64_t orders = 0;
  uint64_t submitted = 0;
  uint64_t fills = 0;
  /// Orders refused since it started because their client order id had
  /// reached it before (a farm that sent an order twice).
  uint64_t duplicates = 0;
  /// Orders refused because they arrived after their expiry (expires_at_ms).
  uint64_t expired = 0;
  bool disconnected = false;
  std::map<std::string, venue_symbol_status> symbols;
  venue_faults faults;
};

TFARM_STATUS_FIELDS(venue_status, "tfarm.venue_status", venue, epoch, ready, orders, submitted,
                    fills, duplicates, expired, disconnected, symbols, faults)

/// A session's health: its registry status, `/api/exchanges/status` and the
/// console.
/// What a venue says an account did there since its current epoch began
/// (a restarted simulated venue starts a new epoch, empty; the epoch leads
/// every fill id, "<epoch>.<seq>:t|m"): how many fills, and the holdings
/// they made per asset (a buy: +qty of the base, -(price x qty + fee) of
/// the quote; a sell the reverse, the fee still out of the quote).
/// Reconciliation compares it with the fills the farm recorded.
struct venue_statement {
  std::string venue;
  std::string account;
  uint64_t epoch = 0;
  /// The venue's last trade number in the epoch when it wrote the
  /// statement (fill ids "<epoch>.<trade number>:t|m"): the statement
  /// counts the fills up to it, so the farm compares the fills it recorded
  /// up to it, and fills made while the two sides are read do not differ.
  uint64_t through_trade = 0;
  uint64_t fills = 0;
  std::map<std::string, int64_t> holdings;
  /// Set by the session that gathered it: its orders whose fate it is
  /// still learning (sent and unanswered, or being resolved). While there
  /// are any, a fill the venue counts may not have reached the farm yet.
  uint64_t orders_in_flight = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, venue_statement& x) {
  return f(caf::meta::type_name("tfarm.venue_statement"), x.venue, x.account, x.epoch,
           x.through_trade, x.fills, x.holdings, x.orders_in_flight);
}

struct exchange_status {
  std::string account;
  std::string primary;
  std::string backup;
  /// The venue orders go to now.
  std::string active;
  bool on_backup = false;
  bool connected = false;
  /// "connected", "degraded" (failures, no failover yet), "failed_over",
  /// "disconnected" (no venue reachable), "auth_failed", "logged_off" (a
  /// security lockdown: new orders refused until recovered).
  std::string state;
  /// Round trips to the active venue, microseconds.
  int64_t latency_ewma_us = 0;
  int64_t latency_p99_us = 0;
  /// The last `test` round trip (0 before the first).
  int64_t last_test_us = 0;
  std::string last_error;
  int64_t last_error_at_ms = 0;
  /// Requests the token bucket allows right now; queued orders waiting.
  int64_t rate_budget = 0;
  int64_t queued = 0;
  uint32_t consecutive_failures = 0;
  uint64_t orders = 0;
  uint64_t acknowledged = 0;
  uint64_t rejected = 0;
  uint64_t retries = 0;
  uint64_t timeouts = 0;
  /// Orders whose fate a status query settled after a timeout.
  uint64_t unknown_resolved = 0;
  uint64_t fills = 0;
  uint64_t failovers = 0;
  uint64_t failbacks = 0;
  /// Tops and trades dropped because they failed the session's checks
  /// (market_data_check.hpp).
  uint64_t market_data_refused = 0;
  /// Order updates (fills, statuses) the store failed to take, sent again
  /// at each heartbeat: while above 0, fills the venue reported are not
  /// durable yet.
  uint64_t unrecorded = 0;
};

TFARM_STATUS_FIELDS(exchange_status, "tfarm.exchange_status", account, primary, backup, active,
                    on_backup, connected, state, latency_ewma_us, latency_p99_us, last_test_us,
                    last_error, last_error_at_ms, rate_budget, queued, consecutive_failures, orders,
                    acknowledged, rejected, retries, timeouts, unknown_resolved, fills, failovers,
                    failbacks, market_data_refused, unrecorded)

/// Asks that an agent trade no further than back to flat (REDUCING) until
/// an operator looks: what a session sends when one of the agent's orders
/// is in doubt (a fill or report the store refused). It only ever tightens:
/// a halted agent stays halted. Answered once the restriction is durable.
struct agent_restraint {
  /// The agent's path.
  std::string agent;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_restraint& x) {
  return f(caf::meta::type_name("tfarm.agent_restraint"), x.agent, x.reason);
}

} // namespace tfarm::actors
