// The persistence module's logger ("store").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::persistence {

spdlog::logger& log();

} // namespace tfarm::persistence
