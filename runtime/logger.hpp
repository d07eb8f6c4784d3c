// The runtime module's logger ("runtime").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::runtime {

spdlog::logger& log();

} // namespace tfarm::runtime
