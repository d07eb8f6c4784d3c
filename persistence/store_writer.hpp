// Private to tfarm::persistence: the threads that run the store actor's SQL.
//
// The writer thread owns the write connection (a store_core) and runs the
// batches of writes, one transaction each, in submission order. Reads run
// on a pool of reader threads, each with a connection of its own (the
// writer and the readers never share one), up to `readers` at once; a read
// waits until every write submitted before it is done, so it sees them.
// Finished work is parked and the actor poked with writer_done_atom.
//
// A server that goes away (PostgreSQL) fails what was in flight with
// store_errc::unavailable -- never acknowledged, so its writers try again
// under the same idempotency keys -- and the writer reconnects with
// backoff, refusing writes at once meanwhile. A batch that conflicts with
// another node's writes (serialization failure) runs again after a short
// randomized pause, up to store_conflict_retries_max times. Thread-safety: submit(),
// take_completed() and stop() may be called from any thread; everything else runs on the writer
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "persistence/account_placement.hpp"
#include "persistence/audit_record.hpp"
#include "persistence/credentials.hpp"
#include "persistence/database.hpp"
#include "persistence/farm_switch.hpp"
#include "persistence/ledger_txn.hpp"
#include "persistence/trade_records.hpp"
#include "persistence/trading_check.hpp"
#include "persistence/vault_records.hpp"
#include "persistence/write_fence.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

class store_core;

struct load_checkpoints_op {
  std::string path;
};

struct query_audit_op {
  int64_t since_ms = 0;
  uint32_t limit = 0;
};

/// Does nothing; answered once everything before it is done (flush).
struct barrier_op {};

struct load_vault_account_op {
  std::string account;
  int64_t since_ms = 0;
  uint32_t keep = 0;
};

struct load_reservation_op {
  std::string account;
  std::string id;
};

struct load_accounts_op {};

struct account_placement_op {
  std::string account;
};

struct load_vault_op_op {
  std::string key;
};

struct pending_transfers_op {};

struct load_switches_op {
  std::string prefix;
};

struct ledger_totals_op {};

struct trading_check_op {};

struct load_order_op {
  std::string client_order_id;
};

struct load_agent_book_op {
  agent_book_query query;
};

struct load_alerts_op {
  bool open_only = true;
  uint32_t limit = 0;
};

struct load_credential_op {
  std::string venue;
  std::string account;
};

struct store_job {
  // Writes first: is_write() relies on the order.
  std::variant<runtime::checkpoint, ledger_txn, order_record, fill_record, audit_record,
               account_record, vault_write, order_update, alert_record, farm_switch,
               load_checkpoints_op, query_audit_op, barrier_op, load_vault_account_op,
               load_accounts_op, ledger_totals_op, load_credential_op, load_order_op,
               load_agent_book_op, load_alerts_op, trading_check_op, account_placement_op,
               load_vault_op_op, pending_transfers_op, load_switches_op, load_reservation_op>
      op;

  /// Set for a write of a user a cluster member owns: refused (fenced)
  /// unless the user's epoch is still this one. With fencing on (a
  /// cluster member's store) the writer fills it in from what the write
  /// touches and the epochs the node holds (set_fence()).
  std::optional<write_fence> fence{};

  bool is_write() const noexcept { return op.index() <= 9; }
};

struct store_result {
  caf::error error;
  std::variant<std::monostate, uint64_t, ledger_receipt, bool, std::vector<runtime::checkpoint>,
               std::vector<audit_record>, account_record, vault_write_result, vault_account_data,
               std::vector<account_record>, ledger_totals, credential_record, order_record,
               agent_book, std::vector<alert_record>, order_update_result,
               std::vector<trading_finding>, account_placement, std::vector<vault_op_record>,
               std::vector<farm_switch>, std::vector<reservation_record>>
      value;
};

/// What the writer finished: one submission's results, in job order.
struct store_completion {
  uint64_t id = 0;
  std::vector<store_result> results;
  /// Set for a batch that committed.
  bool committed = false;
  int64_t commit_us = 0;
  /// Why the batch (or the whole store) failed, if it did.
  caf::error failure;
};

class store_writer {
public:
  /// Starts the writer thread, which opens `file` with `opts`, and a
  /// reader thread; more readers (each with its connection) join while
  /// reads wait for one, up to `readers`. Pokes `owner` with
  /// writer_done_atom whenever work completes.
  store_writer(std::string file, open_options opts, caf::actor owner, size_t readers = 1);

  /// Stops after the submitted work is done, then joins the thread.
  ~store_writer();

