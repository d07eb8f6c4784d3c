// A TCP port on this machine that nothing uses now, for a node a harness
// starts. Drawn below Linux's ephemeral range (32768-60999), so that no
// outgoing connection takes it between the draw and the node's bind.
#pragma once

#include <cstdint>

namespace tfarm::chaos {

/// Lowest and highest port drawn.
constexpr uint16_t local_port_min = 20'000;
constexpr uint16_t local_port_max = 31'999;

/// A port in [local_port_min, local_port_max] that /proc/net/tcp shows no
/// socket on; 0 if none was found in a few draws.
uint16_t free_local_port();

} // namespace tfarm::chaos
