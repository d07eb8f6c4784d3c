// Reconciliation with the venues: each venue's statement of each session's
// account (fills and holdings since the venue's epoch began) against the
// fills the farm recorded under that epoch. With the trading invariants
// (every recorded fill settled once, with the right amounts, the fees in
// @fees:<venue>), this closes the chain from what the venue did to the
// money in the ledger: a fill the venue made that never reached the
// farm's record shows here, and nowhere else.
//
// Part of `vault reconcile` (console) and POST /api/vault/reconcile.
// Thread-safe: asks the sessions with a scoped actor of its own and reads
// the database through its own read-only connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/node.hpp"

namespace tfarm::net {

/// How long the sessions are asked again while a statement does not agree
/// yet with the farm's record (fills on their way) or a venue failed to
/// answer (a transient error), before a difference is reported.
constexpr int64_t venue_catch_up_ms = 5'000;

struct venue_account_check {
  std::string venue;
  std::string account;
  uint64_t epoch = 0;
  /// The statement's cut: the fills of the epoch up to this trade number
  /// are compared.
  uint64_t through_trade = 0;
  uint64_t venue_fills = 0;
  uint64_t farm_fills = 0;
  /// Fills of the epoch the farm recorded after the cut (the venue filled
  /// on while it was asked): left out of the comparison, shown so that an
  /// operator sees the farm's whole record.
  uint64_t farm_fills_after_cut = 0;
  bool ok = false;
  /// The farm counts fewer fills while the session still learns the fate
  /// of some of its orders (`orders_in_flight`): not yet a discrepancy,
  /// shown as pending (reconcile again once they settle).
  bool pending = false;
  uint64_t orders_in_flight = 0;
  /// What differs (per asset: the venue's figure and the farm's).
  std::string detail;
};

struct venue_reconciliation {
  std::vector<venue_account_check> checks;
  /// Sessions whose venues gave no statement (why), so not compared.
  std::vector<std::string> unreachable;

  bool clean() const;
};

/// Asks every session of `node` for its venues' statements and compares
/// each with the fills in the database file `db`; every wait is bounded by
/// `timeout` (the catch-up by venue_catch_up_ms).
venue_reconciliation reconcile_venues(runtime::node& node, const std::string& db,
                                      std::chrono::milliseconds timeout);

/// {"clean", "pending", "checks": [{venue, account, epoch, through_trade, venue_fills,
/// farm_fills, farm_fills_after_cut, ok, pending, orders_in_flight, detail}],
/// "unreachable": [...]}.
nlohmann::json to_json(const venue_reconciliation& x);

/// Disagreements listed in an audit record at most (the rest are counted).
constexpr size_t venue_audit_items_max = 10;

/// For the audit log: {"clean", "accounts", "disagree", "unreachable",
/// "first": ["venue/account: detail", ...]} (bounded).
nlohmann::json audit_json(const venue_reconciliation& x);

} // namespace tfarm::net
