#include "net/security_control.hpp"

#include <algorithm>

#include <spdlog/logger.h>

#include "actors/agent/agent_interfaces.hpp"
#include "actors/type_ids.hpp"
#include "actors/vault/vault_setup.hpp"
#include "config/suggest.hpp"
#include "net/logger.hpp"
#include "net/session_query.hpp"
#include "runtime/ask.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::net {

namespace {

std::string text_of(const caf::error& e) {
  if (e == caf::sec::request_timeout)
    return "no answer in time";
  return runtime::to_text(e);
}

} // namespace

security_control::security_control(runtime::node& node, std::string db,
                                   std::shared_ptr<admin_token> token,
                                   std::chrono::milliseconds timeout)
    : node_(node), db_(std::move(db)), token_(std::move(token)), timeout_(timeout) {
  // nop
}

security_step security_control::halt_trading(const std::string& who, const std::string& reason,
                                             bool halt) {
  security_step step{"trading", false, {}};
  auto e = node_.context().registry().find(actors::risk_control_path);
  auto risk = caf::actor_cast<actors::risk_control_actor>(e ? e->handle() : caf::actor{});
  if (!risk) {
    step.detail = std::string{"the risk control ("} + actors::risk_control_path +
                  ") is not running: the kill switch was not set";
    return step;
  }
  actors::trading_state_change change;
  change.level = actors::trading_level::farm;
  change.state = halt ? actors::trading_state::halted : actors::trading_state::active;
  change.reason = reason;
  change.by = who;
  auto r = runtime::ask<actors::risk_states>(node_.system(), risk, timeout_, change);
  if (!r) {
    step.detail = "the kill switch was not set: " + text_of(r.error());
    return step;
  }
  step.ok = true;
  step.detail = halt ? "the farm is HALTED: no new orders, resting orders are cancelled"
                     : "the farm is ACTIVE again";
  return step;
}

security_step security_control::vault_lock(const std::string& who, const std::string& reason,
                                           bool lock) {
  security_step step{"vault", false, {}};
  auto gw = actors::find_gateway(node_.context());
  if (!gw) {
    step.detail = "the vault gateway is not running";
    return step;
  }
  for (auto mode : {actors::vault_mode::emergency, actors::vault_mode::transfers_frozen}) {
    actors::vault_mode_change change;
    change.mode = mode;
    change.on = lock;
    change.user = who;
    change.reason = reason;
    auto s = runtime::ask<actors::vault_status>(node_.system(), gw, timeout_, change);
    if (!s) {
      step.detail = to_string(mode) + (lock ? " on" : " off") + " failed: " + text_of(s.error());
      return step;
    }
  }
  step.ok = true;
  step.detail = lock ? "emergency mode on, transfers frozen" : "emergency mode off, transfers open";
  return step;
}

security_step security_control::sessions(const std::string& reason, bool off) {
  security_step step{"logon", false, {}};
  auto found = find_sessions(node_.context(), [](const runtime::actor_info&) { return true; });
  std::vector<actors::exchange_session_actor> handles;
  for (auto& s : found)
    handles.push_back(s.handle);
  std::size_t answered = 0;
  uint32_t venues = 0;
  std::string failures;
  if (off) {
    auto rs = runtime::ask_all<uint32_t>(node_.system(), handles, timeout_, actors::logoff_atom_v,
                                         reason);
    for (std::size_t i = 0; i < rs.size(); ++i) {
      if (rs[i]) {
        ++answered;
        venues += *rs[i];
      } else {
        failures +=
            (failures.empty() ? "" : "; ") + found[i].info.path + ": " + text_of(rs[i].error());
      }
    }
    step.detail = std::to_string(answered) + " of " + std::to_string(found.size()) +
                  " sessions logged off (" + std::to_string(venues) +
                  " venue logons ended); they refuse new orders";
  } else {
    auto rs = ask_sessions(node_.system(), found, session_request::recover, timeout_);
    std::size_t connected = 0;
    for (std::size_t i = 0; i < rs.size(); ++i) {
      if (rs[i]) {
        ++answered;
        connected += rs[i]->connected ? 1 : 0;
        if (!rs[i]->connected && !rs[i]->last_error.empty())
          failures +=
              (failures.empty() ? "" : "; ") + found[i].info.path + ": " + rs[i]->last_error;
      } else {
        failures +=
            (failures.empty() ? "" : "; ") + found[i].info.path + ": " + text_of(rs[i].error());
      }
    }
    step.detail = std::to_string(answered) + " of " + std::to_string(found.size()) +
                  " sessions logging on again (" + std::to_string(connected) + " connected now)";
  }
  step.ok = answered == found.size();
  if (!failures.empty())
    step.detail += "; " + failures;
  return step;
}

