#include "actors/agent/risk_control.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/agent/error.hpp"
#include "actors/agent/logger.hpp"
#include "config/limits.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/error_text.hpp"
#include "runtime/state_codec.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

/// Longest reason an operator may give for a trading state change.
constexpr std::size_t trading_state_reason_chars_max = 1'000;

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
    : super(cfg, std::move(ctx)) {
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
            [this](caf::error& e) {
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

void risk_control::next_change() {
  while (!saving_ && !queue_.empty()) {
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
    save_checkpoint_then([this, p = std::move(p)](const caf::error& err) mutable {
      saving_ = false;
      auto& x = p.change;
      if (err) {
        states_ = saved_;
        // A checkpoint taken meanwhile may hold the refused change: write
        // the durable state again.
        save_checkpoint();
        p.fail(caf::error{agent_errc::unavailable,
                          "trading state not changed: it could not be made durable (" +
                              runtime::to_text(err) + ")"});
      } else {
        saved_ = states_;
        auto what = to_string(x.level) + (x.level == trading_level::farm ? "" : " " + x.target) +
                    " -> " + to_string(x.state);
        agent_log().warn("ALERT kill switch: {} by {}{}", what, x.by.empty() ? "?" : x.by,
                         x.reason.empty() ? "" : " (" + x.reason + ")");
        audit(x, what);
        publish_description();
        push();
        p.deliver(saved_);
      }
      next_change();
    });
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
        auto known = std::find_if(subscribers_.begin(), subscribers_.end(),
                                  [&](const subscriber& s) { return s.handle == who; });
        if (who && known == subscribers_.end()) {
          monitor(who);
          subscribers_.push_back(subscriber{agent_path, user, who});
          publish_description();
        }
        return saved_.for_agent(user, agent_path);
      },
      [this](risk_states_atom) -> caf::result<risk_states> { return saved_; },
  };
}

} // namespace tfarm::actors
