// A node's membership of a cluster (docs/cluster.md): it joins, renews
// its membership and leases every renew interval, and starts and stops
// the placement units -- a user's subtree, its accounts' sessions and its
// accounts -- of the users the database gives it.
//
// Two threads of its own, so that a slow start or stop never delays a
// renewal: the heart steps the membership (persistence::cluster_membership,
// on a connection of its own) and the worker starts and stops units one at
// a time through the node's supervisors. Writes of a user are fenced
// (store set_fence_atom): the worker sets the epoch before it starts a
// unit; a lost user's fence is dropped by the heart at once, before its
// unit is stopped, so nothing of it is written after this member stopped
// vouching for its lease. A handed-off unit is stopped (checkpointed)
// first, then released.
//
// Thread-safety: every public function may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "config/cluster_config.hpp"
#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "runtime/child_spec.hpp"

namespace tfarm::runtime {
class node;
} // namespace tfarm::runtime

namespace tfarm::net {

/// What a member starts for a user it owns, and stops when it no longer does.
struct placement_unit {
  std::string user;
  /// Its subtree: the child "<user>" of /user.
  runtime::child_spec tree;
  /// Its accounts' sessions: (venue, spec of the child "<account>" of
  /// /exchanges/sessions/<venue>).
  std::vector<std::pair<std::string, runtime::child_spec>> sessions;
  /// Its accounts (opened at every claim: idempotent) and their actors'
  /// specs (children of /vault/accounts).
  std::vector<config::account_spec> accounts;
  std::vector<runtime::child_spec> account_actors;
};

/// Takes every user's unit out of a farm's tree (root as built by the
/// node's extend_tree): /user keeps no children and each
/// /exchanges/sessions/<venue> none, for a member starts them as it claims
/// their users; the vault gateway is told that accounts are placed (it
/// never starts one itself) and, like the risk control, that its switches
/// are the cluster's (kept in the store, read by every member).
std::map<std::string, placement_unit> take_placement_units(const config::farm_config& farm,
                                                           runtime::child_spec& root);

struct cluster_member_options {
  /// The shared store (postgresql:// URL).
  std::string db;
  /// This member ([[member]] name) and where others reach it.
  std::string name;
  std::string address;
  std::string host;
  config::cluster_timing timing;
  /// Every user of the cluster, with its unit.
  std::map<std::string, placement_unit> units;
  /// Time one start or stop of a unit's part may take.
  std::chrono::milliseconds request_timeout{10'000};
  /// How long start() keeps trying to join while the store is unreachable
  /// (a server restart, a machine too loaded to accept in time), as the
  /// node's own store is waited for when a member starts.
  std::chrono::milliseconds start_wait{config::member_store_wait_ms};
};

/// What the member reports (the node's status line, tests).
struct cluster_member_state {
  std::string name;
  int64_t incarnation = 0;
  /// Users running here, with their epochs.
  std::map<std::string, int64_t> running;
  /// Units started and stopped since the member started.
  uint64_t starts = 0;
  uint64_t stops = 0;
  /// Times the member lost its leases (could not renew in time) and
  /// joined again as a new incarnation.
  uint64_t rejoins = 0;
  /// The newest failure of a renewal or a unit ("" if none).
  std::string last_error;
  /// Once the cluster's first round gave it its share.
  bool up = false;
};

class cluster_member {
public:
  /// Joins the cluster (the first renewal is made before this returns)
  /// and starts both threads; fails with the store's error.
  static caf::expected<std::unique_ptr<cluster_member>> start(runtime::node& node,
                                                              cluster_member_options opts);

  /// Leaves (if leave() was not called) and joins the threads.
  ~cluster_member();

  cluster_member(const cluster_member&) = delete;
  cluster_member& operator=(const cluster_member&) = delete;

  /// Hands every user off -- each unit stopped (checkpointed), then
  /// released so that the others claim it at once -- and marks the member
  /// down; waits at most `timeout`. True if everything was handed off.
  bool leave(std::chrono::milliseconds timeout);

  cluster_member_state state() const;

private:
  struct impl;
  explicit cluster_member(std::unique_ptr<impl> x);
  std::unique_ptr<impl> impl_;
};

} // namespace tfarm::net
