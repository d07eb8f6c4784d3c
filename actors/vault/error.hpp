// Error codes of the vault (category "tfvault"): why an operation was
// refused. Every refusal's message names the limit it hit and the numbers
// ("insufficient funds: available 40 USD, needed 100").
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::actors {

enum class vault_errc : uint8_t {
  none = 0,
  /// The request is malformed (missing key, bad id, unknown operation).
  invalid_request,
  /// No such account.
  unknown_account,
  /// An asset the vault does not know.
  unknown_asset,
  /// An amount that is zero or negative.
  invalid_amount,
  /// A balance would overflow 64 bits.
  amount_overflow,
  /// Available balance below what the operation needs.
  insufficient_funds,
  /// Withdrawals and transfers are frozen vault-wide.
  transfers_frozen,
  /// Emergency mode: only fill settlements and releases of reservations pass.
  emergency_mode,
  /// No such reservation in the account.
  unknown_reservation,
  /// The reservation was released or fully settled already.
  reservation_closed,
  /// The account belongs to another user.
  wrong_user,
  /// The idempotency key was used before for a different operation.
  key_reused,
  /// The account id is taken (by another user).
  account_exists,
  /// The account or the store cannot answer now; retry with the same key.
  unavailable,
  /// A settlement its reservation's order cannot explain: another asset, a
  /// price beyond the order's limit, more than the order's quantity.
  fill_unexplained,
};

std::string to_string(vault_errc x);

/// Parses a name written by to_string (journal rows store reasons by name).
vault_errc vault_errc_from_string(const std::string& x);

/// A refusal of the vault: `code` and the message that names the limit.
caf::error refusal(vault_errc code, std::string message);

/// True if `err` is one of the vault's refusals.
bool is_vault_error(const caf::error& err);

/// The vault's reason for `err`: its code, or `unavailable` for anything
/// else (timeouts, a receiver that went away): the client retries.
vault_errc vault_reason(const caf::error& err);

/// Registers the "tfvault" category with runtime::to_text() (idempotent).
void register_vault_error_names();

} // namespace tfarm::actors

CAF_ERROR_CODE_ENUM(tfarm::actors::vault_errc, "tfvault")
