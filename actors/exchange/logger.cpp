#include "actors/exchange/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::actors {

spdlog::logger& exchange_log() {
  static auto instance = config::module_logger("exchange");
  return *instance;
}

} // namespace tfarm::actors
