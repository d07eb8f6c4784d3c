#include "persistence/trading_check.hpp"

#include <functional>
#include <map>
#include <optional>

#include "persistence/database.hpp"

namespace tfarm::persistence {

namespace {

// Each fill with its account, side, assets and the journal keys its
// settlement may have: "<account>:settle:<venue>:<order>:<fill id>", or,
// for fills recorded before schema 6, "<account>:settle:<fill id>".
constexpr const char* fills_with_keys =
    "fk AS (SELECT f.venue, f.client_order_id, f.venue_fill_id, f.price, f.qty, f.fee, "
    "  o.account, o.side, o.status, "
    "  substr(o.symbol, 1, instr(o.symbol, '-') - 1) AS base, "
    "  substr(o.symbol, instr(o.symbol, '-') + 1) AS quote, "
    "  o.account || ':settle:' || f.venue || ':' || f.client_order_id || ':' || "
    "    f.venue_fill_id AS k, "
    "  CASE WHEN EXISTS (SELECT 1 FROM legacy_fill_keys l WHERE l.venue = f.venue AND "
    "    l.client_order_id = f.client_order_id AND l.venue_fill_id = f.venue_fill_id) "
    "    THEN o.account || ':settle:' || f.venue_fill_id END AS lk "
    "  FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id)";

std::string text(sql_statement& q, int i) {
  return q.text(i);
}

/// Which leading columns of a check's rows name what a finding concerns.
enum class ids {
  /// None (a total).
  none,
  /// Account, client order id.
  order,
  /// Account, client order id, venue, venue fill id.
  fill,
};

// Runs `sql`; each row becomes a finding of `kind` (unless `describe` names
// another) about the ids its leading columns hold, described by `describe`;
// at most trading_findings_per_kind_max of them (the rest are counted).
void collect(sql_connection& db, const std::string& sql, const std::string& kind, ids leading,
             const std::function<void(sql_statement&, trading_finding&)>& describe,
             std::vector<trading_finding>& out) {
  auto stmt = db.prepare(sql);
  auto& q = *stmt;
  size_t n = 0;
  size_t pending = 0;
  while (q.step()) {
    trading_finding x;
    x.kind = kind;
    if (leading != ids::none) {
      x.account = text(q, 0);
      x.order = text(q, 1);
    }
    if (leading == ids::fill)
      x.fill = text(q, 2) + "/" + text(q, 3);
    describe(q, x);
    ++n;
    if (x.pending)
      ++pending;
    if (n <= trading_findings_per_kind_max)
      out.push_back(std::move(x));
  }
  if (n > trading_findings_per_kind_max) {
    trading_finding more;
    more.kind = kind;
    more.detail =
        "... and " + std::to_string(n - trading_findings_per_kind_max) + " more like the above";
    more.pending = pending == n;
    out.push_back(std::move(more));
  }
}

} // namespace

std::string to_string(const trading_finding& x) {
  return x.kind + ": " + x.detail +
         (x.pending ? " (pending: finished when the order's agent next starts)" : "");
}

std::vector<trading_finding> check_trading(sql_connection& db) {
  std::vector<trading_finding> out;
  auto with = std::string{"WITH "} + fills_with_keys + " ";
  // Every fill has an applied settlement, under its key.
  collect(
      db,
      with + "SELECT fk.account, fk.client_order_id, fk.venue, fk.venue_fill_id, fk.qty, "
             "  fk.price, COALESCE(r.state, '') FROM fk "
             "LEFT JOIN vault_reservations r ON r.account = fk.account AND "
             "  r.id = fk.client_order_id "
             "WHERE NOT EXISTS (SELECT 1 FROM vault_operations v WHERE v.key IN (fk.k, fk.lk) "
             "  AND v.op = 'settle' AND v.outcome = 'applied' AND v.ref = fk.client_order_id) "
             "ORDER BY fk.account, fk.client_order_id",
      "fill_unsettled", ids::fill,
      [](sql_statement& q, trading_finding& x) {
        auto state = text(q, 6);
        x.pending = state == "open";
        x.detail =
            "fill " + x.fill + " of order " + x.order + " (" + text(q, 4) + " at " + text(q, 5) +
            ") has no applied settlement in " + x.account + "; its " +
            (state.empty() ? std::string{"order has no reservation"} : "reservation is " + state);
      },
      out);
  // A fill recorded before schema 6 settled under both keys: twice.
  collect(
      db,
      with + "SELECT fk.account, fk.client_order_id, fk.venue, fk.venue_fill_id FROM fk "
             "WHERE fk.lk IS NOT NULL AND (SELECT COUNT(*) FROM vault_operations v WHERE "
             "  v.key IN (fk.k, fk.lk) AND v.op = 'settle' AND v.outcome = 'applied') > 1",
      "settlement_twice", ids::fill,
      [](sql_statement&, trading_finding& x) {
        x.detail = "fill " + x.fill + " of order " + x.order + " is settled twice in " + x.account +
                   " (under its key and under the key of schema 5)";
      },
      out);
  // Every applied settlement books a recorded fill.
  collect(
      db,
      with + "SELECT v.account, v.ref, v.key, v.amount, v.asset FROM vault_operations v "
             "WHERE v.op = 'settle' AND v.outcome = 'applied' AND NOT EXISTS ("
             "  SELECT 1 FROM fk WHERE fk.client_order_id = v.ref AND fk.account = v.account "
             "  AND v.key IN (fk.k, fk.lk)) ORDER BY v.account, v.key",
      "settlement_without_fill", ids::order,
      [](sql_statement& q, trading_finding& x) {
        x.detail = "settlement " + text(q, 2) + " (" + text(q, 3) + " " + text(q, 4) +
                   ") books a fill of order " + x.order + " that the fills table does not have";
      },
      out);
  // A settlement moves exactly what its fill says for the account: a buy
  // pays price x qty + fee of the quote and gets qty of the base; a sell the
  // other way round, its fee taken from what it gets.
  collect(
      db,
      with + ", s AS (SELECT fk.*, v.txn_id FROM fk JOIN vault_operations v ON "
             "  v.key IN (fk.k, fk.lk) AND v.op = 'settle' AND v.outcome = 'applied' AND "
             "  v.ref = fk.client_order_id WHERE fk.base != ''), "
             "m AS (SELECT s.*, "
             "  (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE "
             "    e.txn_id = s.txn_id AND e.account = s.account AND e.asset = s.base) AS b, "
             "  (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE "
             "    e.txn_id = s.txn_id AND e.account = s.account AND e.asset = s.quote) AS q "
             "  FROM s), "
             "w AS (SELECT account, client_order_id, venue, venue_fill_id, side, qty, price, fee, "
             "  base, quote, b, q, "
             "  CASE side WHEN 'buy' THEN qty ELSE -qty END AS want_b, "
             "  CASE side WHEN 'buy' THEN -(price * qty + fee) ELSE price * qty - fee END "
             "    AS want_q FROM m) "
             "SELECT * FROM w WHERE b != want_b OR q != want_q",
      "settlement_amount", ids::fill,
      [](sql_statement& q, trading_finding& x) {
        x.detail = "the settlement of fill " + x.fill + " (" + text(q, 4) + " " + text(q, 5) +
                   " at " + text(q, 6) + ", fee " + text(q, 7) + ") moved " + text(q, 10) + " " +
                   text(q, 8) + " and " + text(q, 11) + " " + text(q, 9) + " in " + x.account +
                   "; the fill says " + text(q, 12) + " " + text(q, 8) + " and " + text(q, 13) +
                   " " + text(q, 9);
      },
      out);
  // The venue's filled quantity is made up by the fills on record: more
  // than they show means fills are missing; a final order records what
  // its fills show.
  collect(
      db,
      "SELECT * FROM (SELECT o.account, o.client_order_id, o.status, o.filled, "
      "  (SELECT COALESCE(SUM(f.qty), 0) FROM fills f WHERE "
      "    f.client_order_id = o.client_order_id) AS fills FROM orders o) AS t "
      "WHERE filled > fills OR (filled != fills AND "
      "  status IN ('filled', 'cancelled', 'rejected')) ORDER BY account, client_order_id",
      "filled_mismatch", ids::order,
      [](sql_statement& q, trading_finding& x) {
        x.detail = "order " + x.order + " (" + text(q, 2) + ") has " + text(q, 3) +
                   " filled at its venue, its recorded fills sum to " + text(q, 4);
      },
      out);
  // Every fill is one the order could make: at or within its limit (a
  // market order's collar), and together no more than its quantity. The
  // store refuses others as they arrive; one on record came around it.
  collect(
      db,
      "SELECT o.account, o.client_order_id, f.venue, f.venue_fill_id, o.side, o.price, o.qty, "
      "  f.price, (SELECT SUM(g.qty) FROM fills g WHERE g.client_order_id = o.client_order_id) "
      "FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id "
      "WHERE (o.type = 'limit' AND CASE o.side WHEN 'buy' THEN f.price > o.price "
      "  ELSE f.price < o.price END) OR f.price <= 0 OR "
      "  (SELECT SUM(g.qty) FROM fills g WHERE g.client_order_id = o.client_order_id) > o.qty "
      "ORDER BY o.account, o.client_order_id, f.venue, f.venue_fill_id",
      "fill_beyond_order", ids::fill,
      [](sql_statement& q, trading_finding& x) {
        x.detail = "fill " + x.fill + " at " + text(q, 7) + " of order " + x.order + " (" +
                   text(q, 4) + " " + text(q, 6) + " at " + text(q, 5) +
                   ") is beyond what the order allows; its fills sum to " + text(q, 8);
      },
      out);
  // Fees charged by the fills settled under schema 6 keys went to the fee
  // account of their venue ("@fees:<venue>"), per asset; those settled
  // into the farm-wide "@fees" (before per-venue fee accounts) are summed
  // there. (Fees of schema 5 keys went to the venues' accounts.)
  auto settled = std::string{
      "settled AS (SELECT fk.venue, fk.quote AS asset, fk.fee, "
      "  EXISTS (SELECT 1 FROM ledger_entries le WHERE le.txn_id = v.txn_id AND "
      "    le.account = '@fees') AS legacy FROM fk JOIN vault_operations v ON v.key = fk.k AND "
      "  v.outcome = 'applied' WHERE fk.lk IS NULL), "};
  auto compare = std::string{
      "both_ AS (SELECT who, asset, fees AS p, (SELECT fees FROM got WHERE got.who = paid.who "
      "  AND got.asset = paid.asset) AS g FROM paid UNION SELECT who, asset, (SELECT fees FROM "
      "  paid WHERE paid.who = got.who AND paid.asset = got.asset), fees FROM got) "
      "SELECT who, asset, COALESCE(p, 0), COALESCE(g, 0) FROM both_ WHERE "
      "  COALESCE(p, 0) != COALESCE(g, 0) ORDER BY who, asset"};
  auto fee_finding = [](sql_statement& q, trading_finding& x) {
    x.account = text(q, 0);
    x.detail = "settled fills charged " + text(q, 2) + " " + text(q, 1) + " in fees; " + x.account +
               " received " + text(q, 3);
  };
  collect(db,
          with + ", " + settled +
              "paid AS (SELECT '@fees:' || venue AS who, asset, SUM(fee) AS fees FROM settled "
              "  WHERE NOT legacy GROUP BY venue, asset), "
              "got AS (SELECT e.account AS who, e.asset, SUM(e.amount) AS fees FROM "
              "  ledger_entries e JOIN ledger_transactions t ON t.id = e.txn_id WHERE "
              "  e.account LIKE '@fees:%' AND t.kind = 'settle' GROUP BY e.account, e.asset), " +
              compare,
          "fees_mismatch", ids::none, fee_finding, out);
  collect(db,
          with + ", " + settled +
              "paid AS (SELECT '@fees' AS who, asset, SUM(fee) AS fees FROM settled WHERE legacy "
              "  GROUP BY asset), "
              "got AS (SELECT e.account AS who, e.asset, SUM(e.amount) AS fees FROM "
              "  ledger_entries e JOIN ledger_transactions t ON t.id = e.txn_id WHERE "
              "  e.account = '@fees' AND t.kind = 'settle' GROUP BY e.account, e.asset), " +
              compare,
          "fees_mismatch", ids::none, fee_finding, out);
  // A reservation is released only once its fills are settled: a
  // settlement written after the release means the order was closed while
  // it could still fill.
  collect(
      db,
      "SELECT r.account, r.id, v.key, v.txn_id, rel.txn_id FROM vault_reservations r "
      "JOIN vault_operations rel ON rel.account = r.account AND rel.ref = r.id AND "
      "  rel.op = 'release' AND rel.outcome = 'applied' AND rel.txn_id IS NOT NULL "
      "JOIN vault_operations v ON v.account = r.account AND v.ref = r.id AND "
      "  v.op = 'settle' AND v.outcome = 'applied' AND v.txn_id > rel.txn_id "
      "WHERE r.state = 'released' ORDER BY r.account, r.id",
      "released_before_fill", ids::order,
      [](sql_statement& q, trading_finding& x) {
        x.detail = "reservation " + x.order + " was released (ledger transaction " + text(q, 4) +
                   ") before fill settlement " + text(q, 2) + " (transaction " + text(q, 3) +
                   "): the order was closed while it could "
                   "still fill";
      },
      out);
  // The money behind an order goes only when the order is final; a final
  // order's reservation goes back when its agent next runs.
  collect(
      db,
      "SELECT o.account, o.client_order_id, o.status, r.state FROM orders o JOIN "
      "vault_reservations r ON r.account = o.account AND r.id = o.client_order_id WHERE "
      "(r.state != 'open') = (o.status NOT IN ('filled', 'cancelled', 'rejected')) "
      "ORDER BY o.account, o.client_order_id",
      "reservation_state", ids::order,
      [](sql_statement& q, trading_finding& x) {
        auto status = text(q, 2);
        auto state = text(q, 3);
        x.pending = state == "open";
        x.kind = x.pending ? "reservation_open_order_final" : "reservation_closed_order_live";
        x.detail = x.pending
                       ? "order " + x.order + " is " + status + " and its reservation is still open"
                       : "order " + x.order + " is " + status +
                             " at its venue by the record, but its reservation is " + state +
                             ": a live order with no money behind it, or a "
                             "record that never became final";
      },
      out);
  return out;
}

std::optional<uint64_t> trade_number_of(const std::string& fill_id, uint64_t epoch) {
  auto prefix = std::to_string(epoch) + ".";
  if (fill_id.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  uint64_t n = 0;
  size_t i = prefix.size();
  size_t digits = 0;
  for (; i < fill_id.size() && fill_id[i] >= '0' && fill_id[i] <= '9'; ++i, ++digits) {
    auto d = static_cast<uint64_t>(fill_id[i] - '0');
    if (n > (UINT64_MAX - d) / 10)
      return std::nullopt;
    n = n * 10 + d;
  }
  if (digits == 0 || (i < fill_id.size() && fill_id[i] != ':'))
    return std::nullopt;
  return n;
}

caf::expected<venue_fill_totals> fill_totals(const std::string& db, const std::string& venue,
                                             const std::string& account, uint64_t epoch,
                                             uint64_t through_trade) {
  auto conn = open_database(db, read_only_options());
  if (!conn)
    return conn.error();
  try {
    // Summed here rather than in SQL: the cut needs the trade number inside
    // the fill id, which the two backends' SQL would parse differently.
    auto stmt = (*conn)->prepare("SELECT f.venue_fill_id, o.symbol, o.side, f.qty, f.price, f.fee "
                                 "FROM fills f JOIN orders o ON o.client_order_id = "
                                 "f.client_order_id "
                                 "WHERE f.venue = ? AND o.account = ? AND f.venue_fill_id LIKE ?");
    auto& q = *stmt;
    q.bind(1, venue);
    q.bind(2, account);
    q.bind(3, std::to_string(epoch) + ".%");
    venue_fill_totals x;
    while (q.step()) {
      // An id of this epoch that names no trade number is counted: left
      // out, a malformed record would hide from the comparison.
      auto n = trade_number_of(q.text(0), epoch);
      if (n && *n > through_trade) {
        ++x.later;
        continue;
      }
      ++x.fills;
      auto symbol = q.text(1);
      auto dash = symbol.find('-');
      auto base = symbol.substr(0, dash);
      auto quote = dash == std::string::npos ? std::string{} : symbol.substr(dash + 1);
      auto buy = q.text(2) == "buy";
      auto qty = q.int64(3);
      auto value = q.int64(4) * qty;
      x.holdings[base] += buy ? qty : -qty;
      x.holdings[quote] += (buy ? -value : value) - q.int64(5);
    }
    return x;
  } catch (const std::exception& e) {
    return classify(e, db, "summing the fills of " + account + " at " + venue);
  }
}

} // namespace tfarm::persistence
