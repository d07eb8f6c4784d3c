#include "actors/agent/risk_control.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/agent/error.hpp"
#include "actors/agent/logger.hpp"
#include "actors/agent/risk_gate.hpp"
#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "persistence/farm_switch.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/error_text.hpp"
#include "runtime/state_codec.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

/// Longest reason an operator may give for a trading state change.
constexpr std::size_t trading_state_reason_chars_max = 1'000;
static_assert(trading_state_reason_chars_max <= persistence::switch_reason_chars_max);

/// The store's switch names of trading states: "trading/farm",
/// "trading/user/NAME", "trading/agent/PATH".
constexpr const char* trading_switch_prefix = "trading/";
const std::string farm_switch_name = std::string{trading_switch_prefix} + "farm";
const std::string user_switch_prefix = std::string{trading_switch_prefix} + "user/";
const std::string agent_switch_prefix = std::string{trading_switch_prefix} + "agent/";

bool starts_with(const std::string& x, const std::string& prefix) {
  return x.compare(0, prefix.size(), prefix) == 0;
}

bool same(const risk_states& a, const risk_states& b) {
  return a.farm == b.farm && a.users == b.users && a.agents == b.agents;
}

/// A change as the store's switch (an active state puts it back).
persistence::farm_switch to_switch(const trading_state_change& x) {
  persistence::farm_switch s;
  s.name = x.level == trading_level::farm   ? farm_switch_name
           : x.level == trading_level::user ? user_switch_prefix + x.target
                                            : agent_switch_prefix + x.target;
  if (x.state != trading_state::active)
    s.state = to_string(x.state);
  s.reason = x.reason;
  s.by = x.by.substr(0, persistence::switch_by_chars_max);
  return s;
}

/// The states the store's trading switches hold; switches it cannot read
/// (a newer tfarm's) are left out and named in `unknown`.
risk_states from_switches(const std::vector<persistence::farm_switch>& rows,
                          std::vector<std::string>* unknown) {
  risk_states x;
  for (auto& row : rows) {
    trading_state state;
    auto known = parse_trading_state(row.state, state);
    if (known && row.name == farm_switch_name)
      x.farm = state;
    else if (known && starts_with(row.name, user_switch_prefix) &&
             row.name.size() > user_switch_prefix.size())
      x.users[row.name.substr(user_switch_prefix.size())] = state;
    else if (known && starts_with(row.name, agent_switch_prefix) &&
             row.name.size() > agent_switch_prefix.size())
      x.agents[row.name.substr(agent_switch_prefix.size())] = state;
    else if (unknown)
      unknown->push_back(row.name + "=" + row.state);
  }
  return x;
}

} // namespace

trading_states risk_states::for_agent(const std::string& user, const std::string& path) const {
  trading_states x;
  x.farm = farm;
  if (auto i = users.find(user); i != users.end())
    x.user = i->second;
  if (auto i = agents.find(path); i != agents.end())
    x.agent = i->second;
  return x;
}

risk_control::risk_control(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)), params_(runtime::params_of<risk_control_params>(spec())) {
  // nop
}

runtime::kind_info risk_control::kind() {
  return runtime::make_kind<risk_control>(
      "risk_control", "kill switch: trading states per farm, user and agent (durable, audited)",
      runtime::kind_persistent);
}

std::string risk_control::save_state() {
  return runtime::encode_state(states_);
}

caf::error risk_control::restore_state(const std::string& blob, uint32_t) {
  return runtime::decode_state(blob, states_);
}

std::string risk_control::describe() const {
  return runtime::status_json(
      risk_control_status{saved_.farm, saved_.users, saved_.agents, subscribers_.size()});
}

caf::error risk_control::check(const trading_state_change& x) const {
  // The level may come from a peer: any byte.
  if (x.level == trading_level::farm)
    return x.target.empty()
               ? caf::error{}
               : caf::error{agent_errc::bad_request, "a farm-wide trading state names no target"};
  if (x.level != trading_level::user && x.level != trading_level::agent)
    return caf::error{agent_errc::bad_request,
                      "trading state level must be farm, user or agent, got " + to_string(x.level)};
  if (x.target.empty() || x.target.size() > config::actor_path_chars_max)
    return caf::error{agent_errc::bad_request,
                      "a " + to_string(x.level) + " trading state needs the " +
                          (x.level == trading_level::user ? "user's name" : "agent's path")};
  if (x.reason.size() > trading_state_reason_chars_max)
    return caf::error{agent_errc::bad_request, "the reason is longer than " +
                                                   std::to_string(trading_state_reason_chars_max) +
                                                   " characters"};
  return {};
}

