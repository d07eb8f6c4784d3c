// Error codes of the exchange side (category "tfexch").
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::actors {

enum class exchange_errc : uint8_t {
  none = 0,
  /// The master key is missing or not 64 hex digits.
  bad_master_key,
  /// A secret was sealed under another master key.
  wrong_master_key,
  /// A sealed secret fails authentication (altered, or bound to another row).
  corrupt_secret,
  /// The crypto library failed.
  crypto_failed,
};

std::string to_string(exchange_errc x);

/// Registers the "tfexch" category with runtime::to_text() (idempotent).
void register_exchange_error_names();

} // namespace tfarm::actors

CAF_ERROR_CODE_ENUM(tfarm::actors::exchange_errc, "tfexch")