security_outcome security_control::lockdown(const std::string& who, const std::string& reason) {
  security_outcome out;
  auto why = "security lockdown: " + reason;
  log().error("security lockdown by {}: {}", who, reason);
  {
    // Before the store records it: follow() then finds this node in line.
    std::lock_guard<std::mutex> guard{mtx_};
    sessions_off_ = true;
  }
  out.steps.push_back(halt_trading(who, why, true));
  out.steps.push_back(vault_lock(who, why, true));
  auto token = admin_token::generate();
  security_step store{"store", false, {}};
  persistence::lockdown_record rec;
  rec.by = who;
  rec.reason = reason;
  rec.admin_token_sha256 = token ? admin_token::digest(*token) : std::string{};
  if (db_.empty()) {
    store.detail = "this node has no database: credentials were not revoked, the lockdown is "
                   "not recorded";
  } else if (auto revoked = persistence::record_lockdown(db_, rec)) {
    store.ok = true;
    store.detail = std::to_string(*revoked) +
                   " exchange credentials revoked; the lockdown and the new admin token's digest "
                   "are durable";
  } else {
    store.detail = "not recorded: " + runtime::to_text(revoked.error());
  }
  out.steps.push_back(store);
  out.steps.push_back(sessions(why, true));
  security_step tok{"token", false, {}};
  if (!token) {
    tok.detail = "no new admin token: " + runtime::to_text(token.error()) +
                 "; the old one is still in force";
  } else if (!token_->adopt(rec.admin_token_sha256)) {
    tok.detail = "the new admin token could not be put in force";
  } else {
    tok.ok = true;
    tok.detail = store.ok ? "a new admin token is in force; the old one is refused"
                          : "a new admin token is in force until the node stops (it is not "
                            "durable: the configured token returns at the next start)";
    out.new_token = *token;
  }
  out.steps.push_back(tok);
  out.ok = true;
  for (auto& s : out.steps) {
    out.ok = out.ok && s.ok;
    if (s.ok)
      log().warn("security lockdown: {}: {}", s.name, s.detail);
    else
      log().error("security lockdown: {} FAILED: {}", s.name, s.detail);
  }
  if (auto st = state())
    out.state = *st;
  return out;
}

security_outcome security_control::unlock(const std::string& who,
                                          const std::vector<std::string>& steps,
                                          const std::string& reason) {
  security_outcome out;
  auto why = "security unlock" + (reason.empty() ? std::string{} : ": " + reason);
  auto wants = [&](const char* name) {
    return std::find(steps.begin(), steps.end(), name) != steps.end();
  };
  for (auto& s : steps)
    if (std::find(std::begin(persistence::lockdown_steps), std::end(persistence::lockdown_steps),
                  s) == std::end(persistence::lockdown_steps)) {
      out.steps.push_back({s, false, "unknown step (steps: trading, vault, logon)"});
      return out;
    }
  // The vault and the logons first: trading resumes last, on a farm that
  // can settle and reach its venues.
  if (wants("vault"))
    out.steps.push_back(vault_lock(who, why, false));
  if (wants("logon")) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      sessions_off_ = false;
    }
    out.steps.push_back(sessions(why, false));
  }
  if (wants("trading"))
    out.steps.push_back(halt_trading(who, why, false));
  std::vector<std::string> done;
  for (auto& s : out.steps)
    if (s.ok)
      done.push_back(s.name);
  security_step store{"store", false, {}};
  if (db_.empty()) {
    store.detail = "this node has no database: the unlock is not recorded";
  } else if (auto st = persistence::record_unlock(db_, who, done, reason)) {
    store.ok = true;
    store.detail = st->locked_down ? "recorded; still pending: " + config::join(st->pending)
                                   : "recorded; the lockdown is over";
  } else {
    store.detail = "not recorded: " + runtime::to_text(st.error());
  }
  out.steps.push_back(store);
  out.ok = true;
  for (auto& s : out.steps) {
    out.ok = out.ok && s.ok;
    log().warn("security unlock by {}: {}: {}{}", who, s.name, s.ok ? "" : "FAILED: ", s.detail);
  }
  if (auto st = state())
    out.state = *st;
  return out;
}

caf::expected<persistence::security_state> security_control::state() const {
  if (db_.empty())
    return persistence::security_state{};
  return persistence::load_security_state(db_);
}

std::vector<security_step> security_control::follow(const persistence::security_state& st) {
  std::vector<security_step> done;
  auto want_off = st.locked_down && std::find(st.pending.begin(), st.pending.end(),
                                              std::string{"logon"}) != st.pending.end();
  std::lock_guard<std::mutex> guard{mtx_};
  if (want_off != sessions_off_) {
    sessions_off_ = want_off;
    auto why = want_off ? "security lockdown by " + st.lockdown_by +
                              " (on another member): " + st.lockdown_reason
                        : std::string{"security unlock (on another member)"};
    done.push_back(sessions(why, want_off));
  }
  if (!st.admin_token_sha256.empty() && !token_->holds(st.admin_token_sha256)) {
    security_step tok{"token", token_->adopt(st.admin_token_sha256), {}};
    tok.detail = tok.ok ? "the admin token " + st.token_rotated_by +
                              " put in force on another member is in force here; the old one "
                              "is refused"
                        : "the stored admin token digest is malformed: the old token stays";
    done.push_back(tok);
  }
  for (auto& x : done)
    if (x.ok)
      log().warn("security (following the cluster): {}: {}", x.name, x.detail);
    else
      log().error("security (following the cluster): {} FAILED: {}", x.name, x.detail);
  return done;
}

} // namespace tfarm::net
