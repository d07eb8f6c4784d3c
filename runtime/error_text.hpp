// Human-readable rendering of caf::error values from any tfarm module, also
// outside an actor system (the CLI prints errors after the system is gone).
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

namespace tfarm::runtime {

/// "restart_intensity_exceeded: /user: 4 restarts within 5s exceed ...".
std::string to_text(const caf::error& x);

/// Only the code name of an error ("insufficient_funds", "request_timeout"),
/// for counting errors by reason.
std::string code_name(const caf::error& x);

/// Only the words of an error, without its code name ("4 restarts within
/// 5s exceed ..."), for messages that name the code already; to_text() when
/// the error carries no message.
std::string message_of(const caf::error& x);

/// Makes actor_system::render() use to_text() for tfarm's error categories
/// (those registered with add_error_category_names, plus runtime and config).
void add_error_renderers(caf::actor_system_config& cfg);

/// Teaches to_text() the code names of another module's error category.
/// Thread-safe; call before rendering (modules do so at start-up).
void add_error_category_names(caf::atom_value category, std::string (*names)(uint8_t));

} // namespace tfarm::runtime
