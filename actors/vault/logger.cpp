#include "actors/vault/logger.hpp"

#include <spdlog/logger.h>

#include "config/logging.hpp"

namespace tfarm::actors {

spdlog::logger& vault_log() {
  static auto instance = config::module_logger("vault");
  return *instance;
}

} // namespace tfarm::actors
