// The config module's logger ("config").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::config {

spdlog::logger& log();

} // namespace tfarm::config
