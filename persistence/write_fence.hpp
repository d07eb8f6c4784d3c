// A write's claim to come from its user's current owner (docs/cluster.md):
// a cluster member stamps the writes of the users it owns with the epoch
// it claimed them under, and the store refuses the write in its own
// transaction when that epoch is no longer the user's.
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace tfarm::persistence {

struct write_fence {
  std::string user;
  /// The epoch of user_leases the writer holds the user under (> 0).
  int64_t epoch = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_fence& x) {
  return f(caf::meta::type_name("tfarm.write_fence"), x.user, x.epoch);
}

/// Whose an actor path is, for placement and fencing: a user's agents
/// ("/user/NAME/..."), an account's actor ("/vault/accounts/ACCT") or one of
/// its sessions ("/exchanges/sessions/VENUE/ACCT"), which go with the
/// account's user; any other path is the node's own.
struct path_owner {
  enum kind_type { node, user, account };
  kind_type kind = node;
  /// The user's name or the account's id ("" for the node).
  std::string name;
};

path_owner owner_of_path(const std::string& path);

} // namespace tfarm::persistence
