// The parameters of the vault's kinds: the gateway's, which it hands on
// unchanged to every account it starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/farm_config.hpp"
#include "config/limits.hpp"
#include "runtime/kind_params.hpp"

namespace tfarm::actors {

struct vault_params {
  /// Assets accounts may hold.
  std::vector<std::string> assets;
  /// How long an idempotency key's result is kept in memory, milliseconds.
  int64_t window_ms = config::vault_idempotency_window_ms_default;
  /// Recent operations kept whole in memory (and closed reservations).
  int64_t cached_operations = config::vault_cached_operations_default;
  /// Longest wait for the store or an account, milliseconds.
  int64_t request_timeout_ms = config::vault_request_timeout_ms_default;
  /// A reconciliation's second look at the trading record, this long after
  /// its first, milliseconds (0: one look).
  int64_t reconcile_confirm_ms = config::vault_reconcile_confirm_ms_default;
  /// A cluster member's vault: the member starts the accounts of the users
  /// it holds; the gateway never starts one by itself (an account of a
  /// user on another member is refused, not run twice).
  bool placed = false;
};

TFARM_PARAM_FIELDS(vault_params, assets, window_ms, cached_operations, request_timeout_ms,
                   reconcile_confirm_ms, placed)

/// The farm's [vault] settings as parameters.
vault_params vault_params_for(const config::vault_settings& x);

} // namespace tfarm::actors
