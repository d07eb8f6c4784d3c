#include "actors/agent/agent_settings.hpp"

#include <algorithm>

#include "actors/agent/strategy.hpp"
#include "config/duration.hpp"
#include "config/suggest.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

namespace {

using problem = config::check_options::agent_problem;

constexpr int64_t agent_timer_ms_min = 10;
constexpr int64_t agent_timer_ms_max = 3'600'000;

void read_int(const std::map<std::string, std::string>& params, const std::string& key, int64_t min,
              int64_t max, int64_t& out, std::vector<problem>& problems) {
  if (auto err = int_param(params, key, min, max, out))
    problems.push_back({key, runtime::message_of(err)});
}

void read_duration(const std::map<std::string, std::string>& params, const std::string& key,
                   int64_t& out_ms, std::vector<problem>& problems) {
  auto i = params.find(key);
  if (i == params.end())
    return;
  std::string why;
  auto d = config::parse_duration(i->second, why);
  if (!d || d->count() < agent_timer_ms_min || d->count() > agent_timer_ms_max) {
    problems.push_back({key, "parameter '" + key + "' must be a duration from 10ms to 1h, got '" +
                                 i->second + "'" + (why.empty() ? "" : " (" + why + ")")});
    return;
  }
  out_ms = d->count();
}

} // namespace

const std::vector<std::string>& agent_param_keys() {
  static const std::vector<std::string> keys{"strategy",
                                             "venue",
                                             "account",
                                             "symbol",
                                             "order_rate",
                                             "max_position",
                                             "max_order_notional",
                                             "max_open_orders",
                                             "fee_bps",
                                             "collar_bps",
                                             "timer",
                                             "poll"};
  return keys;
}

std::vector<problem> parse_agent_settings(const std::map<std::string, std::string>& params,
                                          const config::runbook_limits& limits,
                                          agent_settings& out) {
  std::vector<problem> problems;
  auto required = [&](const std::string& key, std::string& field) {
    auto i = params.find(key);
    if (i == params.end() || i->second.empty())
      problems.push_back({"", "missing required parameter '" + key + "'"});
    else
      field = i->second;
  };
  required("strategy", out.strategy);
  required("venue", out.venue);
  required("account", out.account);
  required("symbol", out.symbol);
  if (!out.symbol.empty()) {
    auto dash = out.symbol.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == out.symbol.size())
      problems.push_back({"symbol", "parameter 'symbol' must be BASE-QUOTE (e.g. BTC-USD), got '" +
                                        out.symbol + "'"});
    else {
      out.base = out.symbol.substr(0, dash);
      out.quote = out.symbol.substr(dash + 1);
    }
  }
  out.limits.order_rate = limits.order_rate_limit;
  if (auto i = params.find("order_rate"); i != params.end()) {
    std::string why;
    if (auto r = config::parse_rate(i->second, why))
      out.limits.order_rate = *r;
    else
      problems.push_back(
          {"order_rate", "parameter 'order_rate' must be a rate like '20/min', got '" + i->second +
                             "'" + (why.empty() ? "" : ": " + why)});
  }
  constexpr int64_t big = int64_t{1} << 62;
  read_int(params, "max_position", 0, big, out.limits.max_position, problems);
  read_int(params, "max_order_notional", 0, big, out.limits.max_order_notional, problems);
  read_int(params, "max_open_orders", 0, 1'000'000, out.limits.max_open_orders, problems);
  read_int(params, "fee_bps", 0, 10'000, out.fee_bps, problems);
  read_int(params, "collar_bps", 1, agent_collar_bps_max, out.collar_bps, problems);
  read_duration(params, "timer", out.timer_ms, problems);
  read_duration(params, "poll", out.poll_ms, problems);
  out.strategy_params.clear();
  auto& keys = agent_param_keys();
  for (auto& [k, v] : params)
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      out.strategy_params.emplace(k, v);
  if (!out.strategy.empty()) {
    auto s = strategy_registry::instance().make(out.strategy);
    if (!s) {
      auto names = strategy_registry::instance().names();
      auto near = config::nearest(out.strategy, names);
      problems.push_back({"strategy", "unknown strategy '" + out.strategy + "'" +
                                          (near ? "; did you mean '" + *near + "'?" : "") +
                                          " (known: " + config::join(names) + ")"});
    } else if (auto err = s->configure(out.strategy_params)) {
      // The strategy names the parameter at fault in its message; find it
      // for the position.
      auto msg = runtime::message_of(err);
      std::string key;
      for (auto& [k, v] : out.strategy_params)
        if (msg.find("'" + k + "'") != std::string::npos)
          key = k;
      problems.push_back({key, msg});
    }
  }
  return problems;
}

std::vector<problem> validate_agent(const config::agent_spec& agent, const config::user_spec& user,
                                    const config::farm_config& farm) {
  if (agent.kind != "trading_agent")
    return {};
  agent_settings s;
  auto problems = parse_agent_settings(agent.params, farm.limits, s);
  if (!s.account.empty()) {
    auto owns = std::any_of(user.accounts.begin(), user.accounts.end(),
                            [&](const config::account_spec& a) { return a.id == s.account; });
    if (!owns)
      problems.push_back({"account", "account '" + s.account + "' is not one of user '" +
                                         user.name + "''s accounts"});
  }
  if (!s.venue.empty()) {
    auto& venues = farm.exchange.venues;
    auto v = std::find_if(venues.begin(), venues.end(),
                          [&](const config::venue_settings& x) { return x.name == s.venue; });
    if (v == venues.end()) {
      std::vector<std::string> names;
      for (auto& x : venues)
        names.push_back(x.name);
      auto near = config::nearest(s.venue, names);
      problems.push_back({"venue", "unknown venue '" + s.venue + "'" +
                                       (near ? "; did you mean '" + *near + "'?" : "") +
                                       " (known: " + config::join(names) + ")"});
    } else {
      if (!s.symbol.empty() && v->kind == "simulated" &&
          std::find(v->symbols.begin(), v->symbols.end(), s.symbol) == v->symbols.end())
        problems.push_back({"symbol", "venue " + s.venue + " does not trade " + s.symbol +
                                          " (it trades " + config::join(v->symbols) + ")"});
      auto& sessions = farm.exchange.sessions;
      auto has_session =
          std::any_of(sessions.begin(), sessions.end(), [&](const config::session_settings& x) {
            return x.venue == s.venue && x.account == s.account;
          });
      if (!s.account.empty() && !has_session)
        problems.push_back({"venue", "no [[exchange.session]] connects account '" + s.account +
                                         "' to venue " + s.venue});
    }
  }
  if (!s.base.empty()) {
    for (auto& asset : {s.base, s.quote})
      if (std::find(farm.vault.assets.begin(), farm.vault.assets.end(), asset) ==
          farm.vault.assets.end())
        problems.push_back({"symbol", "asset " + asset + " of " + s.symbol +
                                          " is not a vault asset (known: " +
                                          config::join(farm.vault.assets) + ")"});
  }
  return problems;
}

std::function<std::vector<problem>(const config::agent_spec&, const config::user_spec&,
                                   const config::farm_config&)>
agent_validator(const runtime::kind_registry& kinds) {
  return [&kinds](const config::agent_spec& agent, const config::user_spec& user,
                  const config::farm_config& farm) -> std::vector<problem> {
    if (agent.kind == "trading_agent")
      return validate_agent(agent, user, farm);
    return runtime::agent_param_problems(kinds, agent);
  };
}

} // namespace tfarm::actors
