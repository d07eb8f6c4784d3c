#include "actors/agent/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::actors {

spdlog::logger& agent_log() {
  static auto instance = config::module_logger("agent");
  return *instance;
}

} // namespace tfarm::actors
