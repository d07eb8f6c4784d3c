// Opening the accounts a farm file lists ([[user.account]]), for `tfarm run`
// and tests. Idempotent: an account opened before is left as it is; an
// opening balance is deposited in the same store transaction that opens the
// account (keys "opening-balance:<ASSET>"), so it is credited exactly once
// in the account's life, however often the farm starts or crashes.
#pragma once

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

#include "actors/vault/vault_interfaces.hpp"
#include "config/farm_config.hpp"
#include "runtime/node_context.hpp"

namespace tfarm::actors {

/// The running gateway of a node, or an invalid handle.
vault_actor find_gateway(runtime::node_context& ctx);

/// Opens and funds every account of `farm`; the first refusal stops it.
caf::error open_configured_accounts(caf::actor_system& sys, const vault_actor& gateway,
                                    const config::farm_config& farm,
                                    std::chrono::milliseconds timeout);

} // namespace tfarm::actors
