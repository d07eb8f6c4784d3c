// Benchmark scenarios: a name, a one-line description and a function that
// measures the project's figure and its raw baseline in the same run and
// returns one JSON object (printed as one line).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tfarm::bench {

struct scenario_options {
  /// Scale factor for iteration counts (1.0 = the documented sizes); CI smoke
  /// runs use a small one.
  double scale = 1.0;
  /// Worker threads for CAF's scheduler (0: one per core).
  std::size_t threads = 0;
  /// CAF scheduler policy: "stealing" or "sharing".
  std::string scheduler = "stealing";
  /// Work-stealing: how long an idle worker sleeps between polls (us).
  int64_t poll_sleep_us = 0;
  /// Where database scenarios put their files (a temporary folder is made
  /// inside and removed afterwards); the disk under test.
  std::string dir;
};

struct scenario {
  std::string name;
  std::string description;
  std::function<nlohmann::json(const scenario_options&)> run;
};

/// Every scenario, in --list order.
const std::vector<scenario>& scenarios();

/// Scales a count by opts.scale, at least 1.
uint64_t scaled(uint64_t count, const scenario_options& opts);

/// Percentile (0..100) of `xs` (sorted in place), nearest-rank.
double percentile(std::vector<double>& xs, double p);

nlohmann::json message_overhead(const scenario_options& opts);
nlohmann::json restart_latency(const scenario_options& opts);
nlohmann::json checkpoint_durable(const scenario_options& opts);
nlohmann::json checkpoint_durable_pg(const scenario_options& opts);
nlohmann::json cold_restore(const scenario_options& opts);
nlohmann::json vault_transfers(const scenario_options& opts);
nlohmann::json vault_transfers_pg(const scenario_options& opts);
nlohmann::json session_roundtrip(const scenario_options& opts);
nlohmann::json matching_engine(const scenario_options& opts);
nlohmann::json order_pipeline(const scenario_options& opts);
nlohmann::json order_pipeline_pg(const scenario_options& opts);
nlohmann::json order_latency(const scenario_options& opts);
nlohmann::json farm_scale(const scenario_options& opts);
nlohmann::json http_health(const scenario_options& opts);
nlohmann::json console_command(const scenario_options& opts);
nlohmann::json console_command_tls(const scenario_options& opts);
nlohmann::json remote_throughput(const scenario_options& opts);
nlohmann::json failover_time(const scenario_options& opts);
nlohmann::json handoff_pause(const scenario_options& opts);

} // namespace tfarm::bench
