#include "persistence/store_core.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "config/limits.hpp"
#include "persistence/detail/store_rows.hpp"
#include "persistence/error.hpp"
#include "persistence/trading_check.hpp"
#include "persistence/vault_records.hpp"
#include "runtime/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::persistence {

using detail::invalid;
using detail::op_columns;
using detail::read_balances;
using detail::read_checkpoint;
using detail::read_op;
using detail::statement_reset;

store_core::store_core(std::unique_ptr<sql_connection> db)
    : db_(std::move(db)), file_(db_->name()) {
  last_seq_ =
      static_cast<uint64_t>(query_int64(*db_, "SELECT COALESCE(MAX(seq), 0) FROM checkpoints"));
}

store_core::~store_core() {
  rollback();
}

sql_statement& store_core::stmt(std::unique_ptr<sql_statement>& slot, const char* sql,
                                sql_connection::plan how) {
  if (!slot)
    slot = db_->prepare(sql, how);
  return *slot;
}

// -- transactions ----------------------------------------------------------------

void store_core::txn_rows::clear() {
  ops.clear();
  txns.clear();
  balances.clear();
  reservations.clear();
  epochs.clear();
  write_seqs.clear();
}

void store_core::begin() {
  rows_.clear();
  checkpoint_seqs_.clear();
  txn_ids_.clear();
  db_->begin_write();
  in_txn_ = true;
  seq_at_begin_ = last_seq_;
}

void store_core::commit() {
  db_->commit();
  in_txn_ = false;
  rows_.clear();
}

void store_core::rollback() noexcept {
  if (!in_txn_)
    return;
  in_txn_ = false;
  last_seq_ = seq_at_begin_;
  next_slot_.clear();
  rows_.clear();
  db_->rollback();
}

void store_core::reserve(std::vector<int64_t>& reserved, std::unique_ptr<sql_statement>& slot,
                         const char* sql, size_t n) {
  auto& q = stmt(slot, sql);
  statement_reset guard{q};
  q.bind(1, static_cast<int64_t>(n));
  std::vector<int64_t> got;
  while (q.step())
    got.push_back(q.int64(0));
  if (got.size() != n)
    throw sql_error{db_->dialect(), sql_failure::other, "",
                    db_->name() + ": a sequence gave " + std::to_string(got.size()) +
                        " numbers for " + std::to_string(n)};
  reserved.insert(reserved.begin(), got.rbegin(), got.rend());
}

int64_t store_core::next_of(std::vector<int64_t>& reserved, std::unique_ptr<sql_statement>& slot,
                            const char* sql) {
  if (reserved.empty())
    reserve(reserved, slot, sql, 1);
  auto x = reserved.back();
  reserved.pop_back();
  return x;
}

