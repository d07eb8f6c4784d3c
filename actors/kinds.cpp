#include "actors/kinds.hpp"

#include "actors/agent/agent_kinds.hpp"
#include "actors/exchange/exchange_kinds.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "actors/exchange/sim_venue.hpp"
#include "actors/monitor/farm_monitor.hpp"
#include "actors/monitor/monitor_kinds.hpp"
#include "actors/vault/vault_kinds.hpp"
#include "actors/vault/vault_params.hpp"
#include "persistence/kinds.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

void add_kinds(runtime::kind_registry& x) {
  add_vault_kinds(x);
  add_exchange_kinds(x);
  add_agent_kinds(x);
  add_monitor_kinds(x);
}

void configure(caf::actor_system_config& cfg) {
  configure_monitor(cfg); // and the domains below it
  runtime::add_error_renderers(cfg);
}

namespace {

/// Supervisors of children made on demand or from config lists: the
/// widest limit.
runtime::child_spec wide_supervisor(std::string id) {
  return runtime::supervisor_spec(std::move(id), config::children_per_supervisor_max);
}

// /exchanges/venues/<venue> (simulated venues first: sessions look them up
// when they start) and /exchanges/sessions/<venue>/<account>.
void extend_exchanges(const config::exchange_settings& ex, runtime::child_spec& exchanges) {
  if (ex.venues.empty())
    return;
  auto venues = wide_supervisor("venues");
  for (auto& v : ex.venues) {
    if (v.kind != "simulated")
      continue;
    venues.children.push_back(
        runtime::spec_with(v.name, "sim_venue", sim_venue_params_for(v, ex.master_key_file)));
  }
  auto sessions = wide_supervisor("sessions");
  for (auto& s : ex.sessions) {
    auto by_venue = std::find_if(sessions.children.begin(), sessions.children.end(),
                                 [&](const runtime::child_spec& c) { return c.id == s.venue; });
    if (by_venue == sessions.children.end()) {
      sessions.children.push_back(wide_supervisor(s.venue));
      by_venue = sessions.children.end() - 1;
    }
    by_venue->children.push_back(
        runtime::spec_with(s.account, "exchange_session", session_params_for(ex, s)));
  }
  if (!venues.children.empty())
    exchanges.children.push_back(std::move(venues));
  if (!sessions.children.empty())
    exchanges.children.push_back(std::move(sessions));
}

} // namespace

// Reservations must cover the fees of whichever venue fills: the larger
// fee of the agent's venue and its backup, unless the agent says. A remote
// venue's fees are configured on its exchange node, not here: unknown, so
// the agent keeps its own allowance (agent_fee_bps_default), and the vault
// takes what a fill's fee needs beyond it from the account's available funds.
void extend_agents(const config::farm_config& farm, runtime::child_spec& users) {
  auto fee_of = [&](const std::string& name) -> int64_t {
    for (auto& v : farm.exchange.venues)
      if (v.name == name)
        return v.kind == "remote" ? -1 : std::max(v.taker_fee_bps, v.maker_fee_bps);
    return -1;
  };
  for (auto& user : users.children) {
    // The next start beyond the limit names it as operators know it.
    user.params["max_children_name"] = "MAX_AGENTS_PER_USER";
    for (auto& agent : user.children) {
      if (agent.kind != "trading_agent" || agent.params.count("fee_bps") > 0)
        continue;
      auto venue = agent.params.count("venue") > 0 ? agent.params.at("venue") : std::string{};
      auto fee = fee_of(venue);
      for (auto& v : farm.exchange.venues)
        if (v.name == venue && !v.backup.empty())
          fee = fee < 0 ? fee : fee_of(v.backup) < 0 ? -1 : std::max(fee, fee_of(v.backup));
      if (fee >= 0)
        agent.params["fee_bps"] = std::to_string(fee);
    }
  }
}

void extend_tree(const config::farm_config& farm, runtime::child_spec& root) {
  // Before /user, in this order: /exchanges (venues, sessions), /vault
  // (accounts, gateway), /risk (agents subscribe to it when they start).
  auto users = std::find_if(root.children.begin(), root.children.end(),
                            [](const runtime::child_spec& c) { return c.id == "user"; });
  if (users != root.children.end())
    extend_agents(farm, *users);
  auto exchanges = runtime::supervisor_spec("exchanges");
  extend_exchanges(farm.exchange, exchanges);
  auto vault = runtime::supervisor_spec("vault");
  vault.children.push_back(wide_supervisor("accounts"));
  vault.children.push_back(
      runtime::spec_with("gateway", "vault_gateway", vault_params_for(farm.vault)));
  runtime::child_spec risk;
  risk.id = "risk";
  risk.kind = "risk_control";
  std::vector<runtime::child_spec> domain{std::move(exchanges), std::move(vault)};
  if (users != root.children.end())
    domain.push_back(std::move(risk));
  root.children.insert(users, std::make_move_iterator(domain.begin()),
                       std::make_move_iterator(domain.end()));
  for (auto& child : root.children) {
    if (child.id != "monitor")
      continue;
    // The full monitor (metrics, alerts) in place of the runtime's
    // registry summary.
    child.kind = "farm_monitor";
    child.params = to_params(
        farm_monitor::params(farm.monitor, farm.monitor.interval, farm.node.monitor_interval));
  }
}

runtime::node_options sqlite_node_options(config::farm_config farm,
                                          std::vector<runtime::checkpoint> preload) {
  auto opts = persistence::sqlite_node_options(std::move(farm), std::move(preload));
  add_kinds(opts.kinds);
  opts.configure = [](caf::actor_system_config& cfg) {
    persistence::configure(cfg);
    configure(cfg);
  };
  opts.extend_tree = [](const config::farm_config& f, runtime::child_spec& root) {
    persistence::extend_tree(f, root);
    extend_tree(f, root);
  };
  return opts;
}

} // namespace tfarm::actors
