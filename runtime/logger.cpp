#include "runtime/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::runtime {

spdlog::logger& log() {
  static auto instance = config::module_logger("runtime");
  return *instance;
}

} // namespace tfarm::runtime
