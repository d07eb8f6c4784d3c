// Where a vault account runs in a cluster: its user, the member that owns
// the user now, and where that member's CAF port listens. Read from the
// shared store (accounts, user_leases, cluster_members) by a member that
// must hand something to the account's member (a transfer's credit).
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace tfarm::persistence {

struct account_placement {
  /// False: no such account.
  bool found = false;
  std::string account;
  std::string user;
  /// The member owning `user` now; "" while no member does (failover).
  std::string owner;
  /// The owner's CAF endpoint ("host:port"), "" with no owner.
  std::string address;
  /// The epoch the owner holds the user under (0 with no owner).
  int64_t epoch = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_placement& x) {
  return f(caf::meta::type_name("tfarm.account_placement"), x.found, x.account, x.user, x.owner,
           x.address, x.epoch);
}

} // namespace tfarm::persistence
