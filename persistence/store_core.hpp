// The store's SQL, synchronous, on one connection: what the store actor runs
// on its own thread, and what tests and tools call directly.
//
// The same code and SQL on SQLite and PostgreSQL (sql_connection.hpp).
// Writes happen inside a transaction the caller opens and commits (the
// actor groups many writers into one). Invalid input comes back as an error
// value before any SQL runs; database failures throw sql_error (the caller
// rolls back, classifies with persistence::classify and fails or retries
// the whole batch).
// Not thread-safe: one thread owns a store_core.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "persistence/account_placement.hpp"
#include "persistence/audit_record.hpp"
#include "persistence/credentials.hpp"
#include "persistence/farm_switch.hpp"
#include "persistence/ledger_txn.hpp"
#include "persistence/sql_connection.hpp"
#include "persistence/trade_records.hpp"
#include "persistence/trading_check.hpp"
#include "persistence/vault_records.hpp"
#include "persistence/write_fence.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

/// Orders whose agent a store connection remembers for fencing (then it
/// forgets them all and reads again).
constexpr size_t order_agents_cached_max = 100'000;

/// What a batch of writes will touch, gathered before it runs: on
/// PostgreSQL the store reads it with a few statements for the whole batch
/// rather than a round trip per row (on SQLite a read costs no round trip
/// and nothing is read ahead). A hint: what is missing is read when needed.
struct write_outline {
  /// Users whose writes carry a fence.
  std::vector<std::string> fenced_users;
  size_t checkpoints = 0;
  std::vector<const ledger_txn*> ledger_txns;
  std::vector<const vault_write*> vault_writes;
};

class store_core {
public:
  /// Takes an open, migrated connection.
  explicit store_core(std::unique_ptr<sql_connection> db);
  ~store_core();

  store_core(const store_core&) = delete;
  store_core& operator=(const store_core&) = delete;

  const std::string& file() const noexcept { return file_; }
  sql_connection& db() noexcept { return *db_; }

  // -- transactions ------------------------------------------------------------

  void begin();
  bool in_transaction() const noexcept { return in_txn_; }
  /// Reads ahead, inside the transaction, what a batch will need.
  void prefetch(const write_outline& w);
  void commit();
  /// Rolls back and forgets what the transaction assigned (sequence numbers)
  /// and read.
  void rollback() noexcept;

  // -- writes (inside a transaction) -----------------------------------------------

  /// Refuses (fenced, naming the epochs) unless `f.user`'s lease is held
  /// under `f.epoch` now. On PostgreSQL the lease row stays share-locked
  /// until the transaction ends, so no claim moves the epoch on before this
  /// transaction's writes commit; a claim that committed first makes this
  /// transaction a serialization conflict (run again, then refused).
  caf::error check_fence(const write_fence& f);

  /// Notes in user_writes that `node` wrote for `f.user` under `f.epoch`
  /// in this transaction, after check_fence passed it (queued, like the
  /// writes). The row's number is the store's order of the write, and the
  /// lease's share lock keeps an older epoch's writes before a newer
  /// one's: the fence proved per write (docs/cluster.md).
  void note_fenced_write(const write_fence& f, const std::string& node);

  /// The user an account belongs to ("" if there is no such account);
  /// nullopt when only a statement could tell and `may_query` is false.
  /// Remembered (an account never changes user).
  std::optional<std::string> account_user(const std::string& account, bool may_query);

  /// The agent path that recorded an order ("" if unknown); nullopt when
  /// only a statement could tell and `may_query` is false. Remembered,
  /// up to order_agents_cached_max.
  std::optional<std::string> order_agent(const std::string& client_order_id, bool may_query);

  /// Forgets what this connection remembered of paths' checkpoint slots:
  /// after a change of ownership another node may have saved them.
  void forget_path_slots() { next_slot_.clear(); }

  /// Stores a checkpoint as the newest of its path (the previous newest stays
  /// as the fallback); returns its sequence number.
  uint64_t save_checkpoint(const runtime::checkpoint& cp);

  /// Appends a balanced transaction and updates balances, or replays a known
  /// idempotency key.
  caf::expected<ledger_receipt> append_ledger(const ledger_txn& txn);

  /// True if recorded now, false if the client order id was known.
  caf::expected<bool> record_order(const order_record& x);

  /// A recorded order (unknown_order if none).
  caf::expected<order_record> load_order(const std::string& client_order_id);

  /// An agent's fills, orders not final yet and open reservations.
  caf::expected<agent_book> load_agent_book(const agent_book_query& q);

