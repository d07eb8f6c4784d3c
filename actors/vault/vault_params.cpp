#include "actors/vault/vault_params.hpp"

namespace tfarm::actors {

vault_params vault_params_for(const config::vault_settings& x) {
  vault_params p;
  p.assets = x.assets;
  p.window_ms = x.idempotency_window.count();
  p.cached_operations = x.cached_operations;
  p.request_timeout_ms = x.request_timeout.count();
  p.reconcile_confirm_ms = x.reconcile_confirm.count();
  return p;
}

} // namespace tfarm::actors
