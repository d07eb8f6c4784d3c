#include "runtime/error.hpp"

namespace tfarm::runtime {

std::string to_string(runtime_errc x) {
  switch (x) {
  case runtime_errc::none:
    return "none";
  case runtime_errc::unknown_kind:
    return "unknown_kind";
  case runtime_errc::spawn_failed:
    return "spawn_failed";
  case runtime_errc::restart_intensity_exceeded:
    return "restart_intensity_exceeded";
  case runtime_errc::duplicate_child:
    return "duplicate_child";
  case runtime_errc::unknown_child:
    return "unknown_child";
  case runtime_errc::too_many_children:
    return "too_many_children";
  case runtime_errc::crash_injected:
    return "crash_injected";
  case runtime_errc::checkpoint_unavailable:
    return "checkpoint_unavailable";
  case runtime_errc::checkpoint_corrupt:
    return "checkpoint_corrupt";
  case runtime_errc::restore_failed:
    return "restore_failed";
  case runtime_errc::shutting_down:
    return "shutting_down";
  case runtime_errc::invalid_path:
    return "invalid_path";
  case runtime_errc::timeout:
    return "timeout";
  case runtime_errc::bad_status:
    return "bad_status";
  case runtime_errc::status_pending:
    return "status_pending";
  case runtime_errc::bad_parameter:
    return "bad_parameter";
  case runtime_errc::store_unreachable:
    return "store_unreachable";
  }
  return "unknown";
}

} // namespace tfarm::runtime