  /// Records the update's fills (each as record_fill; refused ones are
  /// listed in the result, the others written), then the order's status,
  /// venue, filled quantity and reason where given. Only forward: a final
  /// status stands, a working one never moves back (pending/unknown < open
  /// < partially_filled), `filled` never decreases. unknown_order if the
  /// order was never recorded.
  caf::expected<order_update_result> update_order(const order_update& x);

  /// The active credential of a venue and account (sealed).
  caf::expected<credential_record> load_credential(const std::string& venue,
                                                   const std::string& account);

  /// True if recorded now, false if the same fill (venue, order and venue
  /// fill id, with the same content) was recorded before. fill_conflict if
  /// it was recorded with other content, or its order cannot have it (more
  /// than the order's quantity, a price beyond its limit); unknown_order if
  /// its order was never recorded.
  caf::expected<bool> record_fill(const fill_record& x);

  /// Appends an audit record (ts 0 means now); returns its id.
  uint64_t append_audit(audit_record x);

  /// Inserts (id 0) or updates an alert; returns its id.
  uint64_t save_alert(const alert_record& x);

  /// Unresolved alerts (or the newest of any state), newest first.
  std::vector<alert_record> load_alerts(bool open_only, uint32_t limit);

  /// Records a vault account; returns the stored record (an account id is
  /// never reassigned: another user's id is an account_conflict error).
  caf::expected<account_record> open_account(const account_record& x);

  /// Writes one vault operation atomically (journal row, ledger transaction,
  /// reservations); a known key replays its first row and writes nothing.
  /// Refusals (unbalanced, negative balance, ...) write nothing either.
  caf::expected<vault_write_result> apply_vault_write(const vault_write& x);

  // -- reads -------------------------------------------------------------------

  /// The kept checkpoints of `path`, newest first.
  std::vector<runtime::checkpoint> load_checkpoints(const std::string& path);

  /// Every kept checkpoint (for restoring a whole node at start-up).
  std::vector<runtime::checkpoint> load_all_checkpoints();

  /// The newest `limit` records since `since_ms` (at most
  /// audit_query_rows_max), oldest first.
  std::vector<audit_record> query_audit(int64_t since_ms, uint32_t limit);

  int64_t balance(const std::string& account, const std::string& asset, const std::string& bucket);

  /// What an account actor restores itself from: balances, open
  /// reservations and the `keep` most recently closed at or after
  /// `since_ms`, every pending journal row and the `keep` newest created
  /// at or after `since_ms`, and the digests of that window's other keys.
  vault_account_data load_vault_account(const std::string& account, int64_t since_ms,
                                        uint32_t keep);

  /// Reservation `id` of `account`, if it was ever made.
  std::optional<reservation_record> load_reservation(const std::string& account,
                                                     const std::string& id);

  /// Every vault account, in id order.
  std::vector<account_record> load_accounts();

  /// Where `account` runs: its user, the user's owner and the owner's
  /// address (an owner whose lease ran out is none).
  account_placement load_account_placement(const std::string& account);

  /// Every transfer debit still waiting for its credit, oldest first.
  std::vector<vault_op_record> pending_transfers();

  /// The journal row of `key`, if any.
  std::optional<vault_op_record> load_vault_op(const std::string& key) { return find_op(key); }

  /// Sets a farm-wide switch, or puts it back to its default (an empty
  /// state: its row goes).
  caf::expected<bool> put_switch(const farm_switch& x);

  /// The switches whose names start with `prefix`, by name.
  std::vector<farm_switch> load_switches(const std::string& prefix);

  /// Ledger sums, the balances table and unbalanced transactions.
  ledger_totals load_ledger_totals();

  /// The trading invariants (trading_check.hpp).
  std::vector<trading_finding> check_trading();

  uint64_t last_seq() const noexcept { return last_seq_; }

  // -- validation (pure) ----------------------------------------------------------

  static caf::error validate(const runtime::checkpoint& x);
  static caf::error validate(const ledger_txn& x);
  static caf::error validate(const order_record& x);
  static caf::error validate(const farm_switch& x);
  static caf::error validate(const fill_record& x);
  static caf::error validate(const vault_write& x);

private:
  using balance_key = std::tuple<std::string, std::string, std::string>;

  /// Rows this transaction read or wrote, so each is read at most once per
  /// transaction (none outside one); a row not here is read from the
  /// database. Cleared at begin, commit, rollback and a savepoint's undo.
  struct txn_rows {
    std::unordered_map<std::string, std::optional<vault_op_record>> ops;
    std::unordered_map<std::string, std::optional<ledger_receipt>> txns;
    std::map<balance_key, int64_t> balances;
    std::map<std::pair<std::string, std::string>, bool> reservations;
    /// Lease epochs (0: the user has no lease row).
    std::unordered_map<std::string, int64_t> epochs;
    /// Accounts' chained write numbers (nullopt: no such account).
    std::unordered_map<std::string, std::optional<uint64_t>> write_seqs;
    void clear();
  };

