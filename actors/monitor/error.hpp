// Error codes of the monitor (category "tfmonitor").
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::actors {

enum class monitor_errc : uint8_t {
  none = 0,
  /// No alert has that id (or it is no longer open).
  unknown_alert,
  /// The store did not take the change.
  unavailable,
};

std::string to_string(monitor_errc x);

/// Registers "tfmonitor" with runtime::to_text() (idempotent).
void register_monitor_error_names();

} // namespace tfarm::actors

CAF_ERROR_CODE_ENUM(tfarm::actors::monitor_errc, "tfmonitor")
