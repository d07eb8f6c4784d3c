// The "stubborn" kind: ignores every exit request, so only a kill stops it.
// A diagnostic kind: it proves that shutdown stays bounded when an actor
// misbehaves (its supervisor kills it after the shutdown timeout).
#pragma once

#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::runtime {

struct stubborn_status {
  /// Exit requests it ignored.
  uint64_t ignored_exits = 0;
};

TFARM_STATUS_FIELDS(stubborn_status, "tfarm.stubborn_status", ignored_exits)

class stubborn : public managed_actor {
public:
  stubborn(caf::actor_config& cfg, spawn_context ctx);

  caf::behavior make_behavior() override;

  static kind_info kind();

protected:
  std::string describe() const override;

private:
  uint64_t ignored_ = 0;
};

} // namespace tfarm::runtime
