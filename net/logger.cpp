#include "net/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::net {

spdlog::logger& log() {
  static auto instance = config::module_logger("net");
  return *instance;
}

} // namespace tfarm::net
