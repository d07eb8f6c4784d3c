// The agent domain's logger ("agent").
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::actors {

spdlog::logger& agent_log();

} // namespace tfarm::actors
