// What a chaos run found (docs/reliability.md): each fault with what it did
// and how fast the cluster recovered, each invariant with its count, and
// the verdict. Written as JSON (--report) and as a table for people.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "chaos/fault_plan.hpp"
#include "chaos/resource_trend.hpp"

namespace tfarm::chaos {

struct fault_outcome {
  fault planned;
  /// When it was injected and healed, ms from the start of the fault phase
  /// (-1: it was not, see `error`).
  int64_t injected_ms = -1;
  int64_t healed_ms = -1;
  /// What the harness saw recover, and how long after the fault (a member
  /// away: its users owned on live members again; the rest: after the heal,
  /// the next fill) in ms; -1 if it was not seen before the run's end.
  std::string recovered;
  int64_t recovered_after_ms = -1;
  /// Why it could not be injected or healed ("" if it was).
  std::string error;
};

struct invariant_result {
  /// "ledger_balanced", ...
  std::string name;
  /// What it checks, for people.
  std::string what;
  /// What was counted (fills, operations, ...), and the violations.
  int64_t checked = 0;
  int64_t violations = 0;
  /// The first violations, one line each.
  std::vector<std::string> details;

  bool holds() const noexcept { return violations == 0; }
};

struct chaos_report {
  uint64_t seed = 0;
  std::string cluster;
  int64_t duration_ms = 0;
  std::vector<fault_outcome> faults;
  std::vector<invariant_result> invariants;
  /// Totals over the run.
  int64_t orders = 0;
  int64_t fills = 0;
  int64_t transfers = 0;
  /// Writes members' stores refused for a stale epoch (live members at the
  /// end; a killed member's count is gone with it).
  int64_t fenced_refusals = 0;
  /// Batches members' stores ran again after a serialization conflict
  /// (live members at the end).
  int64_t conflict_retries = 0;
  /// Each process's memory and open files over the run (its longest life).
  std::vector<resource_trend> resources;
  /// Why the run could not complete ("" if it did); the verdict is then a
  /// failure.
  std::string aborted;

  bool passed() const;
};

nlohmann::json to_json(const chaos_report& x);

/// The faults and invariants as aligned tables, and the verdict.
std::string to_table(const chaos_report& x);

} // namespace tfarm::chaos
