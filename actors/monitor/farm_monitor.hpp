// The monitor of a node (kind "farm_monitor", at /monitor): every interval
// it samples the farm (farm_sampler), publishes the metrics, evaluates the
// alert rules, persists each alert's lifecycle in the store's alerts table
// and routes notifications to channels (alert_router). Node incidents
// (a corrupt checkpoint, ...) become "error" alerts.
//
// Requests (dynamically typed):
//   (monitoring_atom, bool history) -> std::string   the monitoring document
//   (alert_ack_atom, uint64_t id, std::string user) -> std::string  the alert
//
// Restart: the alerts that were open are read back from the store, so that
// they resolve (or stay) rather than fire twice. The webhook's queue does
// not survive a crash (the alerts table has every alert).
//
// Runs on CAF's scheduler; members are touched only by the actor (the
// webhook has its own thread, see webhook_sender.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/monitor/alert_router.hpp"
#include "actors/monitor/alert_rule.hpp"
#include "actors/monitor/farm_sample.hpp"
#include "actors/vault/vault_messages.hpp"
#include "config/farm_config.hpp"
#include "persistence/audit_record.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/metric_registry.hpp"
#include "runtime/process_stats.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::actors {

/// Notifications the dashboard's feed keeps.
constexpr std::size_t monitor_feed_max = 200;

/// Time the monitor waits for the vault's counters (at least; an interval
/// if longer).
constexpr int64_t monitor_vault_timeout_ms = 1'000;

/// Time the monitor waits for the store to save an alert.
constexpr int64_t monitor_store_timeout_ms = 10'000;

/// The monitor's registry status: its newest sample and its open alerts
/// (what `tfarm run`'s screen shows).
struct monitor_status {
  /// Metric name -> value (config::monitor_metric_names()).
  std::map<std::string, int64_t> metrics;
  /// Alerts firing or acknowledged now (id 0: not written yet).
  std::vector<persistence::alert_record> open_alerts;
  /// Rules evaluated.
  uint64_t rules = 0;
};

TFARM_STATUS_FIELDS(monitor_status, "tfarm.monitor_status", metrics, open_alerts, rules)

/// The "farm_monitor" kind's parameters.
struct farm_monitor_params {
  /// Between samples.
  std::chrono::milliseconds interval{1'000};
  /// A summary line in the log this often.
  std::chrono::milliseconds log_every{10'000};
  /// The [monitor] settings as JSON ("" : the defaults).
  std::string settings;
};

TFARM_PARAM_FIELDS(farm_monitor_params, interval, log_every, settings)

class farm_monitor : public runtime::managed_actor {
public:
  using params_type = farm_monitor_params;

  farm_monitor(caf::actor_config& cfg, runtime::spawn_context ctx);

  caf::behavior make_behavior() override;

  void on_exit() override;

  static runtime::kind_info kind();

  /// The parameters that carry `x`, the sampling interval and the log's.
  static farm_monitor_params params(const config::monitor_settings& x,
                                    std::chrono::milliseconds interval,
                                    std::chrono::milliseconds log_every);

protected:
  std::string describe() const override;

private:
  struct open_alert;

  /// One alert's row and its writes: one at a time, in order (the first
  /// insert gives the row its id, later writes update it), each notified
  /// once written, with what was written.
  struct alert_slot {
    uint64_t id = 0;
    bool saving = false;
    std::deque<open_alert> queue;
  };

  struct open_alert {
    persistence::alert_record rec;
    std::string metric;
    int64_t value = 0;
    int64_t threshold = 0;
    std::shared_ptr<alert_slot> slot;
  };

  void tick();
  /// The sample itself, once the vault answered (or did not).
  void sample(const std::optional<vault_status>& vault);
  /// Prometheus' standard process_* metrics.
  void publish_process(const runtime::process_sample& x);
  void publish(const farm_sample& x);
  void on_event(const alert_event& ev, const alert_rule& rule);
  void on_incident(const std::string& path, const std::string& action, const std::string& detail,
                   const std::string& severity);
  /// Queues the alert as it is now for writing (and then notifying).
  void save(const open_alert& a);
  void pump(const std::shared_ptr<alert_slot>& slot);
  void notify(const open_alert& a);
  std::string document(bool history) const;
  caf::result<std::string> acknowledge(uint64_t id, const std::string& user);

  std::chrono::milliseconds interval_{1'000};
  /// A summary line in the log this often.
  std::chrono::milliseconds log_every_{10'000};
  int64_t last_log_ms_ = 0;
  config::monitor_settings settings_;
  /// Settings that could not be read: the monitor does not start.
  caf::error settings_error_;
  std::vector<alert_tracker> trackers_;
  std::unique_ptr<alert_router> router_;
  farm_sampler sampler_;
  /// Why statuses could not be read, each logged once.
  std::set<std::string> unreadable_;
  /// Open alerts (firing or acknowledged) by key (rule name, or
  /// "incident:<ms>.<n>:<action>"); a resolved alert leaves at once.
  std::map<std::string, open_alert> open_;
  uint64_t incidents_ = 0;
  /// Rules are evaluated once the open alerts of before a restart are known.
  bool restored_ = false;
  std::deque<alert_notice> feed_;
  std::deque<farm_sample> history_;
  farm_sample last_;
  uint64_t http_requests_seen_ = 0;
  uint64_t http_errors_seen_ = 0;
  runtime::summary_metric* http_latency_ = nullptr;
  runtime::counter_metric* http_requests_ = nullptr;
  runtime::counter_metric* http_errors_ = nullptr;
  runtime::counter_metric* notifications_ = nullptr;
};

} // namespace tfarm::actors
