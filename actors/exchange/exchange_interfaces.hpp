// Typed interfaces of the exchange side: the venue every adapter (and the
// simulated venue) implements, and the exchange session agents talk to.
#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/exchange/type_ids.hpp"

namespace tfarm::actors {

/// A venue: what a live venue adapter would implement, and what the
/// simulated venue does. Requests carry the account they act for; the
/// venue pushes (order_update_atom, order_report) to the actor that
/// submitted an order whenever a resting order fills, and book_top and
/// trade_tick messages to market-data subscribers.
using venue_actor = caf::typed_actor<
    // Submits an order (limit or market). A refusal before processing is a
    // caf::error (rate_limited, venue_unavailable, disconnected,
    // authentication_failed, invalid_order, duplicate_order); a processed
    // order is answered with its report (state rejected for a self-trade).
    caf::replies_to<order_request>::with<order_report>,
    // Cancels a resting or partly filled order (account, client order id).
    caf::replies_to<cancel_order_atom, std::string, std::string>::with<order_report>,
    // Everything about one order (account, client order id); unknown_order
    // if the venue never saw it.
    caf::replies_to<order_status_atom, std::string, std::string>::with<order_report>,
    // The account's holdings as the venue's fills made them.
    caf::replies_to<venue_balances_atom, std::string>::with<std::vector<venue_balance>>,
    // What the account did at the venue since its current epoch began.
    caf::replies_to<venue_statement_atom, std::string>::with<venue_statement>,
    // A harmless round trip; the venue's clock (ms since epoch).
    caf::replies_to<ping_atom>::with<int64_t>,
    // A fresh logon challenge (a nonce) for an account, bound to the
    // asking actor and valid for one logon within logon_challenge_ttl_ms.
    caf::replies_to<logon_challenge_atom, std::string>::with<std::string>,
    // Logs an account on (account, key id, proof): the proof answers the
    // asker's outstanding challenge; the logon is bound to the asker, and
    // only it may trade for the account until it logs off.
    caf::replies_to<logon_atom, std::string, std::string, std::string>::with<bool>,
    // Logs an account off (only its logon's actor may); true if it was on.
    caf::replies_to<logoff_atom, std::string>::with<bool>,
    // Subscribes an actor to symbols' market data; answers the current tops.
    caf::replies_to<md_subscribe_atom, std::vector<std::string>,
                    caf::actor>::with<std::vector<book_top>>,
    // Sets the fault injection; answers what it was.
    caf::replies_to<venue_faults>::with<venue_faults>,
    // Internal: the market-data generator's clock; a delayed answer is due.
    caf::reacts_to<md_tick_atom>, caf::reacts_to<deliver_atom, uint64_t>,
    // Internal: a disconnect window opens (true) or closes (generation);
    // making the epoch durable is tried again.
    caf::reacts_to<venue_window_atom, bool, uint64_t>, caf::reacts_to<venue_epoch_atom>>;

/// Finds venues by name: on an exchange node, the directory other nodes
/// connect to; on a trading node, the connector that reaches remote venues
/// through those directories (at remote_venues_path).
/// (The answer is the venue as a caf::actor: typed handles have no type ID
/// to cross nodes with in CAF 0.17; it implements venue_actor.)
using venue_directory_actor =
    caf::typed_actor<caf::replies_to<lookup_venue_atom, std::string>::with<caf::actor>>;

/// What restrains agents whose orders are in doubt; the agent domain's risk
/// control implements it (and more), so that sessions need not know it.
using agent_restrainer_actor = caf::typed_actor<caf::replies_to<agent_restraint>::with<bool>>;

/// Where a node keeps its agent restrainer (the risk control).
inline const char* agent_restrainer_path = "/risk";

/// Where a node keeps its connector to remote venues.
inline const char* remote_venues_path = "/exchanges/remote";

/// One session per (venue, account): rate limit, retries, unknown-order
/// resolution, failover, status, market-data fan-out.
using exchange_session_actor = caf::typed_actor<
    // Places an order (account and venue are the session's); answered with
    // the venue's first report. Later fills go to the sender as
    // (order_update_atom, order_report).
    caf::replies_to<order_request>::with<order_report>,
    // Cancels an order by client order id; an order final already is
    // answered with its final report (a fill may win the race).
    caf::replies_to<cancel_order_atom, std::string>::with<order_report>,
    // The order's status, asking the venue it went to (state pending while
    // it waits to be sent). The asker gets its later fills from now on: how
    // a restarted agent adopts its orders.
    caf::replies_to<order_status_atom, std::string>::with<order_report>,
    caf::replies_to<session_status_atom>::with<exchange_status>,
    // A harmless round trip to the active venue (runbook /api/exchanges/test).
    caf::replies_to<session_test_atom>::with<exchange_status>,
    // Re-establishes the connections: reloads credentials, looks the venues
    // up again, and goes back to the primary if it answers.
    caf::replies_to<session_recover_atom>::with<exchange_status>,
    // The venues' statements of the session's account (each venue it can
    // reach; an error if one it has used cannot answer).
    caf::replies_to<venue_statement_atom>::with<std::vector<venue_statement>>,
    // Security lockdown (reason): refuses new orders from now on and logs
    // off every venue; cancels and status queries still pass, so that no
    // order is left in doubt. Answers how many venues were logged off;
    // session_recover_atom lifts it.
    caf::replies_to<logoff_atom, std::string>::with<uint32_t>,
    // Subscribes an actor to symbols' market data (fanned out by symbol).
    caf::replies_to<md_subscribe_atom, std::vector<std::string>,
                    caf::actor>::with<std::vector<book_top>>,
    // From venues: fills of resting orders, market data.
    caf::reacts_to<order_update_atom, order_report>, caf::reacts_to<book_top>,
    caf::reacts_to<trade_tick>,
    // Internal: a timer of the session (token refill, retry, probe).
    caf::reacts_to<session_timer_atom, std::string, uint64_t>>;

} // namespace tfarm::actors
