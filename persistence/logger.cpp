#include "persistence/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::persistence {

spdlog::logger& log() {
  static auto instance = config::module_logger("store");
  return *instance;
}

} // namespace tfarm::persistence
