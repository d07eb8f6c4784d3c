// What every actor of a node shares: its registry, kinds, policies, limits,
// metrics and the handle of the checkpoint store.
//
// Thread-safety: registry and store handle are internally synchronized;
// kinds, limits and the seed are immutable after construction; policies are
// read under a lock and may be replaced at run time (policy reload).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "config/farm_config.hpp"
#include "config/supervision_policy.hpp"
#include "runtime/actor_registry.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/clock.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/metric_registry.hpp"

namespace tfarm::runtime {

class memory_checkpoint_backend;

/// Something operators must hear about that is not a failure of the actor
/// itself: a corrupt checkpoint, a fallback to an older state. Written to the
/// audit log (when the node has a database) and logged; the farm's monitor
/// raises them as alerts.
struct incident {
  /// Actor path it concerns.
  std::string path;
  /// Dotted action name, e.g. "checkpoint.corrupt".
  std::string action;
  std::string detail;
  /// The alert it becomes: "error", or "critical" where money may be
  /// wrong (a fill that cannot be booked, one reported twice differently).
  std::string severity = "error";
};

class node_context {
public:
  using incident_sink = std::function<void(const incident&)>;

  node_context(std::string node_name, kind_registry kinds, config::policy_set policies,
               config::runbook_limits limits, uint64_t seed,
               config::checkpoint_settings checkpoints = {},
               std::shared_ptr<runtime::clock> clock = nullptr);

  const std::string& node_name() const noexcept { return registry_.node_name(); }

  /// The clock the node's actors read (the system's unless a test gave
  /// one to node_options::clock). Thread-safe.
  const runtime::clock& clock() const noexcept { return *clock_; }
  actor_registry& registry() noexcept { return registry_; }
  const kind_registry& kinds() const noexcept { return kinds_; }
  const config::runbook_limits& limits() const noexcept { return limits_; }

  /// Seed for everything random on this node (restart jitter), so that runs
  /// and tests can be repeated.
  uint64_t seed() const noexcept { return seed_; }

  /// The policy for the supervisor at `path` (a default one if none matches).
  config::supervisor_policy policy_for(const std::string& path) const;

  /// Replaces the policies; running supervisors apply them when they get a
  /// reload_policy message (see supervisor.hpp).
  void set_policies(config::policy_set x);

  /// A copy of the current policies.
  config::policy_set policies() const;

  /// The current checkpoint store, or an invalid handle before it started.
  checkpoint_store_actor store() const;
  void set_store(checkpoint_store_actor x);

  /// When actors of `kind` save their state, and what a corrupt one means.
  const config::checkpoint_settings& checkpoints() const noexcept { return checkpoints_; }

  /// Checkpoints read in bulk before the tree starts (a node started on an
  /// existing database), newest first per path; `complete` if they are all
  /// the database has.
  void preload(std::vector<checkpoint> xs, bool complete = false);

  /// The preloaded checkpoints of `path`, handed out once: at the first
  /// start of the path. Nothing (nullopt) when the store must be asked: a
  /// later start, or a preload that was not complete and has none for it.
  std::optional<std::vector<checkpoint>> take_preloaded(const std::string& path);

  /// Reports an incident: logs it and passes it to the sink, if any.
  void report(const incident& x) const;

  void set_incident_sink(incident_sink f);

  /// A second receiver of incidents: the monitor, which raises them as
  /// alerts (the sink writes them to the audit log). Empty to remove.
  /// Incidents reported while there is none (before the monitor starts,
  /// while it restarts) are kept, up to incidents_pending_max, and handed to
  /// the next watcher: no incident goes without an alert.
  void set_incident_watcher(incident_sink f);

  /// The node's metrics: every module feeds them, /metrics shows them.
  metric_registry& metrics() noexcept { return metrics_; }

  /// The in-memory checkpoint data; it outlives store restarts.
  std::shared_ptr<memory_checkpoint_backend> memory_backend() const noexcept {
    return memory_backend_;
  }

  /// Marks the node as stopping (a clean stop began): from then on agents
  /// place no new order, so that nothing is reserved while the node winds
  /// down. Thread-safe; never undone.
  void begin_stop() noexcept { stopping_.store(true, std::memory_order_relaxed); }
  bool stopping() const noexcept { return stopping_.load(std::memory_order_relaxed); }

private:
  std::atomic<bool> stopping_{false};
  actor_registry registry_;
  const kind_registry kinds_;
  const config::runbook_limits limits_;
  const uint64_t seed_;
  const config::checkpoint_settings checkpoints_;
  const std::shared_ptr<runtime::clock> clock_;
  mutable std::mutex mtx_;
  std::map<std::string, std::vector<checkpoint>> preloaded_;
  bool preload_complete_ = false;
  /// Paths whose preloaded checkpoints were handed out (or found absent).
  std::unordered_set<std::string> preload_taken_;
  incident_sink incident_sink_;
  incident_sink incident_watcher_;
  /// Reported while no watcher was set (oldest first).
  mutable std::deque<incident> pending_incidents_;
  config::policy_set policies_;
  checkpoint_store_actor store_;
  std::shared_ptr<memory_checkpoint_backend> memory_backend_;
  metric_registry metrics_;
};

} // namespace tfarm::runtime
