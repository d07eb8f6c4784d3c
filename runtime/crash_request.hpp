// The crash hook: sent to any managed actor, it makes that actor fail with
// runtime_errc::crash_injected and the given reason, so tests and operators
// can exercise supervision without touching the actor's own interface.
#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

namespace tfarm::runtime {

struct crash_request {
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, crash_request& x) {
  return f(caf::meta::type_name("tfarm.crash_request"), x.reason);
}

} // namespace tfarm::runtime
