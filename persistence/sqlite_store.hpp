// The store actor: one per store node, owning one SQLite database.
//
// It runs detached (on its own thread), so blocking I/O never stalls CAF's
// scheduler. Writes are group-committed: a write opens a transaction if none
// is open and joins it; the transaction commits when no further message is
// waiting (or after `commit_wait`, or at `batch_rows_max` writes), and only
// then is every writer in it answered. If a commit or any statement in it
// fails (disk full, read-only, corruption), the transaction rolls back and
// every writer in it gets the error: a write is refused, never acknowledged
// and lost. Reads first commit what is pending, so they only ever see
// durable data.
//
// Parameters (child_spec params, from the farm file's [store] table): db,
// synchronous, batch_rows_max, commit_wait_ms, busy_timeout_ms, and
// max_page_count (tests: makes SQLite report a full disk).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "persistence/store_actor.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::persistence {

class store_core;

class sqlite_store : public runtime::basic_managed_actor<store_actor::base> {
public:
  using super = runtime::basic_managed_actor<store_actor::base>;

  sqlite_store(caf::actor_config& cfg, runtime::spawn_context ctx);
  ~sqlite_store() override;

  behavior_type make_behavior() override;

  caf::invoke_message_result consume(caf::mailbox_element& x) override;

  void on_exit() override;

  /// The "sqlite_store" kind (detached).
  static runtime::kind_info kind();

protected:
  std::string describe() const override;

private:
  struct pending_reply {
    std::function<void()> ok;
    std::function<void(const caf::error&)> fail;
  };

  /// Runs `op` (returning caf::expected<T>) inside the open transaction and
  /// answers once it commits.
  template <class T, class F>
  caf::result<T> write(F op);

  void after_write();
  void commit_now();
  void fail_batch(const caf::error& err);
  /// Commits what is pending so that a read sees only durable data.
  caf::error flush_for_read();

  std::string file_;
  std::string synchronous_ = "full";
  int32_t batch_rows_max_;
  std::chrono::milliseconds commit_wait_{0};
  std::chrono::milliseconds busy_timeout_;
  int64_t max_page_count_ = 0;
  std::unique_ptr<store_core> core_;
  std::vector<pending_reply> pending_;
  bool flush_armed_ = false;
  // Statistics for describe() and benchmarks.
  uint64_t commits_ = 0;
  uint64_t rows_committed_ = 0;
  uint64_t failed_batches_ = 0;
  uint64_t largest_batch_ = 0;
  int64_t last_commit_us_ = 0;
  std::string last_error_;
};

} // namespace tfarm::persistence
