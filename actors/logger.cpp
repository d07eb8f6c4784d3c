#include "actors/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::actors {

spdlog::logger& log() {
  static auto instance = config::module_logger("actors");
  return *instance;
}

} // namespace tfarm::actors
