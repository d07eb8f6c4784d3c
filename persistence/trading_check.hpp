// The trading invariants, checked on the database: every fill recorded and
// settled exactly once with the right amounts, every order's filled
// quantity made up by its fills, fees paid equal to what the fee account
// received, no reservation closed while its order can still trade or
// before its fills were settled. What `tfarm db check` and the vault's
// reconciliation prove beside the ledger's own invariants.
//
// Findings a node finishes by itself at its next start (an open reservation
// of a final order, a fill whose reservation is still open and whose agent
// settles it when it starts again) are `pending`, not violations: after a
// kill -9 they are normal. Everything else is money or a record that is
// wrong. Synchronous; not thread-safe (one connection, one thread).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

namespace tfarm::persistence {
class sql_connection;
} // namespace tfarm::persistence

namespace tfarm::persistence {

struct trading_finding {
  /// fill_unsettled, settlement_twice, settlement_without_fill,
  /// settlement_amount, filled_mismatch, fees_mismatch,
  /// released_before_fill, reservation_closed_order_live,
  /// reservation_open_order_final.
  std::string kind;
  std::string account;
  /// The client order id it concerns (empty for a farm-wide total).
  std::string order;
  /// "<venue>/<venue fill id>" when it concerns one fill.
  std::string fill;
  /// What is wrong, with the numbers.
  std::string detail;
  /// Finished by the node at its next start (the order's agent settles or
  /// releases it): not a violation.
  bool pending = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trading_finding& x) {
  return f(caf::meta::type_name("tfarm.trading_finding"), x.kind, x.account, x.order, x.fill,
           x.detail, x.pending);
}

/// "kind: detail" (and " (pending: ...)" for pending ones), for people.
std::string to_string(const trading_finding& x);

/// At most this many findings of one kind are listed; the rest are counted
/// in one more finding of that kind.
constexpr size_t trading_findings_per_kind_max = 50;

/// Runs every trading check on `db` (schema version 6 or newer).
std::vector<trading_finding> check_trading(sql_connection& db);

/// What the farm recorded of one account's fills at one venue in one venue
/// epoch (fill ids "<epoch>.<trade number>:t|m") up to a trade number:
/// their number and the holdings they made per asset, as the venue counts
/// them (a buy: +qty of the base, -(price x qty + fee) of the quote; a sell
/// the reverse, the fee still out of the quote). What a venue's statement
/// is compared with.
struct venue_fill_totals {
  uint64_t fills = 0;
  std::map<std::string, int64_t> holdings;
  /// Fills of the epoch after the cut (made after the statement), not in
  /// `fills` nor `holdings`.
  uint64_t later = 0;
};

/// The trade number in a fill id "<epoch>.<n>" or "<epoch>.<n>:<side>", or
/// nothing when the id is not of that epoch or names no number.
std::optional<uint64_t> trade_number_of(const std::string& fill_id, uint64_t epoch);

/// The totals from the database file `db` (opened read-only) of the fills
/// of `epoch` numbered up to `through_trade`; an id of the epoch without a
/// number counts whatever the cut.
caf::expected<venue_fill_totals> fill_totals(const std::string& db, const std::string& venue,
                                             const std::string& account, uint64_t epoch,
                                             uint64_t through_trade);

} // namespace tfarm::persistence
