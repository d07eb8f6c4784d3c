// Cluster membership and user ownership in the store (tables
// cluster_members and user_leases, schema 009; docs/cluster.md).
//
// The database decides; connections between nodes only hint. A member
// renews its row and its leases every renew interval; one whose renewal is
// older than the lease TTL is down, and the users it held are claimable.
// On PostgreSQL a member also holds a session lock: a member whose process
// died (its connection closed) is down at once, without waiting out its
// TTL -- safe, since a process that is gone writes nothing, and even a
// live one whose membership connection broke is fenced (below).
// Every claim is one conditional UPDATE, so of two members claiming one
// user exactly one wins, and each change of owner (a release too) moves
// the user's epoch on. The store refuses a write made under an epoch that is no longer
// current (store_core::check_fence), which is what makes a stale owner
// harmless: a member that was paused or cut off and has not noticed yet
// writes nothing for the users it lost.
//
// Times are the database server's clock (Unix ms), so no node's clock
// decides whether a lease ran out; a node fences itself on its own
// monotonic clock, measured from when it sent its last successful renewal.
//
// Synchronous, on a connection the caller owns (a member's renewals must
// never queue behind the writer's batches). Claims and renewals run as
// single statements (autocommit). Failures throw sql_error. Not
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "persistence/sql_connection.hpp"

namespace tfarm::persistence {

/// One start of a member: its name and the incarnation that start got.
struct member_identity {
  std::string name;
  int64_t incarnation = 0;
};

/// Member states as stored (a member past its TTL reads as "down" in
/// member_record::state whatever its row says).
inline constexpr const char* member_states[] = {"joining", "up", "leaving", "down"};

struct member_record {
  std::string name;
  int64_t incarnation = 0;
  /// Where its CAF port listens ("host:port").
  std::string address;
  std::string host;
  int64_t pid = 0;
  /// joining, up, leaving or down; down once its renewal is older than the
  /// lease TTL.
  std::string state;
  int64_t started_at_ms = 0;
  int64_t renewed_at_ms = 0;
  /// The server's clock minus renewed_at when it was read.
  int64_t renewal_age_ms = 0;
};

struct lease_record {
  std::string user;
  /// Empty: unowned.
  std::string owner;
  int64_t incarnation = 0;
  int64_t epoch = 0;
  int64_t expires_at_ms = 0;
  /// expires_at minus the server's clock when read (negative: expired).
  int64_t remaining_ms = 0;
};

/// The result of a renewal.
struct renewal {
  /// False once this incarnation is no longer the member's (a newer start
  /// of the same name) or was declared down: it must stop its users now.
  bool member = false;
  /// The users whose leases were extended (a lease that ran out is not:
  /// it is lost, and claimed again like any other).
  std::vector<std::string> users;
};

class cluster_store {
public:
  /// `lease_ttl`: how long a renewal keeps a member and its leases alive.
  cluster_store(sql_connection& db, std::chrono::milliseconds lease_ttl);

  /// Goes on on `db` (a new connection after the old one broke): the
  /// member keeps its incarnation and leases if it renews in time (call
  /// hold_session() on it first).
  void use(sql_connection& db) noexcept { db_ = &db; }

  /// PostgreSQL: takes the member's session lock on this connection, held
  /// until the connection closes, so that the others see at once when
  /// its process is gone (killed, crashed): its users are claimable then,
  /// not only once its leases ran out. Throws if another session holds it
  /// (a second process under the same name). join() takes it. Its
  /// statements wait at most config::cluster_lock_wait_ms for a row lock
  /// from then on (a lock held by a frozen member fails the statement
  /// rather than stall the renewals).
  void hold_session(const std::string& name);

  /// Starts a new incarnation of `name` (state joining; its session lock
  /// taken) and releases every user an earlier incarnation of the name
  /// held, so they are claimable at once rather than after their TTL.
  member_identity join(const std::string& name, const std::string& address, const std::string& host,
                       int64_t pid);

  /// Renews the member and every lease it holds.
  renewal renew(const member_identity& me);

  /// Sets the member's state (up, leaving, down); false if `me` is not the
  /// member's current incarnation.
  bool set_state(const member_identity& me, const std::string& state);

  /// Every member, by name.
  std::vector<member_record> members();

  /// Every user's lease, by user.
  std::vector<lease_record> leases();

  /// Adds users the cluster runs that have no lease row yet (unowned).
  void add_users(const std::vector<std::string>& users);

  /// Claims `user` for `me` if it is unowned, its lease ran out or its
  /// owner's incarnation is down or gone. Returns the epoch `me` now holds
  /// it under (unchanged if `me` held it already), or 0 if another member
  /// holds it or a write in flight has its row locked (a claim never waits).
  int64_t claim(const std::string& user, const member_identity& me);

  /// Gives `user` up (a handoff, or leaving): unowned, its epoch moved on
  /// (nothing written under the released lease passes any more). False if
  /// `me` did not hold it.
  bool release(const std::string& user, const member_identity& me);

  /// Gives up every user `me` holds; how many.
  int64_t release_all(const member_identity& me);

private:
  sql_connection* db_;
  int64_t ttl_ms_;
};

/// The member that should own `user` among `members` (rendezvous hashing:
/// the highest hash of member and user), "" for none. Adding or removing
/// a member moves only the users it gains or held.
std::string rendezvous_owner(const std::string& user, const std::vector<std::string>& members);

/// SQL for the database server's clock in Unix ms.
std::string server_now_ms_sql(sql_dialect d);

} // namespace tfarm::persistence
