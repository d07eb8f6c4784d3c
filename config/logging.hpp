// Process-wide logging: one spdlog logger per module, all writing to one
// stderr sink, as text or as JSON lines.
//
// Lives in tfarm::config because it is the bottom of the dependency chain and
// every module logs. Thread-safe: loggers are spdlog's synchronized ones;
// setup_logging() may be called again to change level or format.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
} // namespace spdlog

namespace tfarm::config {

enum class log_format { text, json };

struct logging_options {
  /// trace, debug, info, warn, error, critical or off.
  std::string level = "info";
  log_format format = log_format::text;
};

/// Applies `opts` to every module logger, present and future. Returns false
/// and sets `why` for an unknown level name.
bool setup_logging(const logging_options& opts, std::string& why);

/// Parses "text" or "json".
bool parse_log_format(std::string_view x, log_format& out);

/// Returns the logger named `module`, creating it on first use.
std::shared_ptr<spdlog::logger> module_logger(const std::string& module);

} // namespace tfarm::config
