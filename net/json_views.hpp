// JSON views of actor replies and registry entries, shared by the HTTP API
// and the inspection console so that both show the same field names.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace tfarm::runtime {
struct actor_info;
} // namespace tfarm::runtime

namespace tfarm::actors {
struct exchange_status;
struct vault_status;
struct reconcile_report;
} // namespace tfarm::actors

namespace tfarm::net {

/// The actor's own description of its state ({} if it is not JSON).
nlohmann::json state_of(const runtime::actor_info& a);

nlohmann::json to_json(const actors::exchange_status& s);
nlohmann::json to_json(const actors::vault_status& s);
nlohmann::json to_json(const actors::reconcile_report& r);

/// Compares secrets in time independent of where they differ.
bool constant_time_equal(const std::string& a, const std::string& b);

} // namespace tfarm::net
