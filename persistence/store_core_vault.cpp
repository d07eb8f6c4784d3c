// store_core's vault: accounts, the operations journal and reservations
// (store_core.hpp).
#include "persistence/store_core.hpp"

#include <deque>

#include "persistence/cluster_store.hpp"
#include "persistence/detail/store_rows.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::persistence {

using detail::invalid;
using detail::op_columns;
using detail::read_balances;
using detail::read_op;
using detail::statement_reset;

// -- vault ----------------------------------------------------------------------------

caf::expected<account_record> store_core::open_account(const account_record& x) {
  if (x.id.empty() || x.user.empty() || is_system_account(x.id))
    return invalid("account '" + x.id + "' of user '" + x.user + "' is not a valid account");
  for (auto& [asset, amount] : x.opening_balance)
    if (asset.empty() || amount <= 0)
      return invalid("account " + x.id + ": opening balance of '" + asset + "' must be positive");
  {
    auto& q = stmt(find_account_, "SELECT id, \"user\", created_at FROM accounts WHERE id = ?");
    statement_reset guard{q};
    q.bind(1, x.id);
    if (q.step()) {
      account_record known{q.text(0), q.text(1), q.int64(2), {}};
      if (known.user != x.user)
        return caf::error{store_errc::account_conflict,
                          "account " + x.id + " belongs to user " + known.user};
      return known;
    }
  }
  auto result = x;
  if (result.created_at_ms == 0)
    result.created_at_ms = runtime::unix_now_ms();
  // The account and its opening deposits land together or not at all.
  db_->savepoint("open_account");
  auto undo = [&] {
    db_->rollback_to("open_account");
    db_->release("open_account");
    rows_.clear();
  };
  try {
    {
      auto& s =
          stmt(insert_account_, "INSERT INTO accounts (id, \"user\", created_at) VALUES (?, ?, ?)");
      statement_reset guard{s};
      s.bind(1, result.id);
      s.bind(2, result.user);
      s.bind(3, result.created_at_ms);
      s.exec();
      if (in_txn_)
        rows_.write_seqs[result.id] = 0; // a read ahead of the batch found none
    }
    for (auto& [asset, amount] : x.opening_balance) {
      vault_write w;
      w.op.key = x.id + ":opening-balance:" + asset;
      w.op.account = x.id;
      w.op.user = x.user;
      w.op.op = "deposit";
      w.op.asset = asset;
      w.op.amount = amount;
      w.op.outcome = "applied";
      w.op.available_after = amount;
      w.has_txn = true;
      w.txn = ledger_txn{w.op.key,
                         "deposit",
                         {ledger_leg{"@external", asset, "available", -amount},
                          ledger_leg{x.id, asset, "available", amount}},
                         "opening balance"};
      auto written = apply_vault_write(w);
      if (!written || written->op.outcome != "applied") {
        undo();
        return written ? caf::error{store_errc::amount_overflow,
                                    "opening balance of " + x.id + ": " + written->op.detail}
                       : std::move(written.error());
      }
    }
  } catch (...) {
    undo();
    throw;
  }
  db_->release("open_account");
  return result;
}

bool store_core::reservation_exists(const std::string& account, const std::string& id) {
  auto key = std::make_pair(account, id);
  if (in_txn_)
    if (auto i = rows_.reservations.find(key); i != rows_.reservations.end())
      return i->second;
  auto& q =
      stmt(reservation_exists_, "SELECT 1 FROM vault_reservations WHERE account = ? AND id = ?");
  statement_reset guard{q};
  q.bind(1, account);
  q.bind(2, id);
  auto exists = q.step();
  if (in_txn_)
    rows_.reservations.emplace(std::move(key), exists);
  return exists;
}

std::optional<uint64_t> store_core::account_write_seq(const std::string& account) {
  if (in_txn_)
    if (auto i = rows_.write_seqs.find(account); i != rows_.write_seqs.end())
      return i->second;
  auto& q = stmt(account_write_seq_, "SELECT write_seq FROM accounts WHERE id = ?");
  statement_reset guard{q};
  q.bind(1, account);
  std::optional<uint64_t> result;
  if (q.step())
    result = static_cast<uint64_t>(q.int64(0));
  if (in_txn_)
    rows_.write_seqs.emplace(account, result);
  return result;
}

