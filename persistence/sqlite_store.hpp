// The store actor: one per store node, owning one SQLite database.
//
// Pipelined group commit. The actor runs on CAF's scheduler and never blocks:
// it collects writes into an open batch, and a writer thread it owns runs
// each batch as one SQLite transaction (and the fsync of its COMMIT). While
// the writer commits batch N, writes that arrive join batch N+1. A batch is
// handed to the writer when the writer is idle, or when it holds
// `batch_rows_max` writes (or after `commit_wait`, when set). Each writer is
// answered only when its batch has committed; if any statement or the
// commit fails (disk full, read-only, corruption), the batch rolls back and
// every write in it gets the error: a write is refused, never acknowledged
// and lost. Reads go through the same FIFO after the writes that arrived
// before them, so they only ever see durable data.
//
// On stop or crash, on_exit hands over what is open, waits for the writer to
// finish (bounded by its fsyncs) and answers everything.
//
// Parameters (child_spec params, from the farm file's [store] table): db,
// synchronous, batch_rows_max, commit_wait_ms, busy_timeout_ms, and
// max_page_count (tests: makes SQLite report a full disk).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/metric_registry.hpp"

namespace tfarm::persistence {

class store_writer;
struct store_job;
struct store_result;

/// The "sqlite_store" kind's parameters.
struct sqlite_store_params {
  /// The database: an SQLite file or a postgresql:// URL.
  std::string db = "tfarm.db";
  /// SQLite's synchronous setting: "full" (durable before acknowledged) or
  /// "normal", "off" (tests and benchmarks).
  std::string synchronous = "full";
  int64_t batch_rows_max = config::store_batch_rows_default;
  /// How long a batch may wait for more writes, milliseconds.
  int64_t commit_wait_ms = 0;
  int64_t busy_timeout_ms = config::store_busy_timeout_ms_default;
  /// SQLite's max_page_count (0: SQLite's own limit); tests fill the disk with it.
  int64_t max_page_count = 0;
  /// PostgreSQL's statement timeout, milliseconds (0: none).
  int64_t statement_timeout_ms = config::store_statement_timeout_ms_default;
  /// Connections at most: the writer's and readers' (the runbook's
  /// CONNECTION_POOL_SIZE; at least 2).
  int64_t pool_size = config::connection_pool_size_default;
  /// A cluster member's store (docs/cluster.md): every write of a user's
  /// data is refused unless the node holds the user (set_fence_atom) under
  /// its current epoch.
  bool fenced = false;
  /// A cluster member's name: the checkpoints of the node's own actors
  /// (any path not of a user, its accounts or their sessions) are kept
  /// under /node/<name>, apart from the other members' ("": unscoped).
  std::string node_scope;
};

TFARM_PARAM_FIELDS(sqlite_store_params, db, synchronous, batch_rows_max, commit_wait_ms,
                   busy_timeout_ms, max_page_count, statement_timeout_ms, pool_size, fenced,
                   node_scope)

/// The /store child of a farm on SQLite ([store] settings).
runtime::child_spec sqlite_store_spec(const config::farm_config& farm);

class sqlite_store : public runtime::basic_managed_actor<store_actor::base> {
public:
  using super = runtime::basic_managed_actor<store_actor::base>;
  using params_type = sqlite_store_params;

  sqlite_store(caf::actor_config& cfg, runtime::spawn_context ctx);
  ~sqlite_store() override;

  behavior_type make_behavior() override;

  caf::invoke_message_result consume(caf::mailbox_element& x) override;

  void on_exit() override;

  /// The "sqlite_store" kind.
  static runtime::kind_info kind();

protected:
  std::string describe() const override;

private:
  using reply = std::function<void(store_result&)>;

  /// Adds a write to the open batch; `answer` runs once it committed.
  void add_write(store_job job, reply answer);
  /// Hands the open batch to the writer if the rules above allow.
  void maybe_submit(bool idle);
  void submit_open_batch();
  /// Queues a read behind everything submitted so far.
  void submit_read(store_job job, reply answer);
  /// Answers the writers of finished jobs.
  void collect();
  /// The path a checkpoint of `path` is stored under (node scope), and back.
  std::string stored_path(const std::string& path) const;
  std::string actor_path(const std::string& stored) const;

  std::string file_;
  std::string synchronous_ = "full";
  int32_t batch_rows_max_;
  std::chrono::milliseconds commit_wait_{0};
  std::chrono::milliseconds busy_timeout_;
  int64_t max_page_count_ = 0;
  std::chrono::milliseconds statement_timeout_{0};
  int64_t pool_size_ = 2;
  bool fenced_ = false;
  /// Users this member stopped holding (fence epoch 0): their checkpoints
  /// are refused here at once, not queued behind a writer that may be
  /// waiting on a server that does not answer (a stop must not wait).
  std::set<std::string> dropped_users_;
  uint64_t refused_unheld_ = 0;
  /// "/node/<name>" for a cluster member, else "".
  std::string scope_prefix_;
  /// The cluster member's name ("" outside a cluster).
  std::string member_;
  std::unique_ptr<store_writer> writer_;
  /// The open batch: jobs and their answers, in arrival order.
  std::vector<store_job> open_jobs_;
  std::vector<reply> open_replies_;
  /// Answers of submitted jobs, by job id.
  std::vector<std::pair<uint64_t, std::vector<reply>>> submitted_;
  uint64_t next_job_id_ = 0;
  size_t jobs_in_flight_ = 0;
  bool flush_armed_ = false;
  // Statistics for describe() and benchmarks.
  uint64_t commits_ = 0;
  uint64_t rows_committed_ = 0;
  uint64_t failed_batches_ = 0;
  uint64_t largest_batch_ = 0;
  int64_t last_commit_us_ = 0;
  std::string last_error_;
  // The node's metrics (null without a node): commit latency, rows, failed
  // batches and the jobs in flight.
  runtime::summary_metric* commit_seconds_ = nullptr;
  runtime::counter_metric* rows_total_ = nullptr;
  runtime::counter_metric* failed_total_ = nullptr;
  runtime::gauge_metric* queue_depth_ = nullptr;

  /// Sets the queue-depth gauge: jobs submitted and not finished, plus the
  /// writes waiting for the next batch.
  void publish_queue_depth();
};

} // namespace tfarm::persistence
