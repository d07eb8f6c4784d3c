// An OTP-style supervisor actor.
//
// Strategies one_for_one, one_for_all and rest_for_one; restart types
// permanent, transient and temporary; restart intensity (more than
// `intensity` restarts within `period` make the supervisor stop its children
// and fail with restart_intensity_exceeded, which its own parent then
// handles: escalation); restart backoff with jitter; children started in
// order (a supervisor child counts as started once its own children have)
// and stopped in reverse order, each killed when it outlives its shutdown
// timeout; dynamic children through start_child / stop_child. A durable
// dynamic child (child_spec::durable) is in the supervisor's checkpoint
// before its start is acknowledged and leaves it before its stop is: it
// comes back after the supervisor's restart and the node's, after the
// static children.
//
// The supervisor holds strong handles to its children (an unreferenced CAF
// actor dies silently) and monitors them. If it dies abruptly itself, it
// kills whatever children are still running so that no orphan keeps trading
// beside the replacement tree.
//
// All work that has to wait (a checkpoint load, a child's exit, a nested
// start) is an operation in one FIFO queue, run one at a time; requests that
// change children are answered when their operations complete. Restarts
// waiting out their backoff sit outside the queue (on a timer), so one
// child's backoff never delays work for the others. Its policy
// comes from the node context (policy files), looked up by its own path.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/typed_response_promise.hpp>

#include "config/supervision_policy.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/restart_backoff.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::runtime {

/// Time a supervisor child gets to start all of its own children.
constexpr int64_t supervisor_start_timeout_ms = 60'000;

/// A supervisor's registry status: its policy and its children.
struct supervisor_status {
  /// "one_for_one", "one_for_all", "rest_for_one".
  std::string strategy;
  int32_t intensity = 0;
  int64_t period_ms = 0;
  /// Restart delays: from min to max, spread by jitter_ppm.
  int64_t backoff_min_ms = 0;
  int64_t backoff_max_ms = 0;
  uint32_t jitter_ppm = 0;
  int32_t max_children = 0;
  /// "parallel" or "sequential".
  std::string shutdown;
  uint64_t children = 0;
  /// Children started at run time that come back after a node restart.
  uint64_t durable_children = 0;
  /// "starting", "running", "stopping".
  std::string phase;
};

TFARM_STATUS_FIELDS(supervisor_status, "tfarm.supervisor_status", strategy, intensity, period_ms,
                    backoff_min_ms, backoff_max_ms, jitter_ppm, max_children, shutdown, children,
                    durable_children, phase)

/// The "supervisor" kind's parameters (its policy comes from policy files).
struct supervisor_params {
  /// Children it may hold (0: the policy's limit or none).
  int64_t max_children = 0;
  /// How an operator knows that limit ("MAX_AGENTS_PER_USER"), for the
  /// refusal's message.
  std::string max_children_name = "max_children";
};

TFARM_PARAM_FIELDS(supervisor_params, max_children, max_children_name)

class supervisor : public basic_managed_actor<supervisor_actor::base> {
public:
  using super = basic_managed_actor<supervisor_actor::base>;
  using params_type = supervisor_params;

  supervisor(caf::actor_config& cfg, spawn_context ctx);

  behavior_type make_behavior() override;

  void on_exit() override;

  /// The "supervisor" kind. Parameter `max_children` applies when the policy
  /// sets none (the node uses it for MAX_AGENTS_PER_USER).
  static kind_info kind();

  const config::supervisor_policy& policy() const noexcept { return policy_; }

protected:
  std::string describe() const override;
  bool has_state() const override { return true; }
  std::string save_state() override;
  caf::error restore_state(const std::string& blob, uint32_t version) override;

private:
  using time_point = caf::actor_clock::time_point;

  struct child {
    child_spec spec;
    std::string path;
    const kind_info* kind = nullptr;
    config::restart_type restart = config::restart_type::permanent;
    std::chrono::milliseconds shutdown_timeout{0};
    std::shared_ptr<registry_entry> entry;
    caf::actor handle;
    caf::actor_addr addr;
    bool running = false;
    bool stopping = false;
    /// Listed in the supervisor's own spec (comes back when it restarts).
    bool is_static = false;
    /// A dynamic child kept in the supervisor's checkpoint (spec.durable).
    bool durable = false;
    /// An earlier failure already scheduled this child's stop and restart.
    bool restart_pending = false;
    uint64_t starts = 0;
    restart_window<time_point> window;
    /// Starting phase: time spent waiting for the store to load its checkpoint.
    int64_t outage_waited_ms = 0;
  };

