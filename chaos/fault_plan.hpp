// The fault schedule of a chaos run (docs/reliability.md): which faults, on
// what, when and for how long, drawn from a seed. The same seed and shape
// give the same schedule on every machine (its own generator and integer
// arithmetic: no std distributions, whose results differ between standard
// libraries).
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tfarm::chaos {

enum class fault_kind {
  /// kill -9 of a member; started again after the fault's length.
  member_kill,
  /// SIGSTOP of a member for the fault's length (past its lease), SIGCONT.
  member_pause,
  /// The member cut off from the database for the fault's length (past its
  /// lease) while it runs on: nothing it sends arrives, nothing comes back.
  member_partition,
  /// The member cut off from the exchange node for the fault's length
  /// while it keeps its lease: its sessions hear nothing from the venues,
  /// its orders' answers arrive (or time out) late.
  exchange_partition,
  /// The database server stopped at once (immediate) and started again
  /// after the fault's length.
  store_restart,
  /// A venue answers late (uniform in latency +- jitter).
  venue_latency,
  /// A venue refuses a share of requests (unavailable, rate limited).
  venue_errors,
  /// A venue processes orders and loses a share of its answers.
  venue_lost_answers,
  /// A venue refuses everything and sends no market data.
  venue_disconnect,
  /// The exchange node killed (-9) and started again after the length.
  venue_restart,
  /// The operator halts the farm (kill switch), resumes after the length.
  operator_halt,
  /// The operator turns the vault's emergency mode on, then off.
  operator_emergency,
  /// The operator freezes transfers, then unfreezes them.
  operator_freeze,
};

/// "member_kill", ...
std::string to_string(fault_kind x);

/// Every kind, in declaration order.
const std::vector<fault_kind>& fault_kinds();

/// True for faults that take a member away (at most members - 1 at once):
/// a kill, a pause, a partition.
bool takes_member(fault_kind x) noexcept;

/// True for faults on a venue (one at a time per venue: each replaces the
/// venue's injected faults).
bool on_venue(fault_kind x) noexcept;

struct fault {
  /// Order in the schedule (by start), from 1.
  uint32_t id = 0;
  fault_kind kind = fault_kind::member_kill;
  /// A member's name, a venue's name, "store" or "farm".
  std::string target;
  /// From the start of the fault phase.
  int64_t at_ms = 0;
  /// How long it lasts before it is healed.
  int64_t length_ms = 0;
  /// Venue faults: per million requests (errors, lost answers) or the
  /// latency in ms; 0 otherwise.
  int64_t intensity = 0;

  int64_t end_ms() const noexcept { return at_ms + length_ms; }
};

/// The shape of a run.
struct plan_shape {
  uint64_t seed = 1;
  uint32_t faults = 20;
  /// The fault phase: every fault starts and ends within it.
  int64_t duration_ms = 120'000;
  std::vector<std::string> members;
  std::vector<std::string> venues;
  /// A member's lease: a pause lasts longer than this.
  int64_t lease_ttl_ms = 1'500;
  /// False when the database server is not the harness's own: it is never
  /// restarted, and members reach it without the harness's proxies (no
  /// partitions).
  bool own_store = true;
};

/// At most this many faults in one run.
constexpr uint32_t plan_faults_max = 10'000;
/// A fault's length: from this ...
constexpr int64_t fault_length_min_ms = 500;
/// ... to this (a kill's restart delay, a pause, a venue fault).
constexpr int64_t fault_length_max_ms = 8'000;
/// The database server stays down at most this long (members lapse after
/// their lease without it, then rejoin).
constexpr int64_t store_down_max_ms = 3'000;
/// The shortest fault phase per fault: faults overlap, but a run is not a
/// pile-up of every fault in the first second.
constexpr int64_t phase_per_fault_min_ms = 1'000;

/// The schedule for `shape`, sorted by start; or an empty one with `why`
/// set when the shape cannot hold it (no member, too many faults for the
/// duration). Members away at once never exceed members - 1; one venue
/// fault at a time per venue; one store restart and one operator action
/// of a kind at a time (a kind whose target is busy is drawn again).
std::vector<fault> make_plan(const plan_shape& shape, std::string& why);

/// splitmix64: the run's generator (also for the choices the harness makes
/// while it runs, so that they repeat with the seed).
class seeded_random {
public:
  explicit seeded_random(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// Uniform in [lo, hi] (hi >= lo).
  int64_t between(int64_t lo, int64_t hi);

private:
  uint64_t state_;
};

} // namespace tfarm::chaos
