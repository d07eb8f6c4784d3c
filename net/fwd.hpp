// Forward declarations of tfarm::net types.
#pragma once

#include <cstdint>

namespace tfarm::net {

enum class net_errc : uint8_t;

struct security_outcome;
class venue_connector;
class venue_directory;

} // namespace tfarm::net
