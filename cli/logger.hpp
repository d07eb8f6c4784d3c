// The CLI module's logger ("cli").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::cli {

spdlog::logger& log();

} // namespace tfarm::cli
