// The cluster as its database sees it (docs/cluster.md): members with their
// state and users, and where every user runs. What `tfarm cluster status`,
// the console's `nodes` and GET /api/cluster/status show, read the same way
// on every member (any member answers for all).
//
// Each read opens a connection of its own (an operator's question, not a
// hot path). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <nlohmann/json_fwd.hpp>

#include "config/cluster_config.hpp"

namespace tfarm::net {

/// Where a cluster is read from.
struct cluster_source {
  std::string name;
  /// The shared store (postgresql:// URL).
  std::string db;
  config::cluster_timing timing;
  /// Agents of each user (the farm file's), to count what each member runs.
  std::map<std::string, int64_t> agents_of;
  /// Members whose host is this machine (their pid is shown).
  std::vector<std::string> local_members;
  /// Each member's console ("host:port"; "" where its console is off).
  std::map<std::string, std::string> consoles;
};

/// The cluster_source of a cluster file and its farm.
cluster_source cluster_source_of(const config::cluster_config& cluster,
                                 const config::farm_config& farm);

struct cluster_member_view {
  std::string name;
  /// joining, up, leaving or down (down once past its TTL or its process
  /// gone, whatever its row says).
  std::string state;
  int64_t incarnation = 0;
  /// Its process id where the member is on this machine and live, else 0.
  int64_t pid = 0;
  std::string address;
  int64_t renewal_age_ms = 0;
  /// Users it owns (none unless live).
  std::vector<std::string> users;
  int64_t agents = 0;
};

struct user_placement {
  /// The live member that owns it ("" for none).
  std::string node;
  int64_t epoch = 0;
  /// Until its lease runs out (negative: it ran out).
  int64_t lease_remaining_ms = 0;
};

struct cluster_view {
  std::string name;
  std::vector<cluster_member_view> members;
  std::map<std::string, user_placement> placement;
};

caf::expected<cluster_view> read_cluster_view(const cluster_source& source);

/// {"cluster", "members": [{name, state, incarnation, pid (null unless
/// local), address, renewal_age_ms, users, agents}], "placement": {user:
/// {node (null if none), epoch, lease_remaining_ms}}}.
nlohmann::json to_json(const cluster_view& x);

/// Two tables: the members, then the placement.
std::string render_cluster(const cluster_view& x);

/// True for loopback and this machine's host name.
bool is_local_host(const std::string& host);

} // namespace tfarm::net
