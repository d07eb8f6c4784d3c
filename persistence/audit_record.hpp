// One audit log entry: who (actor path, user) did what (action), when, with
// details. Secrets never go into `detail`.
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

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

} // namespace tfarm::persistence
