// Error codes of the config module, usable as caf::error values.
//
// Configuration problems are reported to people as `diagnostic`s (file, line,
// column, message); this enum is what crosses an API boundary when a caller
// only needs to know that, and why, a configuration could not be used.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::config {

enum class config_errc : uint8_t {
  /// No error (CAF reserves 0 for "no error").
  none = 0,
  /// A file could not be opened or read.
  unreadable_file,
  /// A file is not valid TOML.
  syntax_error,
  /// A file is valid TOML but breaks the schema (see its diagnostics).
  invalid_config,
  /// An environment override has a bad value.
  invalid_environment,
};

/// Returns the enumerator name, e.g. "invalid_config".
std::string to_string(config_errc x);

} // namespace tfarm::config

CAF_ERROR_CODE_ENUM(tfarm::config::config_errc, "tfconfig")
