// Loads and validates Trading Farm's TOML files, reporting every problem.
//
// One schema covers all files: a farm file may hold [node], [limits],
// [[user]] and inline [[supervisor]] tables; the policy files it lists in
// node.policies may hold only [[supervisor]] tables. Problems come back as
// diagnostics (file, line, column, message), all of them, sorted by position;
// a value is returned only when there are none. Thread-safe: no shared state.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cluster_config.hpp"
#include "config/diagnostic.hpp"
#include "config/env_overrides.hpp"
#include "config/farm_config.hpp"
#include "config/supervision_policy.hpp"

namespace tfarm::config {

/// What the caller knows that the config module does not.
struct check_options {
  /// Actor kinds that agents may name (and [checkpoints.kind] may
  /// configure); empty means "do not check kinds".
  std::vector<std::string> known_kinds;
  /// A problem an agent kind finds in its parameters: the parameter (empty:
  /// the agent as a whole) and what is wrong.
  struct agent_problem {
    std::string param;
    std::string message;
  };
  /// Checks an agent's parameters against its kind and the whole farm (run
  /// once the file is read; empty: parameters are not checked).
  std::function<std::vector<agent_problem>(const agent_spec&, const user_spec&, const farm_config&)>
      validate_agent;
  /// The runbook's environment overrides (ORDER_RATE_LIMIT, ...), applied
  /// to [limits] before anything is checked against them, so that a check
  /// and a start agree (empty: the file alone).
  env_lookup env;
};

template <class T>
struct load_result {
  std::optional<T> value;
  std::vector<diagnostic> diagnostics;

  bool ok() const noexcept { return value.has_value() && diagnostics.empty(); }
};

/// Loads a cluster file (cluster_config.hpp). Its farm file must exist; it
/// is loaded on its own (load_farm_file).
load_result<cluster_config> load_cluster_file(const std::string& path);

/// Loads a cluster file from text; `name` stands for the file in messages and
/// the farm file is resolved relative to `base_dir`.
load_result<cluster_config> load_cluster_text(std::string_view text, const std::string& name,
                                              const std::string& base_dir = ".");

/// Loads a farm file and the policy files it references.
load_result<farm_config> load_farm_file(const std::string& path, const check_options& opts = {});

/// Loads farm configuration from text; `name` stands for the file in messages
/// and policy files are resolved relative to `base_dir`.
load_result<farm_config> load_farm_text(std::string_view text, const std::string& name,
                                        const std::string& base_dir = ".",
                                        const check_options& opts = {});

/// Loads a policy file (only [[supervisor]] tables).
load_result<policy_set> load_policy_file(const std::string& path);

/// Validates one file of any Trading Farm kind, as `tfarm config check` does.
std::vector<diagnostic> check_file(const std::string& path, const check_options& opts = {});

} // namespace tfarm::config
