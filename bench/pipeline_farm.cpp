#include "bench/pipeline_farm.hpp"

#include <chrono>
#include <stdexcept>

#include <caf/scoped_actor.hpp>

#include "actors/agent/agent_interfaces.hpp"
#include "bench/sqlite_node.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::bench {

namespace {

constexpr auto status_timeout = std::chrono::seconds{10};

} // namespace

config::farm_config pipeline_farm(const std::string& db, const scenario_options& opts,
                                  const std::string& strategy,
                                  const std::map<std::string, std::string>& params) {
  auto farm = sqlite_farm(db, opts);
  farm.vault.assets = {"USD", "BTC"};
  farm.vault.request_timeout = std::chrono::milliseconds{60'000};
  auto v = unlimited_venue();
  v.market_data.interval = std::chrono::milliseconds{1};
  v.market_data.start_price = 6'000;
  v.market_data.volatility_bps = 5;
  v.market_data.depth = 3;
  v.market_data.level_qty = 1'000'000;
  v.market_data.taker_rate = 0.0;
  farm.exchange.venues.push_back(v);
  farm.exchange.request_timeout = std::chrono::milliseconds{30'000};
  farm.limits.order_rate_limit = config::rate{1'000'000, std::chrono::milliseconds{1'000}};
  for (int64_t i = 0; i < pipeline_agents_n; ++i) {
    auto id = "u" + std::to_string(i);
    config::user_spec u;
    u.name = id;
    u.accounts.push_back(config::account_spec{
        "a" + std::to_string(i), {{"USD", int64_t{1} << 50}, {"BTC", int64_t{1} << 40}}});
    config::agent_spec a;
    a.id = "p";
    a.kind = "trading_agent";
    a.params = params;
    a.params.insert({{"strategy", strategy},
                     {"venue", "sim"},
                     {"account", "a" + std::to_string(i)},
                     {"symbol", "BTC-USD"},
                     {"poll", "5s"}});
    u.agents.push_back(std::move(a));
    farm.users.push_back(std::move(u));
    farm.exchange.sessions.push_back(config::session_settings{"sim", "a" + std::to_string(i)});
  }
  return farm;
}

std::vector<actors::agent_status> pipeline_statuses(runtime::node& n) {
  std::vector<actors::agent_status> result;
  caf::scoped_actor self{n.system()};
  for (int64_t i = 0; i < pipeline_agents_n; ++i) {
    auto e = n.context().registry().find("/user/u" + std::to_string(i) + "/p");
    if (!e || !e->handle())
      throw std::runtime_error("agent " + std::to_string(i) + " is not running");
    self->request(caf::actor_cast<actors::trading_agent_actor>(e->handle()), status_timeout,
                  actors::agent_status_atom_v)
        .receive([&](actors::agent_status& x) { result.push_back(std::move(x)); },
                 [&](caf::error& err) { throw std::runtime_error(runtime::to_text(err)); });
  }
  return result;
}

uint64_t total_fills(const std::vector<actors::agent_status>& xs) {
  uint64_t n = 0;
  for (auto& x : xs)
    n += x.fills;
  return n;
}

} // namespace tfarm::bench