std::optional<vault_op_record> store_core::find_op(const std::string& key) {
  if (in_txn_)
    if (auto i = rows_.ops.find(key); i != rows_.ops.end())
      return i->second;
  static const auto sql =
      std::string{"SELECT "} + op_columns + " FROM vault_operations WHERE key = ?";
  auto& q = stmt(find_op_, sql.c_str());
  statement_reset guard{q};
  q.bind(1, key);
  std::optional<vault_op_record> result;
  if (q.step())
    result = read_op(q);
  if (in_txn_)
    rows_.ops.emplace(key, result);
  return result;
}

caf::expected<vault_write_result> store_core::apply_vault_write(const vault_write& x) {
  if (auto err = validate(x))
    return err;
  if (x.seq != 0) {
    // Chained: stored only right after the account's previous write
    // (vault_write::seq); checked first, so that a refusal writes nothing.
    auto known = account_write_seq(x.op.account);
    if (!known)
      return invalid("vault operation " + x.op.key + ": no account " + x.op.account);
    auto stored = *known;
    if (stored + 1 != x.seq)
      return caf::error{
          store_errc::conflict,
          "account " + x.op.account + ": write " + x.op.key + " is the account's number " +
              std::to_string(x.seq) + ", but the last one stored is number " +
              std::to_string(stored) +
              " (a write before it failed, or another instance of the account wrote): it was "
              "decided on memory the ledger does not hold; the account must reload"};
  }
  vault_write_result result;
  result.op = x.op;
  auto known = find_op(x.op.key);
  if (known && !x.update) {
    result.op = std::move(*known);
    result.replayed = true;
    for (auto& o : x.orders)
      result.orders_known.push_back(o.client_order_id);
    return result;
  }
  if (!known && x.update)
    return invalid("vault operation " + x.op.key + ": no pending row to update");
  if (known && known->outcome != "pending") {
    // Post or void of a transfer whose outcome is already final: the first
    // final outcome stands.
    result.op = std::move(*known);
    result.replayed = true;
    return result;
  }
  // Some refusals only the store can see; they are journaled like the
  // account's own, so the key keeps its answer.
  auto journal_refusal = [&](const char* reason, std::string detail) {
    result.op.outcome = reason;
    result.op.detail = std::move(detail);
  };
  auto refused = false;
  if (x.op.op == "reserve") {
    // Reservation ids are unique per account for ever; the account only
    // remembers those of its idempotency window.
    for (auto& r : x.reservations) {
      if (reservation_exists(r.account, r.id)) {
        journal_refusal("invalid_request",
                        "reservation " + r.id + " exists already in " + r.account);
        refused = true;
        break;
      }
    }
  }
  if (x.op.op == "transfer_in" && !x.update && !refused) {
    // A credit needs its debit: the sender's journal row, pending, for the
    // same receiver, asset and amount. Nothing else may draw on @transit.
    static const std::string suffix = "/credit";
    auto& key = x.op.key;
    auto ok = key.size() > suffix.size() &&
              key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (ok) {
      auto debit = find_op(key.substr(0, key.size() - suffix.size()));
      ok = debit && debit->op == "transfer" && debit->outcome == "pending" &&
           debit->account == x.op.ref && debit->ref == x.op.account && debit->asset == x.op.asset &&
           debit->amount == x.op.amount;
    }
    if (!ok)
      return invalid("vault operation " + key + ": no pending transfer of " +
                     std::to_string(x.op.amount) + " " + x.op.asset + " from " + x.op.ref + " to " +
                     x.op.account + " to credit");
  }
  // The ledger next: it is the only part that can still be refused, and it
  // refuses before writing anything.
  if (x.has_txn && !refused) {
    auto receipt = append_ledger(x.txn);
    if (!receipt) {
      if (receipt.error() != store_errc::amount_overflow || x.update)
        return std::move(receipt.error());
      // A vault-wide total past 64 bits (a system account's side).
      journal_refusal("amount_overflow", runtime::message_of(receipt.error()));
      refused = true;
    } else if (receipt->replayed) {
      return invalid("vault operation " + x.op.key +
                     ": its ledger transaction exists without its journal row");
    } else {
      result.op.txn_id = receipt->txn_id;
    }
  }
  auto now = runtime::unix_now_ms();
  if (result.op.created_at_ms == 0)
    result.op.created_at_ms = now;
  auto& op = result.op;
  if (x.update) {
    auto& s =
        stmt(update_op_, "UPDATE vault_operations SET outcome = ?, detail = ?, "
                         "available_after = ?, reserved_after = ?, "
                         "txn_id = COALESCE(NULLIF(CAST(? AS BIGINT), 0), txn_id), updated_at = ? "
                         "WHERE key = ?");
    statement_reset guard{s};
    s.bind(1, op.outcome);
    s.bind(2, op.detail);
    s.bind(3, op.available_after);
    s.bind(4, op.reserved_after);
    s.bind(5, static_cast<int64_t>(op.txn_id));
    s.bind(6, now);
    s.bind(7, op.key);
    s.send();
    if (in_txn_) {
      auto row = *known; // what the UPDATE leaves of the row
      row.outcome = op.outcome;
      row.detail = op.detail;
      row.available_after = op.available_after;
      row.reserved_after = op.reserved_after;
      if (op.txn_id != 0)
        row.txn_id = op.txn_id;
      rows_.ops[op.key] = std::move(row);
    }
  } else {
    auto& s = stmt(
        insert_op_,
        "INSERT INTO vault_operations (key, account, \"user\", op, ref, asset, amount, "
        "outcome, detail, available_after, reserved_after, txn_id, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?)");
    statement_reset guard{s};
    s.bind(1, op.key);
    s.bind(2, op.account);
    s.bind(3, op.user);
    s.bind(4, op.op);
    s.bind(5, op.ref);
    s.bind(6, op.asset);
    s.bind(7, op.amount);
    s.bind(8, op.outcome);
    s.bind(9, op.detail);
    s.bind(10, op.available_after);
    s.bind(11, op.reserved_after);
    s.bind(12, static_cast<int64_t>(op.txn_id));
    s.bind(13, op.created_at_ms);
    s.bind(14, now);
    s.send();
    if (in_txn_)
      rows_.ops[op.key] = op;
  }
  for (auto& r : x.reservations) {
    if (refused)
      break;
    auto& s = stmt(put_reservation_,
                   "INSERT INTO vault_reservations (account, id, asset, amount, remaining, state, "
                   "created_at, updated_at, side, limit_price, qty, filled, credit_asset) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (account, id) DO UPDATE SET remaining = excluded.remaining, "
                   "state = excluded.state, updated_at = excluded.updated_at, "
                   "filled = excluded.filled");
    statement_reset guard{s};
    s.bind(1, r.account);
    s.bind(2, r.id);
    s.bind(3, r.asset);
    s.bind(4, r.amount);
    s.bind(5, r.remaining);
    s.bind(6, r.state);
    s.bind(7, r.created_at_ms != 0 ? r.created_at_ms : now);
    s.bind(8, now);
    s.bind(9, r.terms.side);
    s.bind(10, r.terms.limit);
    s.bind(11, r.terms.qty);
    s.bind(12, r.filled);
    s.bind(13, r.terms.credit_asset);
    s.send();
    if (in_txn_)
      rows_.reservations[{r.account, r.id}] = true;
  }
  if (!refused && result.op.outcome == "applied") {
    for (auto& o : x.orders) {
      // Validated with the write above: what can still fail here is the
      // database, which throws and fails the whole batch.
      auto fresh = record_order(o);
      if (!fresh)
        return std::move(fresh.error());
      if (!*fresh)
        result.orders_known.push_back(o.client_order_id);
    }
    for (auto& f : x.fills) {
      auto fresh = record_fill(f);
      if (!fresh)
        result.fills_unrecorded.push_back(runtime::message_of(fresh.error()));
    }
    for (auto& u : x.order_updates) {
      // Never recorded (its reservation was made the way orders were
      // recorded apart, and the session never got it): nothing to close.
      auto closed = update_order(u);
      if (!closed && !(closed.error() == store_errc::unknown_order))
        return std::move(closed.error());
    }
  }
  if (x.seq != 0 && !refused) {
    // Stored as the account decided it: its next write may follow.
    auto& s = stmt(put_account_write_seq_, "UPDATE accounts SET write_seq = ? WHERE id = ?");
    statement_reset guard{s};
    s.bind(1, static_cast<int64_t>(x.seq));
    s.bind(2, x.op.account);
    s.send();
    if (in_txn_)
      rows_.write_seqs[x.op.account] = x.seq;
  }
  return result;
}

