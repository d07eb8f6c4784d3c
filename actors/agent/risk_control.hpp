// The kill switch: trading states farm-wide, per user and per agent.
//
// One per node at /risk (before /user, so agents find it). A change is
// checkpointed and acknowledged only once durable (a halt survives a crash
// and a restart of the node), audited with who asked and why, and pushed
// to every subscribed agent it concerns. Agents subscribe when they start
// and treat themselves as halted until the risk control answered, so that
// no order leaves before the switch is known.
//
// On a cluster member (`shared`) the states are the cluster's: a change is
// written to the store's switches (farm_switch.hpp) instead of a
// checkpoint, and every member reads them every shared_switch_refresh_ms
// and pushes what changed; so a halt set on any member holds on all, and
// on whichever member a user runs next. Until its first read an agent's
// subscription waits (the agent stays halted meanwhile).
//
// Runs on CAF's scheduler; members are touched only by the actor.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/agent/agent_interfaces.hpp"
#include "persistence/switch_read_guard.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::actors {

/// The risk control's registry status: every trading state it holds.
struct risk_control_status {
  trading_state farm = trading_state::active;
  /// User name or agent path -> its state (those not listed are active).
  std::map<std::string, trading_state> users;
  std::map<std::string, trading_state> agents;
  /// Agents told of every change.
  uint64_t subscribers = 0;
};

TFARM_STATUS_FIELDS(risk_control_status, "tfarm.risk_control_status", farm, users, agents,
                    subscribers)

struct risk_control_params {
  /// A cluster member's: the states live in the store's switches, shared
  /// by every member.
  bool shared = false;
};

TFARM_PARAM_FIELDS(risk_control_params, shared)

class risk_control : public runtime::basic_managed_actor<risk_control_actor::base> {
public:
  using super = runtime::basic_managed_actor<risk_control_actor::base>;
  using params_type = risk_control_params;

  risk_control(caf::actor_config& cfg, runtime::spawn_context ctx);

  static runtime::kind_info kind();

  behavior_type make_behavior() override;

protected:
  bool has_state() const override { return !params_.shared; }
  std::string save_state() override;
  caf::error restore_state(const std::string& blob, uint32_t version) override;
  std::string describe() const override;

private:
  struct subscriber {
    std::string path;
    std::string user;
    caf::actor handle;
  };

  /// A subscription waiting for the first read of the shared states.
  struct held_subscription {
    subscriber who;
    caf::typed_response_promise<trading_states> rp;
  };

  /// A change waiting its turn, and whom to answer: an operator's change
  /// (answered with every state) or a session's restraint (with true).
  struct pending_change {
    trading_state_change change;
    bool restraint = false;
    caf::typed_response_promise<risk_states> states;
    caf::typed_response_promise<bool> restrained;

    void deliver(const risk_states& x);
    void fail(caf::error err);
  };

  caf::error check(const trading_state_change& x) const;
  void apply(const trading_state_change& x);
  /// Applies the next queued change, one at a time, each durable before
  /// the next starts (so a failed save rolls back only its own change).
  void next_change();
  /// Makes the change being applied durable: a checkpoint, or the
  /// store's switch when shared (asked again after a conflict, up to
  /// config::switch_write_attempts; `attempt` counts from 0).
  void persist(const trading_state_change& x, std::function<void(const caf::error&)> then,
               int attempt = 0);
  void audit(const trading_state_change& x, const std::string& what);
  void push();
  /// Shared: reads the cluster's states, adopts them if nothing was
  /// written meanwhile, and reads again later.
  void refresh();
  void adopt(risk_states x);
  void subscribe(subscriber who);

  /// What the checkpoint being written holds.
  risk_states states_;
  /// What is durable: what agents and readers are told.
  risk_states saved_;
  std::deque<pending_change> queue_;
  bool saving_ = false;
  std::vector<subscriber> subscribers_;
  risk_control_params params_;
  /// Shared: the states were read once (until then changes and
  /// subscriptions wait).
  bool loaded_ = false;
  std::vector<held_subscription> held_;
  /// Shared: a read that overlapped a change of ours is stale.
  persistence::switch_read_guard writes_;
  /// Shared: the last read failed (logged once until one succeeds).
  bool read_failing_ = false;
};

} // namespace tfarm::actors