namespace {

// Sequence numbers for a batch in one statement (PostgreSQL).
constexpr const char* reserve_checkpoint_seqs_sql =
    "SELECT nextval('checkpoint_seq') FROM generate_series(1, CAST(? AS BIGINT))";
constexpr const char* reserve_txn_ids_sql =
    "SELECT nextval(pg_get_serial_sequence('ledger_transactions', 'id')) "
    "FROM generate_series(1, CAST(? AS BIGINT))";

// A PostgreSQL text[] literal: every element quoted, '"' and backslash escaped.
std::string text_array(const std::vector<std::string>& xs) {
  std::string out = "{";
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += ',';
    out += '"';
    for (auto c : xs[i]) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

} // namespace

void store_core::prefetch(const write_outline& w) {
  if (db_->dialect() != sql_dialect::postgresql)
    return;
  // Planned with the batch's keys: a plan cached while the tables were
  // small would scan them whole once they are not.
  constexpr auto per_run = sql_connection::plan::per_run;
  if (!w.fenced_users.empty()) {
    auto& q = stmt(prefetch_epochs_,
                   "SELECT \"user\", epoch FROM user_leases WHERE \"user\" = "
                   "ANY(CAST(? AS TEXT[])) FOR SHARE",
                   per_run);
    statement_reset guard{q};
    q.bind(1, text_array(w.fenced_users));
    for (auto& u : w.fenced_users)
      rows_.epochs.emplace(u, 0);
    while (q.step())
      rows_.epochs[q.text(0)] = q.int64(1);
  }
  if (w.checkpoints > 0)
    reserve(checkpoint_seqs_, reserve_seqs_, reserve_checkpoint_seqs_sql, w.checkpoints);
  std::vector<const ledger_txn*> txns = w.ledger_txns;
  std::vector<std::string> op_keys;
  std::vector<std::string> res_accounts;
  std::vector<std::string> res_ids;
  std::vector<std::string> chained;
  for (auto* x : w.vault_writes) {
    if (x->seq != 0)
      chained.push_back(x->op.account);
    if (x->has_txn)
      txns.push_back(&x->txn);
    op_keys.push_back(x->op.key);
    static const std::string suffix = "/credit";
    auto& key = x->op.key;
    if (x->op.op == "transfer_in" && key.size() > suffix.size() &&
        key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0)
      op_keys.push_back(key.substr(0, key.size() - suffix.size()));
    if (x->op.op == "reserve")
      for (auto& r : x->reservations) {
        res_accounts.push_back(r.account);
        res_ids.push_back(r.id);
      }
  }
  if (!txns.empty())
    reserve(txn_ids_, reserve_txn_ids_, reserve_txn_ids_sql, txns.size());
  if (!op_keys.empty()) {
    static const auto sql = std::string{"SELECT "} + op_columns +
                            " FROM vault_operations WHERE key = ANY(CAST(? AS TEXT[]))";
    auto& q = stmt(prefetch_ops_, sql.c_str(), per_run);
    statement_reset guard{q};
    q.bind(1, text_array(op_keys));
    for (auto& k : op_keys)
      rows_.ops.emplace(k, std::nullopt);
    while (q.step()) {
      auto op = read_op(q);
      rows_.ops[op.key] = std::move(op);
    }
  }
  std::vector<std::string> txn_keys;
  std::vector<std::string> accounts;
  std::vector<std::string> assets;
  std::vector<std::string> buckets;
  for (auto* t : txns) {
    txn_keys.push_back(t->idempotency_key);
    for (auto& leg : t->legs) {
      accounts.push_back(leg.account);
      assets.push_back(leg.asset);
      buckets.push_back(leg.bucket);
    }
  }
  if (!txn_keys.empty()) {
    auto& q = stmt(prefetch_txns_,
                   "SELECT idempotency_key, id, created_at FROM "
                   "ledger_transactions WHERE idempotency_key = "
                   "ANY(CAST(? AS TEXT[]))",
                   per_run);
    statement_reset guard{q};
    q.bind(1, text_array(txn_keys));
    for (auto& k : txn_keys)
      rows_.txns.emplace(k, std::nullopt);
    while (q.step())
      rows_.txns[q.text(0)] = ledger_receipt{static_cast<uint64_t>(q.int64(1)), q.int64(2), false};
  }
  if (!accounts.empty()) {
    auto& q = stmt(prefetch_balances_,
                   "SELECT b.account, b.asset, b.bucket, b.amount FROM balances b JOIN "
                   "unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[])) "
                   "AS k(account, asset, bucket) ON b.account = k.account AND "
                   "b.asset = k.asset AND b.bucket = k.bucket",
                   per_run);
    statement_reset guard{q};
    q.bind(1, text_array(accounts));
    q.bind(2, text_array(assets));
    q.bind(3, text_array(buckets));
    for (size_t i = 0; i < accounts.size(); ++i)
      rows_.balances.emplace(balance_key{accounts[i], assets[i], buckets[i]}, 0);
    while (q.step())
      rows_.balances[balance_key{q.text(0), q.text(1), q.text(2)}] = q.int64(3);
  }
  if (!res_ids.empty()) {
    auto& q = stmt(prefetch_reservations_,
                   "SELECT r.account, r.id FROM vault_reservations r JOIN "
                   "unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[])) AS k(account, id) "
                   "ON r.account = k.account AND r.id = k.id",
                   per_run);
    statement_reset guard{q};
    q.bind(1, text_array(res_accounts));
    q.bind(2, text_array(res_ids));
    for (size_t i = 0; i < res_ids.size(); ++i)
      rows_.reservations.emplace(std::make_pair(res_accounts[i], res_ids[i]), false);
    while (q.step())
      rows_.reservations[{q.text(0), q.text(1)}] = true;
  }
  if (!chained.empty()) {
    auto& q = stmt(prefetch_write_seqs_,
                   "SELECT id, write_seq FROM accounts WHERE id = ANY(CAST(? AS TEXT[]))", per_run);
    statement_reset guard{q};
    q.bind(1, text_array(chained));
    for (auto& a : chained)
      rows_.write_seqs.emplace(a, std::nullopt);
    while (q.step())
      rows_.write_seqs[q.text(0)] = static_cast<uint64_t>(q.int64(1));
  }
}

// -- validation -----------------------------------------------------------------------

caf::error store_core::validate(const runtime::checkpoint& x) {
  if (x.path.empty() || x.path.front() != '/')
    return invalid("checkpoint path '" + x.path + "' must start with '/'");
  if (x.kind.empty())
    return invalid("checkpoint of " + x.path + " has no kind");
  if (x.blob.size() > config::checkpoint_blob_bytes_max)
    return invalid("checkpoint of " + x.path + " is " + std::to_string(x.blob.size()) +
                   " bytes, more than checkpoint_blob_bytes_max (" +
                   std::to_string(config::checkpoint_blob_bytes_max) + ")");
  if (!x.intact())
    return caf::error{runtime::runtime_errc::checkpoint_corrupt,
                      "checkpoint of " + x.path + " does not match its CRC-32"};
  return {};
}

caf::error store_core::validate(const ledger_txn& x) {
  if (x.idempotency_key.empty())
    return invalid("ledger transaction without an idempotency key");
  if (x.kind.empty())
    return invalid("ledger transaction " + x.idempotency_key + " has no kind");
  if (x.legs.size() < 2 || x.legs.size() > config::ledger_legs_max)
    return invalid("ledger transaction " + x.idempotency_key + " has " +
                   std::to_string(x.legs.size()) + " legs; it needs 2 to " +
                   std::to_string(config::ledger_legs_max));
  std::map<std::string, int64_t> sums;
  for (auto& leg : x.legs) {
    if (leg.account.empty() || leg.asset.empty())
      return invalid("ledger transaction " + x.idempotency_key + ": a leg lacks account or asset");
    if (leg.bucket != "available" && leg.bucket != "reserved")
      return invalid("ledger transaction " + x.idempotency_key + ": bucket '" + leg.bucket +
                     "' is neither 'available' nor 'reserved'");
    if (leg.amount == 0)
      return invalid("ledger transaction " + x.idempotency_key + ": a leg of amount 0");
    auto& sum = sums[leg.asset];
    if (__builtin_add_overflow(sum, leg.amount, &sum))
      return invalid("ledger transaction " + x.idempotency_key + ": amounts in " + leg.asset +
                     " overflow");
  }
  for (auto& [asset, sum] : sums)
    if (sum != 0)
      return caf::error{store_errc::unbalanced_transaction,
                        "ledger transaction " + x.idempotency_key + ": legs in " + asset +
                            " sum to " + std::to_string(sum) + ", not 0"};
  return {};
}

caf::error store_core::validate(const order_record& x) {
  if (x.client_order_id.empty())
    return invalid("order without a client order id");
  if (x.side != "buy" && x.side != "sell")
    return invalid("order " + x.client_order_id + ": side '" + x.side +
                   "' is neither 'buy' nor 'sell'");
  if (x.type != "limit" && x.type != "market")
    return invalid("order " + x.client_order_id + ": type '" + x.type +
                   "' is neither 'limit' nor 'market'");
  if (x.qty <= 0)
    return invalid("order " + x.client_order_id + ": quantity " + std::to_string(x.qty) +
                   " is not positive");
  if (x.type == "limit" && x.price <= 0)
    return invalid("order " + x.client_order_id + ": limit price " + std::to_string(x.price) +
                   " is not positive");
  return {};
}

caf::error store_core::validate(const fill_record& x) {
  if (x.venue_fill_id.empty() || x.venue_fill_id.size() > config::fill_id_chars_max)
    return invalid("fill id '" + x.venue_fill_id.substr(0, config::fill_id_chars_max) +
                   "' must be 1 to " + std::to_string(config::fill_id_chars_max) + " characters");
  if (x.venue.empty())
    return invalid("fill " + x.venue_fill_id + " names no venue");
  if (x.client_order_id.empty())
    return invalid("fill " + x.venue_fill_id + " names no order");
  if (x.qty <= 0)
    return invalid("fill " + x.venue_fill_id + ": quantity " + std::to_string(x.qty) +
                   " is not positive");
  if (x.price <= 0)
    return invalid("fill " + x.venue_fill_id + ": price " + std::to_string(x.price) +
                   " is not positive");
  if (x.fee < 0)
    return invalid("fill " + x.venue_fill_id + ": fee " + std::to_string(x.fee) + " is negative");
  int64_t value = 0;
  if (__builtin_mul_overflow(x.price, x.qty, &value))
    return invalid("fill " + x.venue_fill_id + ": price x quantity exceeds 2^63 - 1");
  return {};
}

caf::error store_core::validate(const vault_write& x) {
  auto& op = x.op;
  if (op.key.empty() || op.account.empty() || op.op.empty() || op.outcome.empty())
    return invalid("vault operation without key, account, op or outcome");
  if (x.update && op.outcome == "pending")
    return invalid("vault operation " + op.key + ": an update must give the final outcome");
  if (x.has_txn)
    if (auto err = validate(x.txn))
      return err;
  for (auto& r : x.reservations)
    if (r.id.empty() || r.account != op.account || r.amount <= 0 || r.remaining < 0 ||
        r.remaining > r.amount ||
        (r.state != "open" && r.state != "settled" && r.state != "released") ||
        (r.terms.side != "" && r.terms.side != "buy" && r.terms.side != "sell") ||
        r.terms.limit < 0 || r.terms.qty < 0 || r.filled < 0 ||
        (!r.terms.side.empty() && r.filled > r.terms.qty))
      return invalid("vault operation " + op.key + ": reservation '" + r.id + "' is malformed");
  for (auto& o : x.orders) {
    if (op.op != "reserve" || x.update || op.outcome != "applied")
      return invalid("vault operation " + op.key +
                     ": only a reservation made records an order (not a refusal)");
    if (o.account != op.account)
      return invalid("vault operation " + op.key + ": order " + o.client_order_id +
                     " is of account " + o.account + ", not " + op.account);
    if (std::none_of(x.reservations.begin(), x.reservations.end(),
                     [&](auto& r) { return r.id == o.client_order_id; }))
      return invalid("vault operation " + op.key + ": order " + o.client_order_id +
                     " has no reservation in it");
    if (auto err = validate(o))
      return err;
  }
  // A fill's terms are checked where it is recorded (one that cannot be
  // leaves the settlement standing); here only whose fill it is.
  for (auto& f : x.fills) {
    if (op.op != "settle" || x.update || op.outcome != "applied")
      return invalid("vault operation " + op.key +
                     ": only a settlement applied records a fill (not a refusal)");
    if (f.client_order_id != op.ref)
      return invalid("vault operation " + op.key + ": fill " + f.venue_fill_id + " is of order " +
                     f.client_order_id + ", the settlement of reservation " + op.ref);
  }
  for (auto& u : x.order_updates) {
    if (op.op != "release" || x.update || op.outcome != "applied")
      return invalid("vault operation " + op.key +
                     ": only a release applied closes an order (not a refusal)");
    if (u.client_order_id != op.ref)
      return invalid("vault operation " + op.key + ": order " + u.client_order_id +
                     " is not that of reservation " + op.ref);
    if ((u.status != "rejected" && u.status != "cancelled") || !u.fills.empty() || u.filled > 0)
      return invalid("vault operation " + op.key + ": order " + u.client_order_id +
                     " closes as rejected or cancelled, without fills (got '" + u.status + "')");
  }
  return {};
}

// -- writes -------------------------------------------------------------------------

uint64_t store_core::save_checkpoint(const runtime::checkpoint& cp) {
  auto i = next_slot_.find(cp.path);
  if (i == next_slot_.end()) {
    auto& q = stmt(newest_slot_, "SELECT slot FROM checkpoints WHERE path = ? "
                                 "ORDER BY seq DESC LIMIT 1");
    statement_reset guard{q};
    q.bind(1, cp.path);
    auto slot = q.step() ? 1 - static_cast<int>(q.int64(0)) : 0;
    i = next_slot_.emplace(cp.path, slot).first;
  }
  // SQLite: one writer per file, so the next number is known here. On
  // PostgreSQL several nodes save checkpoints: the number comes from the
  // checkpoint_seq sequence (reserved for the transaction), so a later save
  // always has a larger one, on whichever node it happened.
  auto seq = db_->dialect() == sql_dialect::sqlite
                 ? last_seq_ + 1
                 : static_cast<uint64_t>(
                       next_of(checkpoint_seqs_, reserve_seqs_, reserve_checkpoint_seqs_sql));
  auto& s = stmt(save_cp_, "INSERT INTO checkpoints "
                           "(path, slot, kind, format_version, blob, crc32, updated_at, seq) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path, slot) DO UPDATE "
                           "SET kind = excluded.kind, seq = excluded.seq, "
                           "format_version = excluded.format_version, blob = excluded.blob, "
                           "crc32 = excluded.crc32, updated_at = excluded.updated_at");
  statement_reset guard{s};
  s.bind(1, cp.path);
  s.bind(2, i->second);
  s.bind(3, cp.kind);
  s.bind(4, static_cast<int64_t>(cp.format_version));
  s.bind_blob(5, cp.blob.data(), cp.blob.size());
  s.bind(6, static_cast<int64_t>(cp.crc32));
  s.bind(7, cp.updated_at_ms != 0 ? cp.updated_at_ms : runtime::unix_now_ms());
  s.bind(8, static_cast<int64_t>(seq));
  s.send();
  last_seq_ = std::max(last_seq_, seq);
  i->second = 1 - i->second;
  return seq;
}

caf::expected<ledger_receipt> store_core::append_ledger(const ledger_txn& txn) {
  if (auto err = validate(txn))
    return err;
  if (auto known = find_txn(txn.idempotency_key)) {
    known->replayed = true;
    return *known;
  }
  // New balances first, with overflow checks, before anything is written.
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> deltas;
  for (auto& leg : txn.legs) {
    auto& d = deltas[{leg.account, leg.asset, leg.bucket}];
    if (__builtin_add_overflow(d, leg.amount, &d))
      return invalid("ledger transaction " + txn.idempotency_key + ": amounts overflow");
  }
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> next;
  for (auto& [key, delta] : deltas) {
    auto current = balance(std::get<0>(key), std::get<1>(key), std::get<2>(key));
    int64_t result = 0;
    if (__builtin_add_overflow(current, delta, &result))
      return caf::error{store_errc::amount_overflow,
                        "ledger transaction " + txn.idempotency_key + ": the balance of " +
                            std::get<0>(key) + " " + std::get<1>(key) + " would overflow"};
    // The last line of defence for user money: whatever an actor believed,
    // a user account's bucket never goes below zero.
    if (result < 0 && !is_system_account(std::get<0>(key)))
      return caf::error{store_errc::negative_balance,
                        "ledger transaction " + txn.idempotency_key + ": " + std::get<0>(key) +
                            " " + std::get<1>(key) + " " + std::get<2>(key) + " would be " +
                            std::to_string(result) + " (now " + std::to_string(current) + ")"};
    next[key] = result;
  }
  auto now = runtime::unix_now_ms();
  int64_t txn_id = 0;
  if (db_->dialect() == sql_dialect::sqlite) {
    auto& ins = stmt(insert_txn_, "INSERT INTO ledger_transactions "
                                  "(idempotency_key, kind, memo, created_at) VALUES (?, ?, ?, ?) "
                                  "RETURNING id");
    statement_reset guard{ins};
    ins.bind(1, txn.idempotency_key);
    ins.bind(2, txn.kind);
    ins.bind(3, txn.memo);
    ins.bind(4, now);
    if (ins.step())
      txn_id = ins.int64(0);
    ins.exec();
  } else {
    // The id reserved ahead: nothing of this transaction waits for a reply.
    txn_id = next_of(txn_ids_, reserve_txn_ids_, reserve_txn_ids_sql);
    auto& ins = stmt(insert_txn_, "INSERT INTO ledger_transactions "
                                  "(id, idempotency_key, kind, memo, created_at) "
                                  "VALUES (?, ?, ?, ?, ?)");
    statement_reset guard{ins};
    ins.bind(1, txn_id);
    ins.bind(2, txn.idempotency_key);
    ins.bind(3, txn.kind);
    ins.bind(4, txn.memo);
    ins.bind(5, now);
    ins.send();
  }
  if (in_txn_)
    rows_.txns[txn.idempotency_key] = ledger_receipt{static_cast<uint64_t>(txn_id), now, false};
  auto& leg_stmt = stmt(insert_leg_, "INSERT INTO ledger_entries "
                                     "(txn_id, account, asset, bucket, amount) "
                                     "VALUES (?, ?, ?, ?, ?)");
  for (auto& leg : txn.legs) {
    statement_reset guard{leg_stmt};
    leg_stmt.bind(1, txn_id);
    leg_stmt.bind(2, leg.account);
    leg_stmt.bind(3, leg.asset);
    leg_stmt.bind(4, leg.bucket);
    leg_stmt.bind(5, leg.amount);
    leg_stmt.send();
  }
  auto& put = stmt(put_balance_, "INSERT INTO balances (account, asset, bucket, amount) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT (account, asset, bucket) "
                                 "DO UPDATE SET amount = excluded.amount");
  for (auto& [key, amount] : next) {
    statement_reset guard{put};
    put.bind(1, std::get<0>(key));
    put.bind(2, std::get<1>(key));
    put.bind(3, std::get<2>(key));
    put.bind(4, amount);
    put.send();
    if (in_txn_)
      rows_.balances[key] = amount;
  }
  return ledger_receipt{static_cast<uint64_t>(txn_id), now, false};
}

caf::expected<bool> store_core::record_order(const order_record& x) {
  if (auto err = validate(x))
    return err;
  auto& s = stmt(insert_order_,
                 "INSERT INTO orders (client_order_id, agent, account, venue, symbol, side, type, "
                 "price, qty, status, created_at, updated_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (client_order_id) DO NOTHING");
  statement_reset guard{s};
  auto ts = x.created_at_ms != 0 ? x.created_at_ms : runtime::unix_now_ms();
  s.bind(1, x.client_order_id);
  s.bind(2, x.agent);
  s.bind(3, x.account);
  s.bind(4, x.venue);
  s.bind(5, x.symbol);
  s.bind(6, x.side);
  s.bind(7, x.type);
  s.bind(8, x.price);
  s.bind(9, x.qty);
  s.bind(10, x.status.empty() ? std::string{"new"} : x.status);
  s.bind(11, ts);
  s.bind(12, ts);
  return s.exec() == 1;
}

caf::expected<order_update_result> store_core::update_order(const order_update& x) {
  if (x.client_order_id.empty())
    return invalid("an order update needs a client order id");
  order_update_result result;
  for (auto f : x.fills) {
    if (f.client_order_id.empty())
      f.client_order_id = x.client_order_id;
    if (f.client_order_id != x.client_order_id) {
      result.refused.push_back("fill " + f.venue + "/" + f.venue_fill_id + " names order " +
                               f.client_order_id + " in an update of " + x.client_order_id);
      continue;
    }
    auto written = record_fill(f);
    if (written) {
      ++(*written ? result.fills_new : result.fills_replayed);
    } else if (written.error() == store_errc::unknown_order) {
      return std::move(written.error());
    } else {
      result.refused.push_back(runtime::message_of(written.error()));
    }
  }
  if (x.status.empty() && x.venue.empty() && x.filled < 0 && x.reason.empty()) {
    if (x.fills.empty())
      return invalid("order update of " + x.client_order_id + " changes nothing");
    return result;
  }
  if (x.filled >= 0) {
    // The venue's word is written as it came; more than the fills on record
    // is an incident now and a finding of `tfarm db check` later. (Less is
    // a report older than fills recorded since: it changes nothing.)
    auto& q = stmt(fills_sum_, "SELECT COALESCE(SUM(qty), 0) FROM fills WHERE client_order_id = ?");
    statement_reset guard{q};
    q.bind(1, x.client_order_id);
    auto sum = q.step() ? q.int64(0) : 0;
    if (x.filled > sum)
      result.refused.push_back("order " + x.client_order_id + ": the venue reports " +
                               std::to_string(x.filled) + " filled, its recorded fills sum to " +
                               std::to_string(sum));
  }
  // Only forward: a late or reordered report (answers overtake each other
  // on a slow link) never reopens a final order, moves a status back or
  // lowers what was filled.
  auto& s = stmt(update_order_,
                 "UPDATE orders SET "
                 "status = CASE WHEN ?1 = '' OR status IN ('filled', 'cancelled', 'rejected') OR "
                 "  (CASE ?1 WHEN 'new' THEN 0 WHEN 'pending' THEN 0 WHEN 'unknown' THEN 0 "
                 "    WHEN 'open' THEN 1 WHEN 'partially_filled' THEN 2 ELSE 3 END) < "
                 "  (CASE status WHEN 'new' THEN 0 WHEN 'pending' THEN 0 WHEN 'unknown' THEN 0 "
                 "    WHEN 'open' THEN 1 WHEN 'partially_filled' THEN 2 ELSE 3 END) "
                 "  THEN status ELSE ?1 END, "
                 "venue = COALESCE(NULLIF(?2, ''), venue), "
                 "filled = CASE WHEN ?3 > filled THEN ?3 ELSE filled END, "
                 "reason = CASE WHEN ?4 = '' THEN reason ELSE ?4 END, "
                 "updated_at = ?5 WHERE client_order_id = ?6");
  statement_reset guard{s};
  s.bind(1, x.status);
  s.bind(2, x.venue);
  s.bind(3, x.filled);
  s.bind(4, x.reason);
  s.bind(5, x.updated_at_ms != 0 ? x.updated_at_ms : runtime::unix_now_ms());
  s.bind(6, x.client_order_id);
  if (s.exec() == 0)
    return caf::error{store_errc::unknown_order,
                      "order " + x.client_order_id + " was never recorded"};
  return result;
}

caf::expected<order_record> store_core::load_order(const std::string& client_order_id) {
  auto& q = stmt(load_order_, "SELECT agent, account, venue, symbol, side, type, price, qty, "
                              "status, created_at, filled, reason FROM orders "
                              "WHERE client_order_id = ?");
  statement_reset guard{q};
  q.bind(1, client_order_id);
  if (!q.step())
    return caf::error{store_errc::unknown_order,
                      "order " + client_order_id + " was never recorded"};
  order_record x;
  x.client_order_id = client_order_id;
  x.agent = q.text(0);
  x.account = q.text(1);
  x.venue = q.text(2);
  x.symbol = q.text(3);
  x.side = q.text(4);
  x.type = q.text(5);
  x.price = q.int64(6);
  x.qty = q.int64(7);
  x.status = q.text(8);
  x.created_at_ms = q.int64(9);
  x.filled = q.int64(10);
  x.reason = q.text(11);
  return x;
}

caf::expected<agent_book> store_core::load_agent_book(const agent_book_query& q) {
  // Rare (agent starts), so the statements are not cached.
  agent_book result;
  auto fills_stmt = db_->prepare(
      "SELECT f.venue_fill_id, f.client_order_id, f.price, f.qty, f.fee, f.ts, o.symbol, "
      "o.side, f.venue, EXISTS (SELECT 1 FROM legacy_fill_keys l WHERE l.venue = f.venue "
      "AND l.client_order_id = f.client_order_id AND l.venue_fill_id = f.venue_fill_id) "
      "FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id "
      "WHERE o.agent = ? ORDER BY f.rowid");
  auto& fills = *fills_stmt;
  fills.bind(1, q.agent);
  while (fills.step()) {
    agent_fill x;
    x.fill.venue_fill_id = fills.text(0);
    x.fill.client_order_id = fills.text(1);
    x.fill.price = fills.int64(2);
    x.fill.qty = fills.int64(3);
    x.fill.fee = fills.int64(4);
    x.fill.ts_ms = fills.int64(5);
    x.symbol = fills.text(6);
    x.side = fills.text(7);
    x.fill.venue = fills.text(8);
    x.legacy_key = static_cast<int>(fills.int64(9)) != 0;
    result.fills.push_back(std::move(x));
  }
  auto orders_stmt =
      db_->prepare("SELECT client_order_id, agent, account, venue, symbol, side, type, price, qty, "
                   "status, created_at FROM orders WHERE agent = ? AND (status NOT IN "
                   "('filled', 'cancelled', 'rejected') OR client_order_id IN (SELECT id FROM "
                   "vault_reservations WHERE account = ? AND state = 'open' AND ? != '' AND "
                   "substr(id, 1, ?) = ?)) ORDER BY created_at");
  auto& orders = *orders_stmt;
  orders.bind(1, q.agent);
  orders.bind(2, q.account);
  orders.bind(3, q.reservation_prefix);
  orders.bind(4, static_cast<int64_t>(q.reservation_prefix.size()));
  orders.bind(5, q.reservation_prefix);
  while (orders.step()) {
    order_record x;
    x.client_order_id = orders.text(0);
    x.agent = orders.text(1);
    x.account = orders.text(2);
    x.venue = orders.text(3);
    x.symbol = orders.text(4);
    x.side = orders.text(5);
    x.type = orders.text(6);
    x.price = orders.int64(7);
    x.qty = orders.int64(8);
    x.status = orders.text(9);
    x.created_at_ms = orders.int64(10);
    result.open_orders.push_back(std::move(x));
  }
  auto count_stmt = db_->prepare("SELECT COUNT(*) FROM orders WHERE agent = ?");
  auto& count = *count_stmt;
  count.bind(1, q.agent);
  if (count.step())
    result.order_count = static_cast<uint64_t>(count.int64(0));
  auto newest_stmt = db_->prepare("SELECT client_order_id FROM orders WHERE agent = ? "
                                  "ORDER BY created_at DESC, rowid DESC LIMIT 1");
  auto& newest = *newest_stmt;
  newest.bind(1, q.agent);
  if (newest.step())
    result.newest_ids.push_back(newest.text(0));
  if (!q.reservation_prefix.empty()) {
    auto res_stmt = db_->prepare("SELECT id FROM vault_reservations WHERE account = ? AND "
                                 "substr(id, 1, ?) = ? ORDER BY created_at DESC LIMIT 1");
    auto& res = *res_stmt;
    res.bind(1, q.account);
    res.bind(2, static_cast<int64_t>(q.reservation_prefix.size()));
    res.bind(3, q.reservation_prefix);
    if (res.step())
      result.newest_ids.push_back(res.text(0));
  }
  if (!q.reservation_prefix.empty()) {
    auto res_stmt = db_->prepare("SELECT id FROM vault_reservations WHERE account = ? "
                                 "AND state = 'open' AND substr(id, 1, ?) = ? ORDER BY created_at");
    auto& res = *res_stmt;
    res.bind(1, q.account);
    res.bind(2, static_cast<int64_t>(q.reservation_prefix.size()));
    res.bind(3, q.reservation_prefix);
    while (res.step())
      result.open_reservations.push_back(res.text(0));
  }
  return result;
}

caf::expected<credential_record> store_core::load_credential(const std::string& venue,
                                                             const std::string& account) {
  return active_credential(*db_, venue, account);
}

caf::expected<bool> store_core::record_fill(const fill_record& x) {
  if (auto err = validate(x))
    return err;
  auto conflict = [&](const std::string& why) {
    return caf::error{store_errc::fill_conflict,
                      "fill " + x.venue + "/" + x.venue_fill_id + " of order " + x.client_order_id +
                          " (" + std::to_string(x.qty) + " at " + std::to_string(x.price) +
                          ", fee " + std::to_string(x.fee) + ") " + why};
  };
  std::string side;
  std::string type;
  int64_t limit = 0;
  int64_t qty = 0;
  {
    auto& q =
        stmt(order_of_fill_, "SELECT side, type, price, qty FROM orders WHERE client_order_id = ?");
    statement_reset guard{q};
    q.bind(1, x.client_order_id);
    if (!q.step())
      return caf::error{store_errc::unknown_order, "fill " + x.venue_fill_id + " is for order " +
                                                       x.client_order_id +
                                                       ", which was never recorded"};
    side = q.text(0);
    type = q.text(1);
    limit = q.int64(2);
    qty = q.int64(3);
  }
  {
    auto& q = stmt(find_fill_, "SELECT price, qty, fee FROM fills WHERE venue = ? AND "
                               "client_order_id = ? AND venue_fill_id = ?");
    statement_reset guard{q};
    q.bind(1, x.venue);
    q.bind(2, x.client_order_id);
    q.bind(3, x.venue_fill_id);
    if (q.step()) {
      fill_record known = x;
      known.price = q.int64(0);
      known.qty = q.int64(1);
      known.fee = q.int64(2);
      if (same_fill(known, x))
        return false;
      return conflict("was recorded before as " + std::to_string(known.qty) + " at " +
                      std::to_string(known.price) + ", fee " + std::to_string(known.fee));
    }
  }
  {
    auto& q = stmt(fills_sum_, "SELECT COALESCE(SUM(qty), 0) FROM fills WHERE client_order_id = ?");
    statement_reset guard{q};
    q.bind(1, x.client_order_id);
    auto sum = q.step() ? q.int64(0) : 0;
    if (sum + x.qty > qty)
      return conflict("would fill " + std::to_string(sum + x.qty) + " of an order of " +
                      std::to_string(qty));
  }
  if (type == "limit" && (side == "buy" ? x.price > limit : x.price < limit))
    return conflict("is beyond the order's limit: " + side + " at " + std::to_string(limit));
  auto& s = stmt(insert_fill_, "INSERT INTO fills "
                               "(venue, client_order_id, venue_fill_id, price, qty, fee, ts) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)");
  statement_reset guard{s};
  s.bind(1, x.venue);
  s.bind(2, x.client_order_id);
  s.bind(3, x.venue_fill_id);
  s.bind(4, x.price);
  s.bind(5, x.qty);
  s.bind(6, x.fee);
  s.bind(7, x.ts_ms != 0 ? x.ts_ms : runtime::unix_now_ms());
  s.exec();
  return true;
}

uint64_t store_core::append_audit(audit_record x) {
  auto& s = stmt(insert_audit_, "INSERT INTO audit_logs (ts, actor, \"user\", action, detail) "
                                "VALUES (?, ?, ?, ?, ?) RETURNING id");
  statement_reset guard{s};
  s.bind(1, x.ts_ms != 0 ? x.ts_ms : runtime::unix_now_ms());
  s.bind(2, x.actor);
  s.bind(3, x.user);
  s.bind(4, x.action);
  s.bind(5, x.detail);
  auto id = s.step() ? s.int64(0) : 0;
  s.exec();
  return static_cast<uint64_t>(id);
}

uint64_t store_core::save_alert(const alert_record& x) {
  auto now = runtime::unix_now_ms();
  if (x.id == 0) {
    auto& s = stmt(insert_alert_, "INSERT INTO alerts (rule, severity, state, message, fired_at, "
                                  "updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    statement_reset guard{s};
    s.bind(1, x.rule);
    s.bind(2, x.severity);
    s.bind(3, x.state);
    s.bind(4, x.message);
    s.bind(5, x.fired_at_ms != 0 ? x.fired_at_ms : now);
    s.bind(6, x.updated_at_ms != 0 ? x.updated_at_ms : now);
    auto id = s.step() ? s.int64(0) : 0;
    s.exec();
    return static_cast<uint64_t>(id);
  }
  auto& s = stmt(update_alert_, "UPDATE alerts SET severity = ?, state = ?, message = ?, "
                                "updated_at = ? WHERE id = ?");
  statement_reset guard{s};
  s.bind(1, x.severity);
  s.bind(2, x.state);
  s.bind(3, x.message);
  s.bind(4, x.updated_at_ms != 0 ? x.updated_at_ms : now);
  s.bind(5, static_cast<int64_t>(x.id));
  s.exec();
  return x.id;
}

// -- reads ----------------------------------------------------------------------------

std::vector<alert_record> store_core::load_alerts(bool open_only, uint32_t limit) {
  auto q_stmt = db_->prepare("SELECT id, rule, severity, state, message, fired_at, updated_at "
                             "FROM alerts WHERE ? = 0 OR state != 'resolved' ORDER BY id DESC "
                             "LIMIT ?");
  auto& q = *q_stmt;
  q.bind(1, open_only ? 1 : 0);
  q.bind(2, static_cast<int64_t>(std::min(limit, config::audit_query_rows_max)));
  std::vector<alert_record> result;
  while (q.step()) {
    alert_record x;
    x.id = static_cast<uint64_t>(q.int64(0));
    x.rule = q.text(1);
    x.severity = q.text(2);
    x.state = q.text(3);
    x.message = q.text(4);
    x.fired_at_ms = q.int64(5);
    x.updated_at_ms = q.int64(6);
    result.push_back(std::move(x));
  }
  return result;
}

std::vector<runtime::checkpoint> store_core::load_checkpoints(const std::string& path) {
  auto& q = stmt(load_cp_, "SELECT path, kind, seq, format_version, blob, crc32, updated_at "
                           "FROM checkpoints WHERE path = ? ORDER BY seq DESC");
  statement_reset guard{q};
  q.bind(1, path);
  std::vector<runtime::checkpoint> result;
  while (q.step())
    result.push_back(read_checkpoint(q));
  return result;
}

std::vector<runtime::checkpoint> store_core::load_all_checkpoints() {
  auto q_stmt = db_->prepare("SELECT path, kind, seq, format_version, blob, crc32, updated_at "
                             "FROM checkpoints ORDER BY path, seq DESC");
  auto& q = *q_stmt;
  std::vector<runtime::checkpoint> result;
  while (q.step())
    result.push_back(read_checkpoint(q));
  return result;
}

std::vector<audit_record> store_core::query_audit(int64_t since_ms, uint32_t limit) {
  // The newest `limit` records of the window, oldest first.
  auto q_stmt = db_->prepare("SELECT id, ts, actor, \"user\", action, detail FROM ("
                             "SELECT * FROM audit_logs WHERE ts >= ? ORDER BY ts DESC, id DESC "
                             "LIMIT ?) AS newest ORDER BY ts, id");
  auto& q = *q_stmt;
  q.bind(1, since_ms);
  q.bind(2, static_cast<int64_t>(std::min(limit, config::audit_query_rows_max)));
  std::vector<audit_record> result;
  while (q.step()) {
    audit_record x;
    x.id = static_cast<uint64_t>(q.int64(0));
    x.ts_ms = q.int64(1);
    x.actor = q.text(2);
    x.user = q.text(3);
    x.action = q.text(4);
    x.detail = q.text(5);
    result.push_back(std::move(x));
  }
  return result;
}

int64_t store_core::balance(const std::string& account, const std::string& asset,
                            const std::string& bucket) {
  balance_key key{account, asset, bucket};
  if (in_txn_)
    if (auto i = rows_.balances.find(key); i != rows_.balances.end())
      return i->second;
  auto& q = stmt(get_balance_, "SELECT amount FROM balances "
                               "WHERE account = ? AND asset = ? AND bucket = ?");
  statement_reset guard{q};
  q.bind(1, account);
  q.bind(2, asset);
  q.bind(3, bucket);
  auto amount = q.step() ? q.int64(0) : 0;
  if (in_txn_)
    rows_.balances.emplace(std::move(key), amount);
  return amount;
}

std::optional<ledger_receipt> store_core::find_txn(const std::string& key) {
  if (in_txn_)
    if (auto i = rows_.txns.find(key); i != rows_.txns.end())
      return i->second;
  auto& q = stmt(find_txn_, "SELECT id, created_at FROM ledger_transactions "
                            "WHERE idempotency_key = ?");
  statement_reset guard{q};
  q.bind(1, key);
  std::optional<ledger_receipt> result;
  if (q.step())
    result = ledger_receipt{static_cast<uint64_t>(q.int64(0)), q.int64(1), false};
  if (in_txn_)
    rows_.txns.emplace(key, result);
  return result;
}

caf::error store_core::check_fence(const write_fence& f) {
  int64_t epoch = 0;
  if (auto i = rows_.epochs.find(f.user); in_txn_ && i != rows_.epochs.end()) {
    epoch = i->second;
  } else {
    auto& q = stmt(lease_epoch_, db_->dialect() == sql_dialect::postgresql
                                     ? "SELECT epoch FROM user_leases WHERE \"user\" = ? FOR SHARE"
                                     : "SELECT epoch FROM user_leases WHERE \"user\" = ?");
    statement_reset guard{q};
    q.bind(1, f.user);
    epoch = q.step() ? q.int64(0) : 0;
    if (in_txn_)
      rows_.epochs.emplace(f.user, epoch);
  }
  if (f.epoch > 0 && epoch == f.epoch)
    return {};
  if (f.epoch == 0)
    return caf::error{store_errc::fenced, "write for user " + f.user +
                                              " refused: this member does not own the user "
                                              "(its epoch is " +
                                              std::to_string(epoch) + ")"};
  return caf::error{store_errc::fenced,
                    "write for user " + f.user + " under epoch " + std::to_string(f.epoch) +
                        " refused: the user's epoch is " + std::to_string(epoch) +
                        " (another member owns it now)"};
}

void store_core::note_fenced_write(const write_fence& f, const std::string& node) {
  // Insert only: its number (the store's order) comes from an identity
  // column on PostgreSQL, SQLite's rowid on its single writer. Queued with
  // the transaction's other writes (no round trip of its own).
  auto& q =
      stmt(note_user_write_, "INSERT INTO user_writes (\"user\", epoch, node) VALUES (?, ?, ?)");
  statement_reset guard{q};
  q.bind(1, f.user);
  q.bind(2, f.epoch);
  q.bind(3, node);
  q.send();
}

std::optional<std::string> store_core::account_user(const std::string& account, bool may_query) {
  if (auto i = account_users_.find(account); i != account_users_.end())
    return i->second;
  if (!may_query)
    return std::nullopt;
  auto& q = stmt(account_user_, "SELECT \"user\" FROM accounts WHERE id = ?");
  statement_reset guard{q};
  q.bind(1, account);
  if (!q.step())
    return std::string{};
  auto user = q.text(0);
  account_users_.emplace(account, user);
  return user;
}

std::optional<std::string> store_core::order_agent(const std::string& client_order_id,
                                                   bool may_query) {
  if (auto i = order_agents_.find(client_order_id); i != order_agents_.end())
    return i->second;
  if (!may_query)
    return std::nullopt;
  auto& q = stmt(order_agent_, "SELECT agent FROM orders WHERE client_order_id = ?");
  statement_reset guard{q};
  q.bind(1, client_order_id);
  if (!q.step())
    return std::string{};
  auto agent = q.text(0);
  if (order_agents_.size() >= order_agents_cached_max)
    order_agents_.clear();
  order_agents_.emplace(client_order_id, agent);
  return agent;
}

std::vector<trading_finding> store_core::check_trading() {
  return persistence::check_trading(*db_);
}

} // namespace tfarm::persistence
