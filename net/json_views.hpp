// JSON views of actor replies and registry entries, shared by the HTTP API
// and the inspection console so that both show the same field names (a
// status struct's own JSON form is its view: see runtime/status_fields.hpp).
// Pure functions; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "actors/vault/fwd.hpp"
#include "net/fwd.hpp"

namespace tfarm::runtime {
struct actor_info;
} // namespace tfarm::runtime

namespace tfarm::persistence {
struct security_state;
} // namespace tfarm::persistence

namespace tfarm::net {

/// An actor's published status as JSON, whatever its kind (for views that
/// show every actor); {"status_error": why} if it is not a JSON object.
/// Readers of a known kind decode its struct (runtime::read_status).
nlohmann::json state_of(const runtime::actor_info& a);

nlohmann::json to_json(const actors::reconcile_report& r);

/// The security state: {"locked_down", "reason", "by", "since_ms",
/// "pending": [...], "admin_token": "configured"|"rotated", "token_rotated_at_ms",
/// "token_rotated_by"} (never a token or its digest).
nlohmann::json to_json(const persistence::security_state& x);

/// A lockdown or unlock: {"ok", "steps": [{"name", "ok", "detail"}],
/// "state"} and "admin_token" when one was issued.
nlohmann::json to_json(const security_outcome& x);

/// Compares secrets in time independent of where they differ.
bool constant_time_equal(const std::string& a, const std::string& b);

} // namespace tfarm::net