  store_writer(const store_writer&) = delete;
  store_writer& operator=(const store_writer&) = delete;

  /// Queues jobs; a batch of writes runs in one transaction on the writer;
  /// anything else is reads, run on a reader after the writes before it.
  void submit(uint64_t id, std::vector<store_job> jobs, bool batch);

  /// Finished submissions, oldest first.
  std::vector<store_completion> take_completed();

  /// Finishes the queued work, joins the thread, drops the owner handle.
  void stop();

  /// Set once opening the database failed (the store cannot work).
  caf::error open_error() const;

  /// Since when the database is unreachable (Unix ms; 0 while connected).
  int64_t down_since_ms() const noexcept { return down_since_ms_.load(); }

  /// Turns fencing on (a cluster member): from then on every write of a
  /// user's data -- its agents' checkpoints and orders, its accounts'
  /// vault writes, its sessions' checkpoints, fills and order updates --
  /// is refused (store_errc::fenced) unless this node holds the user
  /// under the epoch that is current in user_leases, checked in the
  /// write's own transaction. Writes of no user (audit, alerts, the
  /// node's own actors) pass. Each transaction notes the users it wrote
  /// for in user_writes, under `node` (the member's name) and the epoch.
  /// Call before the first write.
  void enable_fencing(std::string node);

  /// Sets the epoch this node holds `user` under (> 0), or drops it (0):
  /// writes submitted after the call see it. Thread-safe.
  void set_fence(const std::string& user, int64_t epoch);

  /// Writes refused because their user's epoch was not current.
  uint64_t fenced_refusals() const noexcept { return fenced_refusals_.load(); }

  /// Batches run again after a serialization conflict.
  uint64_t conflict_retries() const noexcept { return conflict_retries_.load(); }

private:
  struct submission {
    uint64_t id;
    std::vector<store_job> jobs;
    bool batch;
    /// Reads: the last write submission before it.
    uint64_t after = 0;
  };

  void run();
  void run_reader();
  void finish(store_completion done);
  /// A usable connection, reconnecting (at most once per backoff) if the
  /// last one broke; false while the database is unreachable.
  bool ensure_connected();
  void lost_connection(const caf::error& why);
  store_completion execute(submission& s);
  store_result execute_one(store_core& core, store_job& job);
  /// The users whose data `job` writes (none: not a user's write). With
  /// `may_query` false, only what needs no statement (the rest: nullopt).
  std::optional<std::vector<std::string>> users_of(const store_job& job, bool may_query);
  /// The epoch this node holds `user` under (0: not held).
  int64_t held_epoch(const std::string& user) const;
  /// The job's fences, checked inside the transaction (fenced if one is
  /// not current); none without fencing or for a read. Those that pass
  /// are appended to `passed`.
  caf::error check_fences(const store_job& job, bool fencing, std::vector<write_fence>& passed);

  /// Notes each (user, epoch) of `wrote` once in user_writes.
  void note_writes(std::vector<write_fence>& wrote);
  /// The pause before the batch runs again after conflict number
  /// `attempt` (0-based).
  std::chrono::microseconds conflict_pause(int attempt);

  std::string file_;
  open_options opts_;
  caf::actor owner_;
  std::unique_ptr<store_core> core_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<submission> queue_;
  std::deque<submission> reads_;
  std::condition_variable reads_cv_;
  /// The newest write submission handed to the writer / done by it.
  uint64_t last_write_submitted_ = 0;
  uint64_t last_write_done_ = 0;
  /// The writer opened its database (or failed to): readers may open theirs.
  bool writer_ready_ = false;
  /// Reader threads: one at first, up to readers_max_ while reads wait.
  size_t readers_max_ = 1;
  size_t idle_readers_ = 0;
  std::vector<std::thread> readers_;
  std::vector<store_completion> completed_;
  caf::error open_error_;
  bool stopping_ = false;
  // Writer thread only: the reconnect schedule and the newest reason.
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::minstd_rand rng_{std::random_device{}()};
  caf::error down_error_;
  std::atomic<int64_t> down_since_ms_{0};
  std::atomic<bool> fencing_{false};
  /// The member's name in user_writes (set before fencing_).
  std::string node_;
  mutable std::mutex fence_mtx_;
  std::unordered_map<std::string, int64_t> fences_;
  std::atomic<uint64_t> fenced_refusals_{0};
  std::atomic<uint64_t> conflict_retries_{0};
  /// set_fence() calls so far / as the writer last saw them.
  std::atomic<uint64_t> fence_changes_{0};
  uint64_t fence_changes_seen_ = 0;
  std::thread thread_;
};

} // namespace tfarm::persistence
