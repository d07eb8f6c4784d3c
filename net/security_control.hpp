// The runbook's security incident response on a running node: lockdown and
// step-by-step unlock, shared by the console (`lockdown`, `unlock`,
// `security`) and the HTTP API (/api/security/...). See docs/security.md.
//
// lockdown(), in this order, every step tried even when one before failed:
//   trading  the farm's kill switch goes HALTED (agents cancel resting orders);
//   vault    emergency mode on and transfers frozen;
//   store    in one transaction: every active exchange credential revoked,
//            the new admin token's digest recorded, the lockdown recorded
//            and audited (persistence/security_state.hpp);
//   logon    every exchange session logs off and refuses new orders;
//   token    the new admin token is in force: the old one is refused from
//            now on. The new token is in the outcome, and nowhere else.
// unlock() undoes the steps an operator names (trading, vault, logon); the
// lockdown ends with its last pending step. Credentials stay revoked: an
// operator stores new ones (`tfarm credentials set`) before `logon`.
//
// Thread-safe: the HTTP and console threads call it at once; each call
// asks actors with its own scoped actors, every wait bounded by `timeout`.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/admin_token.hpp"
#include "persistence/security_state.hpp"
#include "runtime/node.hpp"

namespace tfarm::net {

struct security_step {
  /// trading, vault, store, logon, token.
  std::string name;
  bool ok = false;
  /// What happened, or why it failed.
  std::string detail;
};

struct security_outcome {
  /// Every step succeeded.
  bool ok = false;
  std::vector<security_step> steps;
  /// lockdown: the new admin token (shown once), empty if none was issued.
  std::string new_token;
  /// The state afterwards (as far as the database could be read).
  persistence::security_state state;
};

class security_control {
public:
  /// `db` is the node's SQLite database ("" : none; the store steps fail).
  security_control(runtime::node& node, std::string db, std::shared_ptr<admin_token> token,
                   std::chrono::milliseconds timeout);

  admin_token& token() { return *token_; }

  /// The node's database file ("" : none).
  const std::string& db() const noexcept { return db_; }

  security_outcome lockdown(const std::string& who, const std::string& reason);

  /// `steps`: each one of persistence::lockdown_steps.
  security_outcome unlock(const std::string& who, const std::vector<std::string>& steps,
                          const std::string& reason);

  caf::expected<persistence::security_state> state() const;

  /// A cluster member: brings this node in line with the store's security
  /// state, which any member may have changed -- a lockdown's logoff of the
  /// exchange sessions (and their logon once its `logon` step is undone)
  /// and the admin token in force. The trading and vault steps need
  /// nothing here: their switches are the cluster's. Returns what it did
  /// (empty: nothing to do).
  std::vector<security_step> follow(const persistence::security_state& st);

private:
  security_step halt_trading(const std::string& who, const std::string& reason, bool halt);
  security_step vault_lock(const std::string& who, const std::string& reason, bool lock);
  security_step sessions(const std::string& reason, bool off);

  runtime::node& node_;
  std::string db_;
  std::shared_ptr<admin_token> token_;
  std::chrono::milliseconds timeout_;
  /// This node's sessions are logged off by a lockdown (made here or
  /// followed); under mtx_.
  std::mutex mtx_;
  bool sessions_off_ = false;
};

} // namespace tfarm::net
