// One member's side of the cluster (docs/cluster.md): at every step it
// renews its membership and leases, fences itself when it cannot, and
// works out which users to start, stop or hand off. A plain state machine
// over cluster_store, driven by the caller's monotonic clock, so that tests
// step it deterministically; the node runs one step every renew interval
// on a connection of its own.
//
// Safety: a member runs a user only while it holds the user's lease as far
// as its own clock can tell. Leases run out on the server's clock lease_ttl
// after the renewal that extended them, which the server ran after this
// member sent it; so a member that measures from when it sent its last
// successful renewal and stops `margin` before the TTL has stopped before
// any other member can claim. Writes are fenced as well (write_fence), so
// a member that was paused past that point writes nothing once resumed.
//
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "persistence/cluster_store.hpp"

namespace tfarm::persistence {

/// The caller steps the membership every renew interval
/// (config::cluster_timing); what a step itself needs:
struct membership_options {
  std::chrono::milliseconds lease_ttl{1'500};
  /// How long before its lease could run out a member stops its users.
  std::chrono::milliseconds margin{250};
};

/// What the node does after a step.
struct membership_step {
  /// Users claimed: start their subtrees, writes stamped with this epoch.
  std::map<std::string, int64_t> start;
  /// Users lost (this member cannot vouch for their leases any more):
  /// stop them at once; nothing of theirs may be written.
  std::vector<std::string> stop;
  /// Users another member should own now: stop them (checkpointed), then
  /// call released() for each.
  std::vector<std::string> hand_off;
  /// The failure that kept this step from reaching the store ("" if none).
  std::string error;
};

class cluster_membership {
public:
  using clock = std::chrono::steady_clock;

  /// `users`: every user of the cluster.
  cluster_membership(cluster_store& store, member_identity me, std::vector<std::string> users,
                     membership_options opts);

  const member_identity& identity() const noexcept { return me_; }

  /// One round at `now`: renew; drop every user when the renewal failed
  /// and the last good one is too old (or this incarnation is no longer
  /// the member's); claim the users rendezvous hashing gives this member
  /// among the live ones; hand off those it now gives to another.
  membership_step step(clock::time_point now);

  /// A handed-off user's subtree stopped: gives up its lease.
  void released(const std::string& user);

  /// A held user whose subtree could not start (and was stopped again):
  /// gives up its lease, so that it is claimed afresh -- and its start
  /// tried again -- at a later step.
  void give_up(const std::string& user);

  /// Leaves: hands every user off (the caller stops them, then calls
  /// released) and marks the member leaving.
  std::vector<std::string> leave();

  /// Users held now, with their epochs.
  const std::map<std::string, int64_t>& owned() const noexcept { return owned_; }

  /// False once this incarnation was found gone: the node must stop its
  /// users (the step said so) and join again as a new incarnation.
  bool member() const noexcept { return member_; }

  /// Until when (this member's clock) its leases are vouched for.
  std::optional<clock::time_point> valid_until() const noexcept { return valid_until_; }

private:
  std::vector<std::string> drop_all();

  cluster_store& store_;
  member_identity me_;
  std::vector<std::string> users_;
  membership_options opts_;
  std::map<std::string, int64_t> owned_;
  /// Users stopping for a handoff (not claimed again until released).
  std::map<std::string, int64_t> leaving_;
  std::optional<clock::time_point> valid_until_;
  bool member_ = true;
  bool leaving_cluster_ = false;
  bool users_added_ = false;
  /// Marked up once its first round of claims ran.
  bool up_ = false;
};

} // namespace tfarm::persistence
