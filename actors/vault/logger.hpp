// The vault domain's logger ("vault").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::actors {

spdlog::logger& vault_log();

} // namespace tfarm::actors
