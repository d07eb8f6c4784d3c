// The network module's logger ("net").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::net {

spdlog::logger& log();

} // namespace tfarm::net