namespace {

constexpr const char* reservation_columns =
    "account, id, asset, amount, remaining, state, created_at, side, limit_price, qty, "
    "credit_asset, filled";

reservation_record read_reservation(sql_statement& q) {
  return reservation_record{
      q.text(0),  q.text(1),
      q.text(2),  q.int64(3),
      q.int64(4), q.text(5),
      q.int64(6), reservation_terms{q.text(7), q.int64(8), q.int64(9), q.text(10)},
      q.int64(11)};
}

} // namespace

vault_account_data store_core::load_vault_account(const std::string& account, int64_t since_ms,
                                                  uint32_t keep) {
  vault_account_data result;
  {
    auto q_stmt =
        db_->prepare("SELECT id, \"user\", created_at, write_seq FROM accounts WHERE id = ?");
    auto& q = *q_stmt;
    q.bind(1, account);
    if (!q.step())
      return result;
    result.found = true;
    result.account = account_record{q.text(0), q.text(1), q.int64(2), {}};
    result.write_seq = static_cast<uint64_t>(q.int64(3));
  }
  {
    auto q_stmt = db_->prepare("SELECT account, asset, bucket, amount FROM balances "
                               "WHERE account = ? ORDER BY account, asset");
    auto& q = *q_stmt;
    q.bind(1, account);
    result.balances = read_balances(q);
  }
  {
    auto q_stmt = db_->prepare(std::string{"SELECT "} + reservation_columns +
                               " FROM vault_reservations WHERE account = ? AND state = 'open'");
    auto& q = *q_stmt;
    q.bind(1, account);
    while (q.step())
      result.reservations.push_back(read_reservation(q));
  }
  if (keep > 0) {
    auto q_stmt = db_->prepare(std::string{"SELECT "} + reservation_columns +
                               " FROM vault_reservations WHERE account = ? AND state <> 'open' "
                               "AND updated_at >= ? ORDER BY updated_at DESC LIMIT ?");
    auto& q = *q_stmt;
    q.bind(1, account);
    q.bind(2, since_ms);
    q.bind(3, static_cast<int64_t>(keep));
    while (q.step())
      result.reservations.push_back(read_reservation(q));
  }
  {
    // Rows come oldest first: the newest `keep` stay whole, the ones they
    // push out leave only their digest.
    auto q_stmt = db_->prepare(std::string{"SELECT "} + op_columns +
                               " FROM vault_operations WHERE account = ? AND "
                               "(created_at >= ? OR outcome = 'pending') ORDER BY created_at");
    auto& q = *q_stmt;
    q.bind(1, account);
    q.bind(2, since_ms);
    std::deque<vault_op_record> recent;
    while (q.step()) {
      auto row = read_op(q);
      if (row.outcome == "pending") {
        result.ops.push_back(std::move(row));
        continue;
      }
      recent.push_back(std::move(row));
      if (recent.size() > keep) {
        auto& old = recent.front();
        result.older_keys.push_back(key_digest{key_digest_of(old.key), old.created_at_ms});
        recent.pop_front();
      }
    }
    for (auto& row : recent)
      result.ops.push_back(std::move(row));
  }
  return result;
}

