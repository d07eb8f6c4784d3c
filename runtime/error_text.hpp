// Human-readable rendering of caf::error values from any tfarm module, also
// outside an actor system (the CLI prints errors after the system is gone).
#pragma once

#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

namespace tfarm::runtime {

/// "restart_intensity_exceeded: /user: 4 restarts within 5s exceed ...".
std::string to_text(const caf::error& x);

/// Makes actor_system::render() use to_text() for tfarm's error categories.
void add_error_renderers(caf::actor_system_config& cfg);

} // namespace tfarm::runtime
