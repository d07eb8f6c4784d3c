#include "actors/vault/vault_setup.hpp"

#include <caf/scoped_actor.hpp>

#include "actors/vault/error.hpp"
#include "actors/vault/vault_names.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

vault_actor find_gateway(runtime::node_context& ctx) {
  auto entry = ctx.registry().find(gateway_path);
  return entry ? caf::actor_cast<vault_actor>(entry->handle()) : vault_actor{};
}

caf::error open_configured_accounts(caf::actor_system& sys, const vault_actor& gateway,
                                    const config::farm_config& farm,
                                    std::chrono::milliseconds timeout) {
  if (!gateway)
    return caf::error{vault_errc::unavailable, "the vault gateway is not running"};
  caf::scoped_actor self{sys};
  caf::error failure;
  auto ask = [&](vault_request r) {
    self->request(gateway, timeout, std::move(r))
        .receive([](vault_reply&) {}, [&](caf::error& err) { failure = std::move(err); });
    return !failure;
  };
  for (auto& user : farm.users) {
    for (auto& account : user.accounts) {
      vault_request open;
      open.op = vault_op::open;
      open.user = user.name;
      open.account = account.id;
      open.opening_balance = account.opening_balance;
      if (!ask(open))
        return caf::error{vault_reason(failure), "cannot open account " + account.id +
                                                     " for user " + user.name + ": " +
                                                     runtime::message_of(failure)};
    }
  }
  return {};
}

} // namespace tfarm::actors
