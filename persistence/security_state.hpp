// The farm's security state at rest (table security_state, schema 008): the
// admin token a lockdown issued (its SHA-256 only, never the token) and the
// lockdown with the steps no operator has undone yet.
//
// A lockdown is one transaction: every active exchange credential is
// revoked, the new token's digest replaces the old one, the lockdown and its
// pending steps are recorded and audited. Unlocking is step by step; the
// lockdown ends when no step is pending. Thread-safety: each call opens its
// own connection (SQLite serializes the writers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "persistence/sql_connection.hpp"

namespace tfarm::persistence {

/// What a lockdown stops, each undone by its own unlock step.
/// trading: the farm's kill switch; vault: emergency mode and the transfer
/// freeze; logon: the exchange sessions' logons (their credentials).
inline constexpr const char* lockdown_steps[] = {"trading", "vault", "logon"};

struct security_state {
  /// SHA-256 (64 hex digits) of the admin token in force; empty while the
  /// configured token (TFARM_ADMIN_TOKEN, [http] admin_token) rules.
  std::string admin_token_sha256;
  int64_t token_rotated_at_ms = 0;
  std::string token_rotated_by;
  bool locked_down = false;
  std::string lockdown_reason;
  std::string lockdown_by;
  int64_t lockdown_at_ms = 0;
  /// The lockdown's steps not undone yet, in lockdown_steps order.
  std::vector<std::string> pending;
};

struct lockdown_record {
  std::string by;
  std::string reason;
  /// The new admin token's SHA-256 (hex; empty: the token is not changed).
  std::string admin_token_sha256;
};

/// The state (an error if the database cannot be read or is older than
/// schema 008).
caf::expected<security_state> load_security_state(const std::string& db);

/// The same on a connection the caller keeps (a member reads it every
/// second).
caf::expected<security_state> load_security_state(sql_connection& db);

/// Records a lockdown in one transaction (see above); returns how many
/// credentials it revoked. Every step is pending afterwards.
caf::expected<uint64_t> record_lockdown(const std::string& db, const lockdown_record& x);

/// Marks `steps` undone (each one of lockdown_steps; an unknown one is
/// refused, naming the valid ones) and audits it; the lockdown ends with
/// its last pending step. Returns the new state.
caf::expected<security_state> record_unlock(const std::string& db, const std::string& by,
                                            const std::vector<std::string>& steps,
                                            const std::string& reason);

/// Replaces the admin token's digest (64 hex digits), audited: the token
/// a lost one is replaced with, by an operator at the database.
caf::error record_admin_token(const std::string& db, const std::string& sha256_hex,
                              const std::string& by);

} // namespace tfarm::persistence
