// Supervision policies: how a supervisor at a given path treats its children.
//
// A policy file holds `[[supervisor]]` tables keyed by actor path; a path
// segment `*` matches any one segment, so `/user/*` configures every per-user
// supervisor. Values are validated when loaded (see loader.hpp), so the
// runtime may rely on the invariants stated on each field. Plain data: copy
// freely, no thread-safety concerns.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/limits.hpp"

namespace tfarm::config {

using std::chrono::milliseconds;

/// Which children a supervisor restarts when one fails (OTP strategies).
enum class restart_strategy : unsigned char {
  /// Only the failed child.
  one_for_one,
  /// Every child: the others are stopped in reverse order, then all restart.
  one_for_all,
  /// The failed child and every child started after it.
  rest_for_one,
};

/// When a child that ended is restarted (OTP restart types).
enum class restart_type : unsigned char {
  /// Always.
  permanent,
  /// Only after an abnormal exit.
  transient,
  /// Never; the child is removed when it ends.
  temporary,
};

std::string to_string(restart_strategy x);
std::string to_string(restart_type x);
std::optional<restart_strategy> parse_restart_strategy(std::string_view x);
std::optional<restart_type> parse_restart_type(std::string_view x);
std::vector<std::string> restart_strategy_names();
std::vector<std::string> restart_type_names();

/// Delay before restarting a child: `min * 2^(n-1)` for its n-th restart
/// within the intensity period, capped at `max`, then reduced by a random
/// fraction of up to `jitter` but never below `min`.
/// Invariant: 0 <= min <= max <= restart_backoff_ms_max; jitter_ppm <= 1e6.
struct restart_backoff {
  milliseconds min{restart_backoff_min_ms_default};
  milliseconds max{restart_backoff_max_ms_default};
  /// Jitter in parts per million (integer so that policies can cross nodes).
  uint32_t jitter_ppm = restart_jitter_ppm_default;
};

/// Per-child overrides inside a supervisor's policy.
struct child_policy {
  std::string id;
  std::optional<restart_type> restart;
  std::optional<milliseconds> shutdown_timeout;
};

/// Policy of one supervisor (or of every supervisor its path pattern matches).
struct supervisor_policy {
  /// Absolute actor path; segments may be `*`.
  std::string path = "/";
  restart_strategy strategy = restart_strategy::one_for_one;
  /// Max restarts within `period`; one more makes the supervisor fail.
  int32_t intensity = restart_intensity_default;
  /// Invariant: > 0.
  milliseconds period{restart_period_ms_default};
  restart_backoff backoff;
  /// Restart type of children that do not say otherwise.
  restart_type child_restart = restart_type::permanent;
  /// Shutdown timeout of children that do not say otherwise.
  milliseconds child_shutdown_timeout{shutdown_timeout_ms_default};
  /// Dynamic children allowed at once; 0 means no limit of its own.
  int32_t max_children = 0;
  /// Stop all children at once instead of one by one in reverse order (for
  /// supervisors of independent children, e.g. per-user agents: their final
  /// checkpoints then share commits instead of waiting for each other).
  bool parallel_shutdown = false;
  /// Overrides by child id; ids are unique within one policy.
  std::vector<child_policy> children;

  /// Returns the override for child `id`, if any.
  const child_policy* child(std::string_view id) const;

  /// Restart type and shutdown timeout for child `id` after overrides.
  restart_type restart_for(std::string_view id) const;
  milliseconds shutdown_timeout_for(std::string_view id) const;
};

/// Field-wise equality (a policy reload tells what changed).
bool operator==(const restart_backoff& x, const restart_backoff& y);
bool operator==(const child_policy& x, const child_policy& y);
bool operator==(const supervisor_policy& x, const supervisor_policy& y);
inline bool operator!=(const supervisor_policy& x, const supervisor_policy& y) {
  return !(x == y);
}

/// True if `pattern` (segments may be `*`) matches the actor path `path`.
bool path_matches(std::string_view pattern, std::string_view path);

/// All supervisor policies of a node, looked up by actor path.
class policy_set {
public:
  policy_set() = default;

  /// Adds a policy; a later policy with the same path replaces an earlier one.
  void add(supervisor_policy x);

  /// The policy for `path`: an exact match wins, else the matching pattern
  /// with the fewest wildcards, else nullptr.
  const supervisor_policy* find(std::string_view path) const;

  /// Like find(), but falls back to a default policy for `path`.
  supervisor_policy resolve(std::string_view path) const;

  const std::vector<supervisor_policy>& all() const noexcept { return policies_; }

  bool empty() const noexcept { return policies_.empty(); }

private:
  std::vector<supervisor_policy> policies_;
};

} // namespace tfarm::config