  /// The journal row of `key`, if any.
  std::optional<vault_op_record> find_op(const std::string& key);

  /// The ledger transaction of an idempotency key, if any (replayed false).
  std::optional<ledger_receipt> find_txn(const std::string& key);

  bool reservation_exists(const std::string& account, const std::string& id);

  /// The account's last chained write number (vault_write::seq); nullopt
  /// if there is no such account.
  std::optional<uint64_t> account_write_seq(const std::string& account);

  /// Reserves `n` more numbers of a PostgreSQL sequence (`sql` takes the
  /// count) for this transaction, behind those reserved already.
  void reserve(std::vector<int64_t>& reserved, std::unique_ptr<sql_statement>& slot,
               const char* sql, size_t n);

  /// The next reserved number (one more reserved when none is left).
  int64_t next_of(std::vector<int64_t>& reserved, std::unique_ptr<sql_statement>& slot,
                  const char* sql);

  sql_statement& stmt(std::unique_ptr<sql_statement>& slot, const char* sql,
                      sql_connection::plan how = sql_connection::plan::cached);

  std::unique_ptr<sql_connection> db_;
  std::string file_;
  bool in_txn_ = false;
  uint64_t last_seq_ = 0;
  uint64_t seq_at_begin_ = 0;
  /// Slot (0/1) the next save of a path goes to; filled lazily (a path is
  /// saved by the one node that runs its actor).
  std::unordered_map<std::string, int> next_slot_;
  txn_rows rows_;
  /// Sequence numbers reserved for this transaction (PostgreSQL), the next
  /// at the back: checkpoint seq and ledger transaction ids.
  std::vector<int64_t> checkpoint_seqs_;
  std::vector<int64_t> txn_ids_;
  std::unique_ptr<sql_statement> reserve_seqs_;
  std::unique_ptr<sql_statement> reserve_txn_ids_;
  std::unique_ptr<sql_statement> prefetch_ops_;
  std::unique_ptr<sql_statement> prefetch_txns_;
  std::unique_ptr<sql_statement> prefetch_balances_;
  std::unique_ptr<sql_statement> prefetch_reservations_;
  std::unique_ptr<sql_statement> prefetch_write_seqs_;
  std::unique_ptr<sql_statement> lease_epoch_;
  std::unique_ptr<sql_statement> note_user_write_;
  std::unique_ptr<sql_statement> account_user_;
  std::unique_ptr<sql_statement> order_agent_;
  std::unordered_map<std::string, std::string> account_users_;
  std::unordered_map<std::string, std::string> order_agents_;
  std::unique_ptr<sql_statement> prefetch_epochs_;
  std::unique_ptr<sql_statement> save_cp_;
  std::unique_ptr<sql_statement> newest_slot_;
  std::unique_ptr<sql_statement> load_cp_;
  std::unique_ptr<sql_statement> find_txn_;
  std::unique_ptr<sql_statement> insert_txn_;
  std::unique_ptr<sql_statement> insert_leg_;
  std::unique_ptr<sql_statement> get_balance_;
  std::unique_ptr<sql_statement> put_balance_;
  std::unique_ptr<sql_statement> insert_order_;
  std::unique_ptr<sql_statement> order_of_fill_;
  std::unique_ptr<sql_statement> find_fill_;
  std::unique_ptr<sql_statement> update_order_;
  std::unique_ptr<sql_statement> load_order_;
  std::unique_ptr<sql_statement> insert_fill_;
  std::unique_ptr<sql_statement> fills_sum_;
  std::unique_ptr<sql_statement> insert_audit_;
  std::unique_ptr<sql_statement> insert_alert_;
  std::unique_ptr<sql_statement> update_alert_;
  std::unique_ptr<sql_statement> find_account_;
  std::unique_ptr<sql_statement> insert_account_;
  std::unique_ptr<sql_statement> find_op_;
  std::unique_ptr<sql_statement> insert_op_;
  std::unique_ptr<sql_statement> update_op_;
  std::unique_ptr<sql_statement> put_reservation_;
  std::unique_ptr<sql_statement> account_write_seq_;
  std::unique_ptr<sql_statement> put_account_write_seq_;
  std::unique_ptr<sql_statement> reservation_exists_;
};

} // namespace tfarm::persistence
