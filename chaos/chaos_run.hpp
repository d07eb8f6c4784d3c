// `tfarm chaos` (docs/reliability.md): brings a cluster up on this machine
// (its members, its exchange node, a database server of its own unless
// given one), lets its users trade, injects the seeded fault schedule while
// operators transfer money between users, heals everything, waits for the
// cluster to be quiet and trading again, stops it, and checks the
// invariants the people who run it rely on. Everything it starts is
// stopped before it returns, whatever happened.
//
// Not thread-safe: one run per process at a time (it starts and reaps
// child processes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "chaos/chaos_report.hpp"
#include "config/cluster_config.hpp"
#include "config/farm_config.hpp"
#include "config/limits.hpp"

namespace tfarm::chaos {

/// Longest wait for the cluster to come up, and to be quiet again after
/// the faults (every member up, every user owned, every agent running).
constexpr int64_t chaos_settle_ms_default = 90'000;
/// Longest wait for one console command of the harness.
constexpr int64_t chaos_console_timeout_ms = 10'000;
/// Longest wait for `vault reconcile`: the node may take its actor
/// timeout (console_actor_timeout_ms) for the vault and again for the
/// venues' statements before it answers.
constexpr int64_t chaos_reconcile_timeout_ms = 2 * config::console_actor_timeout_ms + 5'000;
/// Connection attempts (doubling backoff) of the checks after the faults:
/// every member is up then, and one slow accept on a loaded machine once
/// failed a clean run's reconciliation.
constexpr int32_t chaos_check_connect_attempts = 4;
/// Longest a member gets to hand off and exit at the end.
constexpr int64_t chaos_member_stop_ms = 30'000;

struct chaos_options {
  /// The cluster as its file describes it (members, their ports, timing,
  /// farm) and its farm. The run writes its own copy of the cluster file
  /// into `run_dir`, with a certificate authority of its own and its store.
  config::cluster_config cluster;
  config::farm_config farm;
  /// The exchange node's farm file (its simulated venues; it listens where
  /// the cluster's [[exchange]] says).
  std::string exchange_farm_file;
  /// The store: a postgresql:// URL of an empty database, or "" for a
  /// private server (then restarted as a fault too).
  std::string db;
  /// Logs, certificates and the report's files (created; kept).
  std::string run_dir;
  /// The `tfarm` executable members and the exchange node run.
  std::string tfarm;
  uint64_t seed = 1;
  uint32_t faults = 20;
  int64_t duration_ms = 0; // 0: derived from the number of faults
  int64_t settle_ms = chaos_settle_ms_default;
  /// Progress lines for people (may be empty).
  std::function<void(const std::string&)> progress;
  /// Polled while the run waits: true stops it (SIGINT), everything it
  /// started stopped, the report marked aborted (may be empty).
  std::function<bool()> stop_requested;
};

/// The fault phase for `faults` when none is given: room for each.
int64_t default_duration_ms(uint32_t faults);

chaos_report run_chaos(const chaos_options& opts);

} // namespace tfarm::chaos