std::optional<reservation_record> store_core::load_reservation(const std::string& account,
                                                               const std::string& id) {
  auto q_stmt = db_->prepare(std::string{"SELECT "} + reservation_columns +
                             " FROM vault_reservations WHERE account = ? AND id = ?");
  auto& q = *q_stmt;
  q.bind(1, account);
  q.bind(2, id);
  if (!q.step())
    return std::nullopt;
  return read_reservation(q);
}

std::vector<account_record> store_core::load_accounts() {
  auto q_stmt = db_->prepare("SELECT id, \"user\", created_at FROM accounts ORDER BY id");
  auto& q = *q_stmt;
  std::vector<account_record> result;
  while (q.step())
    result.push_back(account_record{q.text(0), q.text(1), q.int64(2), {}});
  return result;
}

std::vector<vault_op_record> store_core::pending_transfers() {
  auto q_stmt = db_->prepare(std::string{"SELECT "} + op_columns +
                             " FROM vault_operations WHERE outcome = 'pending' AND op = 'transfer' "
                             "ORDER BY created_at");
  auto& q = *q_stmt;
  std::vector<vault_op_record> result;
  while (q.step())
    result.push_back(read_op(q));
  return result;
}

account_placement store_core::load_account_placement(const std::string& account) {
  // An owner counts while its lease runs and its row is the incarnation
  // that holds it; otherwise the user is between owners.
  auto q_stmt = db_->prepare(
      "SELECT a.\"user\", l.owner, m.address, l.epoch FROM accounts a "
      "LEFT JOIN user_leases l ON l.\"user\" = a.\"user\" AND l.owner <> '' AND l.expires_at > " +
      server_now_ms_sql(db_->dialect()) +
      " LEFT JOIN cluster_members m ON m.name = l.owner AND m.incarnation = l.incarnation "
      "WHERE a.id = ?");
  auto& q = *q_stmt;
  q.bind(1, account);
  account_placement result;
  result.account = account;
  if (!q.step())
    return result;
  result.found = true;
  result.user = q.text(0);
  if (!q.is_null(2)) {
    result.owner = q.text(1);
    result.address = q.text(2);
    result.epoch = q.int64(3);
  }
  return result;
}

