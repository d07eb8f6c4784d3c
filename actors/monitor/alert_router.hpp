// Routes alert notifications to channels by severity: the runbook's table
// by default (critical -> every channel, error -> webhook and dashboard,
// warning -> dashboard, info -> log), overridable in [monitor.routing].
//
// Channels: "log" (the "alerts" logger), "file" (one JSON object per line,
// appended and flushed), "webhook" (webhook_sender) and "dashboard" (the
// monitor's feed of recent alerts, which the caller keeps: route() says
// whether it applies). A channel that is routed to but not configured (no
// file, no URL) is skipped. Not thread-safe: one owner (the monitor).
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "actors/monitor/webhook_sender.hpp"

namespace tfarm::actors {

/// One alert at one point of its lifecycle, as every channel shows it.
struct alert_notice {
  /// Row of the alerts table (0 if not persisted).
  uint64_t id = 0;
  std::string node;
  std::string rule;
  std::string metric;
  /// "info", "warning", "error" or "critical".
  std::string severity;
  /// "firing", "acknowledged" or "resolved".
  std::string state;
  std::string message;
  int64_t value = 0;
  int64_t threshold = 0;
  /// Milliseconds since the Unix epoch.
  int64_t at_ms = 0;

  /// The notice as a JSON object.
  nlohmann::json to_json() const;

  /// to_json() on one line (no trailing newline; bad UTF-8 replaced).
  std::string json() const;
};

class alert_router {
public:
  using routing_table = std::map<std::string, std::vector<std::string>>;

  /// `file` "" and no `webhook` leave those channels off.
  alert_router(routing_table routing, std::string file, std::optional<webhook_options> webhook);

  /// Delivers `x` to the channels its severity routes to; returns the
  /// channels it went to (including "dashboard" when routed there).
  std::vector<std::string> route(const alert_notice& x);

  /// The webhook's counters (nullopt without a webhook).
  std::optional<webhook_sender::counts> webhook_stats() const;

  const routing_table& routing() const noexcept { return routing_; }

private:
  routing_table routing_;
  std::string file_;
  std::ofstream out_;
  bool file_failed_ = false;
  std::unique_ptr<webhook_sender> webhook_;
};

} // namespace tfarm::actors
