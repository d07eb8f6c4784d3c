#include "actors/monitor/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::actors {

spdlog::logger& monitor_log() {
  static auto instance = config::module_logger("monitor");
  return *instance;
}

} // namespace tfarm::actors
