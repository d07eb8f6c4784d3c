// A farm-wide switch kept in the store (table farm_switches): the kill
// switch's trading states and the vault's modes on a cluster, where every
// member reads them rather than each keeping its own (docs/cluster.md,
// "Switches"). The store keeps a switch only while it is away from its
// default: putting one back (an empty state) removes its row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace tfarm::persistence {

/// Longest switch name (a prefix and an actor path) the store keeps.
inline constexpr std::size_t switch_name_chars_max = 1'100;
/// Longest state the store keeps.
inline constexpr std::size_t switch_state_chars_max = 32;
/// Longest reason and author the store keeps (longer ones are cut).
inline constexpr std::size_t switch_reason_chars_max = 1'000;
inline constexpr std::size_t switch_by_chars_max = 200;

struct farm_switch {
  /// What it switches: the owner's prefix and its target, e.g.
  /// "trading/user/alice" or "vault/emergency".
  std::string name;
  /// "" puts the switch back to its default (its row goes).
  std::string state;
  std::string reason;
  std::string by;
  /// When it was set (the database server's clock, Unix ms); set by the
  /// store.
  int64_t at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, farm_switch& x) {
  return f(caf::meta::type_name("tfarm.farm_switch"), x.name, x.state, x.reason, x.by, x.at_ms);
}

} // namespace tfarm::persistence
