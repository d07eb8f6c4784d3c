#include "chaos/local_port.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace tfarm::chaos {

namespace {

/// Draws before giving up.
constexpr int port_draws_max = 50;

} // namespace

uint16_t free_local_port() {
  std::random_device rd;
  for (int i = 0; i < port_draws_max; ++i) {
    auto port =
        static_cast<uint16_t>(local_port_min + rd() % (local_port_max - local_port_min + 1));
    std::ifstream in{"/proc/net/tcp"};
    std::string table{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    char hex[8];
    std::snprintf(hex, sizeof(hex), ":%04X ", port);
    if (table.find(hex) == std::string::npos)
      return port;
  }
  return 0;
}

} // namespace tfarm::chaos
