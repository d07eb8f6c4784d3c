#include "actors/monitor/alert_router.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/monitor/logger.hpp"
#include "config/logging.hpp"

namespace tfarm::actors {

namespace {

// The "alerts" logger: operators filter on it (and on the level).
spdlog::logger& alerts_log() {
  static auto logger = config::module_logger("alerts");
  return *logger;
}

} // namespace

nlohmann::json alert_notice::to_json() const {
  return {{"id", id},           {"node", node},         {"rule", rule},
          {"metric", metric},   {"severity", severity}, {"state", state},
          {"message", message}, {"value", value},       {"threshold", threshold},
          {"at_ms", at_ms}};
}

std::string alert_notice::json() const {
  return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

alert_router::alert_router(routing_table routing, std::string file,
                           std::optional<webhook_options> webhook)
    : routing_(std::move(routing)), file_(std::move(file)) {
  if (!file_.empty()) {
    out_.open(file_, std::ios::app);
    if (!out_) {
      file_failed_ = true;
      monitor_log().error("alerts file {}: cannot open for appending; the file channel is off",
                          file_);
    }
  }
  if (webhook)
    webhook_ = std::make_unique<webhook_sender>(std::move(*webhook));
}

std::vector<std::string> alert_router::route(const alert_notice& x) {
  std::vector<std::string> used;
  auto i = routing_.find(x.severity);
  if (i == routing_.end())
    return used;
  for (auto& channel : i->second) {
    if (channel == "log") {
      auto level = x.severity == "critical"  ? spdlog::level::critical
                   : x.severity == "error"   ? spdlog::level::err
                   : x.severity == "warning" ? spdlog::level::warn
                                             : spdlog::level::info;
      if (x.state == "resolved")
        level = spdlog::level::info;
      alerts_log().log(level, "ALERT {} {} #{} {}: {}", x.severity, x.state, x.id, x.rule,
                       x.message);
    } else if (channel == "file") {
      if (file_.empty() || file_failed_)
        continue;
      out_ << x.json() << '\n';
      out_.flush();
      if (!out_) {
        file_failed_ = true;
        monitor_log().error("alerts file {}: write failed; the file channel is off", file_);
        continue;
      }
    } else if (channel == "webhook") {
      if (!webhook_)
        continue;
      webhook_->post(x.json());
    } else if (channel != "dashboard") {
      continue;
    }
    used.push_back(channel);
  }
  return used;
}

std::optional<webhook_sender::counts> alert_router::webhook_stats() const {
  if (!webhook_)
    return std::nullopt;
  return webhook_->stats();
}

} // namespace tfarm::actors