ledger_totals store_core::load_ledger_totals() {
  ledger_totals result;
  {
    // One statement, so one snapshot: PostgreSQL's READ COMMITTED gives each
    // statement its own, and another member committing between two reads
    // would show the ledger and the balances out of step when they are not.
    auto q_stmt = db_->prepare(
        "SELECT source, account, asset, bucket, amount FROM ("
        "SELECT 0 AS source, account, asset, bucket, SUM(amount) AS amount FROM ledger_entries "
        "GROUP BY account, asset, bucket "
        "UNION ALL SELECT 1, account, asset, bucket, amount FROM balances) AS totals "
        "ORDER BY source, account, asset");
    auto& q = *q_stmt;
    while (q.step()) {
      auto& rows = q.int64(0) == 0 ? result.ledger : result.balances;
      auto account = q.text(1);
      auto asset = q.text(2);
      if (rows.empty() || rows.back().account != account || rows.back().asset != asset)
        rows.push_back(balance_row{account, asset, 0, 0});
      (q.text(3) == "reserved" ? rows.back().reserved : rows.back().available) = q.int64(4);
    }
  }
  {
    auto q_stmt = db_->prepare("SELECT txn_id, asset, SUM(amount) FROM ledger_entries "
                               "GROUP BY txn_id, asset HAVING SUM(amount) <> 0 ORDER BY txn_id");
    auto& q = *q_stmt;
    while (q.step())
      result.unbalanced.push_back("txn " + std::to_string(q.int64(0)) + " " + q.text(1) + " " +
                                  std::to_string(q.int64(2)));
  }
  return result;
}

} // namespace tfarm::persistence