void risk_control::apply(const trading_state_change& x) {
  auto set = [&](std::map<std::string, trading_state>& m) {
    if (x.state == trading_state::active)
      m.erase(x.target);
    else
      m[x.target] = x.state;
  };
  if (x.level == trading_level::farm)
    states_.farm = x.state;
  else if (x.level == trading_level::user)
    set(states_.users);
  else
    set(states_.agents);
}

void risk_control::push() {
  for (auto& s : subscribers_)
    // As itself: an agent takes its trading state from the risk control only.
    caf::send_as(caf::actor_cast<caf::actor>(this), s.handle, saved_.for_agent(s.user, s.path));
}

void risk_control::audit(const trading_state_change& x, const std::string& what) {
  auto st = persistence::store_of(node().get());
  if (!st)
    return;
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::append_audit_atom_v,
          persistence::make_audit(path(), x.by, "risk.trading_state." + to_string(x.state),
                                  what + (x.reason.empty() ? "" : ": " + x.reason)))
      .then([](uint64_t) {},
            [](caf::error& e) {
              agent_log().error("risk control: audit failed: {}", runtime::to_text(e));
            });
}

void risk_control::pending_change::deliver(const risk_states& x) {
  if (restraint)
    restrained.deliver(true);
  else
    states.deliver(x);
}

void risk_control::pending_change::fail(caf::error err) {
  if (restraint)
    restrained.deliver(std::move(err));
  else
    states.deliver(std::move(err));
}

void risk_control::persist(const trading_state_change& x,
                           std::function<void(const caf::error&)> then, int attempt) {
  if (!params_.shared) {
    save_checkpoint_then([this, then](const caf::error& err) {
      if (err) {
        // A checkpoint taken meanwhile may hold the refused change: write
        // the durable state again.
        states_ = saved_;
        save_checkpoint();
      }
      then(err);
    });
    return;
  }
  auto st = persistence::store_of(node().get());
  if (!st) {
    then(caf::error{agent_errc::unavailable, "no store on this node"});
    return;
  }
  writes_.write_started();
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::put_switch_atom_v, to_switch(x))
      .then(
          [this, then](bool) {
            writes_.write_finished();
            then(caf::error{});
          },
          [this, x, then, attempt](caf::error& err) {
            writes_.write_finished();
            if (err == persistence::store_errc::conflict &&
                attempt + 1 < config::switch_write_attempts) {
              agent_log().info("risk control: the switch write conflicted ({}); writing it again",
                               runtime::to_text(err));
              persist(x, then, attempt + 1);
              return;
            }
            then(err);
          });
}

void risk_control::next_change() {
  while (!saving_ && !queue_.empty() && (loaded_ || !params_.shared)) {
    auto p = std::move(queue_.front());
    queue_.pop_front();
    if (p.restraint) {
      // Only ever tightens: an agent halted (or restrained) already stays so.
      auto i = saved_.agents.find(p.change.target);
      if (i != saved_.agents.end() && i->second != trading_state::active) {
        p.deliver(saved_);
        continue;
      }
    }
    saving_ = true;
    states_ = saved_;
    apply(p.change);
    auto change = p.change;
    persist(change, [this, p = std::move(p)](const caf::error& err) mutable {
      saving_ = false;
      auto& x = p.change;
      if (err) {
        states_ = saved_;
        p.fail(caf::error{agent_errc::unavailable,
                          "trading state not changed: it could not be made durable (" +
                              runtime::to_text(err) + ")"});
      } else {
        saved_ = states_;
        auto what = to_string(x.level) + (x.level == trading_level::farm ? "" : " " + x.target) +
                    " -> " + to_string(x.state);
        agent_log().warn("ALERT kill switch: {} by {}{}{}", what, x.by.empty() ? "?" : x.by,
                         x.reason.empty() ? "" : " (" + x.reason + ")",
                         params_.shared ? " (every member of the cluster)" : "");
        audit(x, what);
        publish_description();
        push();
        p.deliver(saved_);
      }
      next_change();
    });
  }
}

