// A cluster file (docs/cluster.md, examples/cluster/cluster.toml): the
// members that run one farm together, where each listens, the shared store,
// the TLS files and the membership timing. Loaded by load_cluster_file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/duration.hpp"
#include "config/farm_config.hpp"
#include "config/limits.hpp"

namespace tfarm::config {

/// One farm node of the cluster ([[member]]).
struct cluster_member_spec {
  std::string name;
  std::string host;
  /// Its CAF port (other members and tools connect here).
  uint16_t port = 0;
  /// 0: off.
  uint16_t http_port = 0;
  uint16_t console_port = 0;
  /// Line and column of its [[member]] table.
  std::pair<uint32_t, uint32_t> position{0, 0};
};

/// An exchange node every member connects to ([[exchange]]).
struct cluster_exchange_spec {
  std::string name;
  std::string host;
  uint16_t port = 0;
  std::pair<uint32_t, uint32_t> position{0, 0};
};

struct cluster_timing {
  milliseconds renew_interval{cluster_renew_interval_ms_default};
  milliseconds lease_ttl{cluster_lease_ttl_ms_default};
  milliseconds margin{cluster_margin_ms_default};
};

struct cluster_config {
  std::string name;
  /// The farm file every member runs (resolved against the cluster file's
  /// folder).
  std::string farm;
  /// The shared store, a postgresql:// URL ("": given with --db or TFARM_DB).
  std::string store;
  cluster_timing timing;
  tls_settings tls;
  std::vector<cluster_member_spec> members;
  std::vector<cluster_exchange_spec> exchanges;

  /// The member named `name`, or null.
  const cluster_member_spec* member(const std::string& name) const {
    for (auto& m : members)
      if (m.name == name)
        return &m;
    return nullptr;
  }
};

} // namespace tfarm::config