  enum class op_type { start, stop, stop_group, remove, reply, finish, save };

  struct op {
    op_type type = op_type::start;
    std::string id;
    /// stop_group: the children to stop at once.
    std::vector<std::string> ids;
    /// stop: kill at once, whatever the child's shutdown timeout.
    bool kill = false;
    /// start: answered with the child's handle (dynamic start, restart_child);
    /// save: the start of a durable child that waits for its save.
    caf::typed_response_promise<caf::actor> started;
    /// reply, save: answered with true (stop_child).
    caf::typed_response_promise<bool> done;
  };

  enum class wait_kind {
    none,
    checkpoint,
    outage_retry,
    started,
    stop_exit,
    stop_kill,
    stop_group,
    save
  };

  struct wait_state {
    wait_kind what = wait_kind::none;
    uint64_t token = 0;
    std::string id;
    /// stop_group: children not down yet.
    std::set<std::string> pending;
    /// stop_group: timer token -> (child, killed already).
    std::map<uint64_t, std::pair<std::string, bool>> timers;
  };

  enum class phase { starting, running, stopping };

  // -- children --------------------------------------------------------------
  /// Sets a child's restart type and shutdown timeout from policy_.
  void apply_policy(child& c, const std::string& id) const;
  /// Re-reads policy_ from the node context; true if anything changed.
  bool reload_policy();
  child* find(const std::string& id);
  child* find(const caf::actor_addr& addr);
  /// Sets (or clears, with nullptr) the running instance's address, keeping
  /// the lookup index in step.
  void set_addr(child& c, caf::actor_addr addr);
  child& add_child(child_spec spec, bool is_static);
  void remove_child(const std::string& id);
  caf::error validate_new_child(const child_spec& spec) const;
  /// shutting_down, or unknown_child with the nearest id, or none.
  caf::error check_existing_child(const std::string& id) const;
  static op make_op(op_type type, std::string id);
  /// Drops queued (and delayed) starts of a child that is leaving for good.
  void drop_queued_starts(const std::string& id);

  // -- operation queue ---------------------------------------------------------
  void enqueue_op(op x);
  void pump();
  /// Runs the head operation; returns true if it now waits for an event.
  bool run_head();
  /// Ends the current wait and moves past the head operation.
  void resume_after_wait();
  uint64_t begin_wait(wait_kind what, const std::string& id);
  void arm_timer(std::chrono::milliseconds delay, uint64_t token);

  bool run_start(op& x);
  /// Spawns `c`; returns true if the start now waits for the child's children.
  bool spawn_and_wait(op& x, child& c, std::vector<checkpoint> restored);
  void start_failed(op& x, child& c, const caf::error& reason);
  /// Makes the durable children durable (a checkpoint), then goes on with
  /// what waited for it.
  bool run_save(op& x);
  /// stop_child and stop_child_now: queues the stop and the removal,
  /// answered once the child is gone (from the checkpoint too if durable).
  caf::result<bool> stop_and_remove(const std::string& id, bool kill);
  bool run_stop(op& x);
  bool run_stop_group(op& x);
  void on_group_timer(uint64_t token);

  // -- events ----------------------------------------------------------------
  void on_down(caf::down_msg& msg);
  void on_timer(uint64_t token);
  void on_child_exit(child& c, const caf::error& reason);
  void on_child_failure(child& c, const caf::error& reason);
  void on_idle();
  void begin_shutdown(caf::error reason);
  /// Answers every pending request (and start waiter) with `why`; clears them.
  void refuse_pending(const caf::error& why);

  supervisor_actor self_handle();

  config::supervisor_policy policy_;
  std::vector<std::unique_ptr<child>> children_;
  /// Indexes into children_: a supervisor may hold many thousands of
  /// children (/user, /vault), and every event looks one up.
  std::unordered_map<std::string, child*> by_id_;
  std::unordered_map<caf::actor_id, child*> by_actor_;
  std::deque<op> ops_;
  /// Restart operations waiting out their backoff, by timer token. Backoff
  /// does not block the queue: other children keep being served meanwhile.
  std::map<uint64_t, std::vector<op>> delayed_;
  std::vector<caf::typed_response_promise<bool>> started_waiters_;
  wait_state wait_;
  uint64_t next_token_ = 0;
  uint64_t queue_epoch_ = 0;
  bool busy_ = false;
  bool in_pump_ = false;
  phase phase_ = phase::starting;
  caf::error stop_reason_;
  restart_window<time_point> window_;
  jitter_source jitter_;
};

} // namespace tfarm::runtime