void risk_control::refresh() {
  auto again = [this] {
    delayed_send(this, std::chrono::milliseconds{config::shared_switch_refresh_ms},
                 risk_refresh_atom_v);
  };
  auto st = persistence::store_of(node().get());
  if (!st) {
    again();
    return;
  }
  auto token = writes_.read_started();
  request(st, std::chrono::milliseconds{config::store_request_timeout_ms},
          persistence::load_switches_atom_v, std::string{trading_switch_prefix})
      .then(
          [this, token, again](std::vector<persistence::farm_switch>& rows) {
            if (read_failing_)
              agent_log().info("risk control: the cluster's trading states are readable again");
            read_failing_ = false;
            // A read that overlapped a change of ours may predate it: the
            // next one tells.
            if (writes_.fresh(token)) {
              std::vector<std::string> unknown;
              adopt(from_switches(rows, &unknown));
              if (!unknown.empty())
                agent_log().warn("risk control: switches this tfarm does not know, ignored: {}",
                                 unknown.front());
              if (!loaded_) {
                loaded_ = true;
                for (auto& h : held_) {
                  h.rp.deliver(saved_.for_agent(h.who.user, h.who.path));
                  subscribe(std::move(h.who));
                }
                held_.clear();
                next_change();
              }
            }
            again();
          },
          [this, again](caf::error& err) {
            if (!read_failing_)
              agent_log().error("risk control: cannot read the cluster's trading states ({}); "
                                "{} until it can",
                                runtime::to_text(err),
                                loaded_ ? "keeping the last read"
                                        : "agents starting here stay halted");
            read_failing_ = true;
            again();
          });
}

void risk_control::adopt(risk_states x) {
  if (same(x, saved_))
    return;
  // Another member changed them (or they were read for the first time).
  auto before = std::move(saved_);
  saved_ = states_ = std::move(x);
  if (before.farm != saved_.farm)
    agent_log().warn("ALERT kill switch: farm -> {} (the cluster's)", to_string(saved_.farm));
  auto log_changes = [](const char* level, const std::map<std::string, trading_state>& was,
                        const std::map<std::string, trading_state>& now) {
    auto state_in = [](const std::map<std::string, trading_state>& m, const std::string& k) {
      auto i = m.find(k);
      return i == m.end() ? trading_state::active : i->second;
    };
    for (auto& [k, v] : now)
      if (state_in(was, k) != v)
        agent_log().warn("ALERT kill switch: {} {} -> {} (the cluster's)", level, k, to_string(v));
    for (auto& [k, v] : was)
      if (now.count(k) == 0)
        agent_log().warn("ALERT kill switch: {} {} -> active (the cluster's)", level, k);
  };
  log_changes("user", before.users, saved_.users);
  log_changes("agent", before.agents, saved_.agents);
  publish_description();
  push();
}

void risk_control::subscribe(subscriber who) {
  auto known = std::find_if(subscribers_.begin(), subscribers_.end(),
                            [&](const subscriber& s) { return s.handle == who.handle; });
  if (who.handle && known == subscribers_.end()) {
    monitor(who.handle);
    subscribers_.push_back(std::move(who));
    publish_description();
  }
}

risk_control::behavior_type risk_control::make_behavior() {
  set_down_handler([this](caf::down_msg& msg) {
    subscribers_.erase(
        std::remove_if(subscribers_.begin(), subscribers_.end(),
                       [&](const subscriber& s) { return s.handle.address() == msg.source; }),
        subscribers_.end());
  });
  saved_ = states_; // restored: durable
  publish_description();
  if (params_.shared)
    refresh();
  if (states_.farm != trading_state::active || !states_.users.empty() || !states_.agents.empty())
    agent_log().warn("ALERT risk control: restored trading states: {}", describe());
  return {
      [this](trading_state_change& x) -> caf::result<risk_states> {
        if (auto err = check(x))
          return err;
        pending_change p;
        p.change = std::move(x);
        p.states = make_response_promise<risk_states>();
        auto rp = p.states;
        queue_.push_back(std::move(p));
        next_change();
        return rp;
      },
      [this](agent_restraint& x) -> caf::result<bool> {
        pending_change p;
        p.restraint = true;
        p.change.level = trading_level::agent;
        p.change.target = std::move(x.agent);
        p.change.state = trading_state::reducing;
        p.change.reason = std::move(x.reason);
        p.change.by = "system";
        if (p.change.reason.size() > trading_state_reason_chars_max)
          p.change.reason.resize(trading_state_reason_chars_max);
        if (auto err = check(p.change))
          return err;
        p.restrained = make_response_promise<bool>();
        auto rp = p.restrained;
        queue_.push_back(std::move(p));
        next_change();
        return rp;
      },
      [this](risk_subscribe_atom, std::string& agent_path, std::string& user,
             caf::actor& who) -> caf::result<trading_states> {
        if (params_.shared && !loaded_) {
          auto rp = make_response_promise<trading_states>();
          held_.push_back(held_subscription{subscriber{agent_path, user, who}, rp});
          return rp;
        }
        subscribe(subscriber{agent_path, user, who});
        return saved_.for_agent(user, agent_path);
      },
      [this](risk_states_atom) -> caf::result<risk_states> { return saved_; },
      [this](risk_refresh_atom) {
        if (from_self())
          refresh();
      },
  };
}

} // namespace tfarm::actors
