// One audit log entry: who (actor path, user) did what (action), when, with
// details (secrets never go into `detail`); and one alert of the monitor.
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

#include "runtime/status_fields.hpp"

namespace tfarm::persistence {

struct audit_record {
  /// Assigned by the store.
  uint64_t id = 0;
  /// Milliseconds since the Unix epoch; 0 means "now" when appending.
  int64_t ts_ms = 0;
  /// Actor path, or "cli" / "operator" for commands.
  std::string actor;
  /// The user on whose behalf (or the OS user of an operator command).
  std::string user;
  /// Dotted action name, e.g. "vault.emergency.on", "checkpoint.corrupt".
  std::string action;
  std::string detail;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_record& x) {
  return f(caf::meta::type_name("tfarm.audit_record"), x.id, x.ts_ms, x.actor, x.user, x.action,
           x.detail);
}

/// A record to append now: the one way every module writes the audit log.
inline audit_record make_audit(std::string actor, std::string user, std::string action,
                               std::string detail) {
  audit_record x;
  x.actor = std::move(actor);
  x.user = std::move(user);
  x.action = std::move(action);
  x.detail = std::move(detail);
  return x;
}

/// One alert of the monitor with its lifecycle: "firing" (possibly at a
/// new severity), "acknowledged" (an operator saw it; it still fires) and
/// "resolved" (its condition cleared). Saving with id 0 inserts and
/// returns the new id; otherwise it updates that row.
struct alert_record {
  uint64_t id = 0;
  std::string rule;
  /// "info", "warning", "error" or "critical".
  std::string severity;
  /// "firing", "acknowledged" or "resolved".
  std::string state;
  std::string message;
  /// Milliseconds since the Unix epoch.
  int64_t fired_at_ms = 0;
  int64_t updated_at_ms = 0;
};

TFARM_STATUS_FIELDS(alert_record, "tfarm.alert_record", id, rule, severity, state, message,
                    fired_at_ms, updated_at_ms)

} // namespace tfarm::persistence
