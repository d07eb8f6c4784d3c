#include "runtime/managed_actor.hpp"

#include <spdlog/logger.h>

#include "runtime/logger.hpp"

namespace tfarm::runtime::detail {

void log_restore_problem(const std::string& path, const std::string& what) {
  log().error("{}: {}", path, what);
}

void log_checkpoint_problem(const std::string& path, const std::string& what) {
  log().warn("{}: checkpoint not saved: {}", path, what);
}

void log_unexpected_message(const std::string& path, const std::string& what) {
  log().warn("{}: dropped an unexpected message: {}", path, what);
}

bool is_clean_exit(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::normal || reason == caf::exit_reason::user_shutdown;
}

} // namespace tfarm::runtime::detail
