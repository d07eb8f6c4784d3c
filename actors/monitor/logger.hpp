// The monitor domain's logger ("monitor").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::actors {

spdlog::logger& monitor_log();

} // namespace tfarm::actors
