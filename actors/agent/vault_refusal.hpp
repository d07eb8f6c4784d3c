// Which of the vault's refusals the trading agent gives up on and which it
// asks again: shared by the agent's order path and its fill path.
#pragma once

#include <caf/error.hpp>

#include "actors/vault/error.hpp"

namespace tfarm::actors {

/// A refusal by the vault itself (not "unavailable", which is the store or
/// the account being away).
inline bool is_vault_refusal(const caf::error& err) {
  return err.category() == caf::atom("tfvault") &&
         static_cast<vault_errc>(err.code()) != vault_errc::unavailable;
}

/// Refusals that pass: a vault-wide mode, or (for a settlement) funds that
/// may yet arrive. The operation is asked again, never given up.
inline bool is_passing_refusal(const caf::error& err) {
  if (err.category() != caf::atom("tfvault"))
    return false;
  auto code = static_cast<vault_errc>(err.code());
  return code == vault_errc::emergency_mode || code == vault_errc::transfers_frozen ||
         code == vault_errc::insufficient_funds;
}

} // namespace tfarm::actors
