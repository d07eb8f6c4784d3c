#include "runtime/stubborn.hpp"

#include <spdlog/logger.h>

#include "runtime/logger.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::runtime {

stubborn::stubborn(caf::actor_config& cfg, spawn_context ctx) : managed_actor(cfg, std::move(ctx)) {
  // nop
}

kind_info stubborn::kind() {
  return make_kind<stubborn>("stubborn", "ignores exit requests (diagnostic: bounded shutdown)",
                             kind_agent);
}

caf::behavior stubborn::make_behavior() {
  set_exit_handler([this](caf::exit_msg& msg) {
    ++ignored_;
    log().info("{}: ignoring exit request ({})", path(), system().render(msg.reason));
    publish_description();
  });
  return {
      [](caf::ping_atom) { return caf::pong_atom_v; },
  };
}

std::string stubborn::describe() const {
  return status_json(stubborn_status{ignored_});
}

} // namespace tfarm::runtime
