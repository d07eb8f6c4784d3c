// Alert rules and their evaluation: a metric compared with a warning and a
// critical threshold, held for a duration before an alert fires, changes
// severity or resolves (so that a value flapping around a threshold does
// not flap the alert).
//
// Values are integers with their unit in the metric's name (`_pct`, `_ms`,
// `_bps`, `_per_min`): no floating point crosses a node. Pure and
// deterministic (time is passed in); an alert_tracker is not thread-safe:
// one owner (the monitor).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/farm_config.hpp"

namespace tfarm::actors {

enum class alert_severity : uint8_t { none, info, warning, error, critical };

std::string to_string(alert_severity x);

enum class alert_comparison : uint8_t {
  /// Alerts when the value is above the threshold.
  above,
  /// Alerts when the value is below the threshold.
  below,
};

struct alert_rule {
  std::string name;
  std::string metric;
  alert_comparison comparison = alert_comparison::above;
  /// Thresholds; a level that is not set never fires.
  std::optional<int64_t> warning;
  std::optional<int64_t> critical;
  /// How long a new severity must hold before the alert follows it.
  int64_t for_ms = 0;
  std::string description;

  /// The severity `value` calls for (none, warning or critical).
  alert_severity severity_of(int64_t value) const;
};

/// A change of an alert: fired (from none), changed severity, or resolved
/// (to none).
struct alert_event {
  std::string rule;
  std::string metric;
  alert_severity from = alert_severity::none;
  alert_severity to = alert_severity::none;
  int64_t value = 0;
  /// The threshold the new severity crossed (the warning threshold when
  /// resolved).
  int64_t threshold = 0;
  int64_t at_ms = 0;

  bool resolved() const { return to == alert_severity::none; }
  /// "agent_errors: critical, agent_errors_per_min = 7 > 5 (for 60s)".
  std::string text(const alert_rule& rule) const;
};

/// One rule's state over time.
class alert_tracker {
public:
  explicit alert_tracker(alert_rule rule) : rule_(std::move(rule)) {}

  const alert_rule& rule() const noexcept { return rule_; }

  /// The severity the alert is at (what was last reported).
  alert_severity current() const noexcept { return current_; }

  /// Starts from `x` (an alert that was open before a restart): it then
  /// resolves like one that fired here rather than firing twice.
  void assume(alert_severity x) noexcept {
    current_ = x;
    candidate_ = x;
  }

  /// Feeds a sample taken at `now_ms` (samples in time order); returns the
  /// change it completes, if any.
  std::optional<alert_event> observe(int64_t value, int64_t now_ms);

private:
  alert_rule rule_;
  alert_severity current_ = alert_severity::none;
  /// A different severity seen since `candidate_since_`, not yet held long
  /// enough.
  alert_severity candidate_ = alert_severity::none;
  int64_t candidate_since_ = 0;
};

/// The runbook's alert table: API error rate > 2 % / > 5 %, API response
/// time > 1000 / > 2000 ms, memory > 70 / 85 %, CPU > 70 / 90 %, exchange
/// latency > 500 ms / a lost connection, agent errors > 2 / > 5 per
/// minute, agent health < 80 %, order success < 95 %, vault transaction
/// success < 95 %.
std::vector<alert_rule> runbook_alert_rules();

/// The rules a farm runs: the runbook's (unless turned off), each replaced
/// by a rule of the farm file with its name or dropped by `enabled =
/// false`, plus the file's own rules in file order.
std::vector<alert_rule> effective_alert_rules(const config::monitor_settings& x);

} // namespace tfarm::actors
