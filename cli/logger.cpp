#include "cli/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::cli {

spdlog::logger& log() {
  static auto instance = config::module_logger("cli");
  return *instance;
}

} // namespace tfarm::cli
