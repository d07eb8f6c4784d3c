// The exchange domain's logger ("exchange").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::actors {

spdlog::logger& exchange_log();

} // namespace tfarm::actors
