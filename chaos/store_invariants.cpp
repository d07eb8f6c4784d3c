#include "chaos/store_invariants.hpp"

#include "persistence/database.hpp"
#include "persistence/fence_proof.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/sql_connection.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::chaos {

namespace {

invariant_result sql_invariant(store_reader& store, const std::string& name,
                               const std::string& what, int64_t checked,
                               const std::string& violations_sql, int columns) {
  invariant_result x{name, what, checked, 0, {}};
  auto bad = store.rows(violations_sql, columns);
  x.violations = static_cast<int64_t>(bad.size());
  for (size_t i = 0; i < bad.size() && i < invariant_details_max; ++i)
    x.details.push_back(bad[i]);
  return x;
}

// A SQL string literal.
std::string literal(const std::string& x) {
  std::string out = "'";
  for (char c : x) {
    if (c == '\'')
      out += '\'';
    out += c;
  }
  return out + "'";
}

} // namespace

store_reader::store_reader(std::string db) : db_(std::move(db)) {}

store_reader::~store_reader() = default;

bool store_reader::open(std::string& why) {
  if (sql_)
    return true;
  auto c = persistence::open_database(db_);
  if (!c) {
    why = runtime::to_text(c.error());
    return false;
  }
  sql_ = std::move(*c);
  return true;
}

int64_t store_reader::count(const std::string& sql) {
  std::string why;
  try {
    if (!open(why))
      return -1;
    auto st = sql_->prepare(sql);
    return st->step() ? st->int64(0) : 0;
  } catch (const std::exception&) {
    sql_.reset(); // opened again next time (the server restarted)
    return -1;
  }
}

std::vector<std::string> store_reader::rows(const std::string& sql, int columns) {
  std::vector<std::string> out;
  std::string why;
  try {
    if (!open(why))
      return {"the store cannot be opened: " + why};
    auto st = sql_->prepare(sql);
    while (st->step()) {
      std::string line;
      for (int i = 0; i < columns; ++i)
        line += (i == 0 ? "" : " ") + st->text(i);
      out.push_back(line);
    }
  } catch (const std::exception& e) {
    sql_.reset();
    out.push_back(std::string{"the store could not be read: "} + e.what());
  }
  return out;
}

std::vector<invariant_result> check_store(store_reader& store,
                                          const std::vector<transfer_record>& transfers) {
  std::vector<invariant_result> out;
  auto fills = store.count("SELECT COUNT(*) FROM fills");
  invariant_result db{"ledger_and_trading",
                      "db check: every transaction sums to zero per asset, balances equal the "
                      "ledger, every fill settled once with the right amounts",
                      fills,
                      0,
                      {}};
  auto c = persistence::check_database(store.db());
  if (!c) {
    db.violations = 1;
    db.details.push_back(runtime::to_text(c.error()));
  } else {
    db.violations = static_cast<int64_t>(c->problems.size());
    for (size_t i = 0; i < c->problems.size() && i < invariant_details_max; ++i)
      db.details.push_back(c->problems[i]);
    for (size_t i = 0; i < c->pending.size() && db.details.size() < invariant_details_max; ++i)
      db.details.push_back("(pending, finished at the next start) " + c->pending[i]);
  }
  out.push_back(db);
  out.push_back(sql_invariant(store, "fill_once", "no venue fill id recorded twice", fills,
                              "SELECT venue, venue_fill_id, CAST(COUNT(*) AS TEXT) FROM fills "
                              "GROUP BY venue, venue_fill_id HAVING COUNT(*) > 1",
                              3));
  out.push_back(
      sql_invariant(store, "no_negative_balance", "no user account's balance below zero",
                    store.count("SELECT COUNT(*) FROM balances WHERE account NOT LIKE '@%'"),
                    "SELECT account, asset, bucket, CAST(amount AS TEXT) FROM balances "
                    "WHERE account NOT LIKE '@%' AND amount < 0",
                    4));
  out.push_back(sql_invariant(
      store, "nothing_in_flight", "no vault operation left pending, nothing left in @transit",
      store.count("SELECT COUNT(*) FROM vault_operations"),
      "SELECT 'pending', key FROM vault_operations WHERE outcome = 'pending' "
      "UNION ALL SELECT '@transit', CAST(SUM(amount) AS TEXT) FROM ledger_entries "
      "WHERE account = '@transit' HAVING COALESCE(SUM(amount), 0) <> 0",
      2));
  out.push_back(sql_invariant(
      store, "fence_per_write",
      "no two members wrote for a user under one epoch, none under an older epoch after a "
      "newer one (user_writes)",
      store.count("SELECT COUNT(*) FROM user_writes"), persistence::fence_violations_sql, 3));
  out.push_back(sql_invariant(store, "no_critical_incident", "no critical incident alert",
                              store.count("SELECT COUNT(*) FROM alerts"),
                              "SELECT rule, message FROM alerts WHERE severity = 'critical' AND "
                              "rule LIKE 'incident:%'",
                              2));
  invariant_result tx{"transfer_once",
                      "each acknowledged transfer in the ledger exactly once, a refused one not "
                      "at all",
                      static_cast<int64_t>(transfers.size()),
                      0,
                      {}};
  for (auto& t : transfers) {
    auto op_key = t.from + ":" + t.key;
    auto applied =
        store.count("SELECT COUNT(*) FROM vault_operations WHERE key = " + literal(op_key) +
                    " AND outcome = 'applied'");
    auto credits = store.count("SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key = " +
                               literal(op_key + "/credit"));
    std::string bad;
    if (t.final < 0)
      bad = "no answer after the faults: " + t.final_text;
    else if (t.first == 0 && t.final != 0)
      bad = "acknowledged, then answered: " + t.final_text;
    else if (t.final == 0 && (applied != 1 || credits != 1))
      bad = "acknowledged but applied " + std::to_string(applied) + " times, credited " +
            std::to_string(credits) + " times";
    else if (t.final != 0 && (applied != 0 || credits != 0))
      bad = "refused (" + t.final_text + ") but applied " + std::to_string(applied) +
            " times, credited " + std::to_string(credits) + " times";
    if (!bad.empty()) {
      ++tx.violations;
      if (tx.details.size() < invariant_details_max)
        tx.details.push_back(t.key + " " + t.from + " -> " + t.to + ": " + bad);
    }
  }
  out.push_back(tx);
  return out;
}

} // namespace tfarm::chaos
