// The monitor's metrics, sampled from what every actor publishes about
// itself (the registry's descriptions), the HTTP server's counters and the
// process: one integer per metric name of config::monitor_metric_names().
//
// Rates (errors, successes, restarts) are over a sliding window (a minute
// by default), not since start, so that an alert resolves once the farm
// behaves again. Pure apart from the time passed in; a farm_sampler
// is not thread-safe (one owner: the monitor).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/agent/agent_messages.hpp"
#include "actors/exchange/exchange_messages.hpp"
#include "config/limits.hpp"
#include "runtime/actor_info.hpp"
#include "runtime/process_stats.hpp"

namespace tfarm::actors {

/// An agent's heartbeat older than this (or three of its beats) is stale.
constexpr int64_t agent_heartbeat_stale_ms = 5'000;

/// The runbook's agent error threshold (warning): more errors per minute
/// make an agent unhealthy.
constexpr int64_t agent_errors_healthy_per_min_max = 2;

/// True if the agent counts as healthy: alive, running or halted (a halt
/// is the operator's decision, not a fault), heartbeat fresh, errors within
/// the runbook's warning threshold.
bool agent_healthy(const runtime::actor_info& info, const agent_status& s, int64_t now_ms);

/// True if the exchange session runs and reaches a venue.
bool session_connected(const runtime::actor_info& info, const exchange_status& s);

/// What the HTTP server did since the previous sample.
struct api_window {
  uint64_t requests = 0;
  /// Answers with a status of 500 or more.
  uint64_t errors = 0;
  int64_t p99_us = 0;
};

/// The vault's counters, asked of the gateway itself (its registry
/// description is refreshed only on account and mode changes).
struct vault_counts {
  uint64_t transactions = 0;
  uint64_t succeeded = 0;
};

struct farm_sample {
  int64_t at_ms = 0;
  std::map<std::string, int64_t> values;
  /// Actors whose status could not be read, with why: an agent counts as
  /// unhealthy, a session as disconnected, a store as stuck.
  std::vector<std::string> unreadable;
};

/// What the sampler shows its caller of each agent and session it decoded.
struct sample_visitor {
  std::function<void(const runtime::actor_info&, const agent_status&)> agent;
  std::function<void(const runtime::actor_info&, const exchange_status&)> session;
};

class farm_sampler {
public:
  /// Success and error rates are over the last `rate_window_ms` (or since
  /// the first sample, until that long has passed): one bad second among
  /// few operations is not a trend, and a minute after the farm recovers
  /// the rate has too.
  explicit farm_sampler(int64_t rate_window_ms = config::monitor_rate_window_ms_default)
      : rate_window_ms_(rate_window_ms) {}

  /// Samples `actors` (the registry) at `now_ms`; `proc` is this process
  /// now (CPU % needs the previous one; 0 the first time); `vault`, when
  /// given, replaces the gateway's description.
  /// `mono_ms` (monotonic time; `now_ms` if negative) measures the rate
  /// window, so that a wall-clock step does not distort it.
  /// `visit`, if given, sees each agent and session with its status
  /// (decoded once per sample for both).
  farm_sample take(const std::vector<runtime::actor_info>& actors, const api_window& api,
                   const std::optional<runtime::process_sample>& proc, int64_t now_ms,
                   const std::optional<vault_counts>& vault = std::nullopt, int64_t mono_ms = -1,
                   const sample_visitor& visit = {});

  /// The vault's counts the last sample used (given, or carried on).
  const std::optional<vault_counts>& vault() const noexcept { return last_vault_; }

private:
  /// Counters per actor path where actors count (so that one restarting,
  /// which resets its counters, or leaving does not read as a reset of
  /// the sum), single ones elsewhere.
  struct totals {
    std::map<std::string, uint64_t> restarts;
    std::map<std::string, uint64_t> session_orders;
    std::map<std::string, uint64_t> session_rejected;
    uint64_t vault_transactions = 0;
    uint64_t vault_succeeded = 0;
    uint64_t api_requests = 0;
    uint64_t api_errors = 0;
  };

  int64_t rate_window_ms_;
  /// Totals of earlier samples, oldest first: the newest one at least a
  /// window old, and all after it.
  std::deque<std::pair<int64_t, totals>> window_;
  uint64_t api_requests_ = 0;
  uint64_t api_errors_ = 0;
  int64_t prev_ms_ = 0;
  std::optional<runtime::process_sample> prev_proc_;
  /// The vault's counts last given: a sample without them (the vault did
  /// not answer) carries them on rather than reading the gateway's stale
  /// description, which would look like a counter reset.
  std::optional<vault_counts> last_vault_;
};

} // namespace tfarm::actors
