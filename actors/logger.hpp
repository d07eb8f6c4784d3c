// The actors module's logger ("actors").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::actors {

spdlog::logger& log();

} // namespace tfarm::actors
