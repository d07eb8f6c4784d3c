// The farm file: node settings, the runbook's limits, users and their agents,
// plus the supervision policies it includes.
//
// Loaded and validated by loader.hpp; environment variables named after the
// runbook's settings (MAX_AGENTS_PER_USER, ...) override the file through
// env_overrides.hpp. Plain data.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/duration.hpp"
#include "config/limits.hpp"
#include "config/supervision_policy.hpp"

namespace tfarm::config {

struct node_settings {
  /// Node name, used in actor registry entries and (later) cluster membership.
  std::string name = "local";
  /// Time the whole node gets to stop before the process exits regardless.
  milliseconds shutdown_timeout{node_shutdown_timeout_ms_default};
  /// Scheduler worker threads; 0 means one per core.
  int32_t scheduler_threads = 0;
  /// CAF scheduler policy: "stealing" (work stealing, CAF's default: best
  /// throughput) or "sharing" (one shared queue, condition-variable wakeups).
  std::string scheduler = "stealing";
  /// Interval of the monitor's registry summary in the log.
  milliseconds monitor_interval{monitor_interval_ms_default};
  /// Policy files, resolved relative to the farm file's folder.
  std::vector<std::string> policy_files;
};

/// The runbook's "Configuration Reference" settings.
struct runbook_limits {
  int32_t max_agents_per_user = max_agents_per_user_default;
  rate order_rate_limit{order_rate_limit_count_default,
                        milliseconds{order_rate_limit_window_ms_default}};
  int32_t connection_pool_size = connection_pool_size_default;
  milliseconds cache_duration{cache_duration_ms_default};
};

/// The node's database (tfarm::persistence).
struct store_settings {
  /// SQLite file; `tfarm run --db` overrides it. Relative to the working
  /// directory.
  std::string path = "tfarm.db";
  /// SQLite `synchronous`: off, normal, full or extra. full makes every
  /// acknowledged write survive power loss.
  std::string synchronous = "full";
  /// Writes per transaction at most (group commit).
  int32_t batch_rows_max = store_batch_rows_default;
  /// Longest a transaction waits for more writers before it commits.
  milliseconds commit_wait{0};
  /// How long SQLite waits on a locked database.
  milliseconds busy_timeout{store_busy_timeout_ms_default};
};

/// When a kind's actors save their state, besides when they ask to.
struct checkpoint_cadence {
  /// Save after this many handled messages (0: not by count).
  int64_t every_messages = 0;
  /// Save this long after the first unsaved change (0: not by time).
  milliseconds every{0};
};

struct checkpoint_settings {
  /// What a restart does with a checkpoint that fails its checksum or cannot
  /// be decoded: "previous" (the version before it) or "fresh" (no state).
  std::string on_corrupt = "previous";
  /// Cadence of kinds without their own entry.
  checkpoint_cadence defaults;
  /// Cadence by kind name.
  std::map<std::string, checkpoint_cadence> by_kind;

  const checkpoint_cadence& cadence_for(const std::string& kind) const {
    auto i = by_kind.find(kind);
    return i != by_kind.end() ? i->second : defaults;
  }
};

/// Scheduled online backups of the database.
struct backup_settings {
  /// Interval between backups; 0 disables them.
  milliseconds every{0};
  /// Folder for backup files (created if missing).
  std::string dir = "backups";
  /// Backups kept at most (the oldest go first) ...
  int32_t keep = backup_keep_default;
  /// ... and none older than this.
  milliseconds max_age{backup_max_age_ms_default};
};

/// The vault (tfarm::actors vault).
struct vault_settings {
  /// Assets accounts may hold; anything else is refused as unknown.
  std::vector<std::string> assets{"USD", "EUR", "BTC", "ETH"};
  /// How long an idempotency key's result is kept in an account's memory
  /// (and reloaded after a restart). Replays within it answer from memory;
  /// an older key is still never applied twice (the journal's key is
  /// unique), it only costs the account a rebuild from the ledger.
  milliseconds idempotency_window{vault_idempotency_window_ms_default};
  /// Longest the vault waits for an account to answer a request.
  milliseconds request_timeout{vault_request_timeout_ms_default};
};

/// A vault account a user holds from the start.
struct account_spec {
  /// Unique in the farm; the account's path segment under /vault/accounts.
  std::string id;
  /// Deposited once, when the account is first opened (asset -> minor units).
  std::map<std::string, int64_t> opening_balance;
};

/// One agent to start under a user's supervisor.
struct agent_spec {
  /// Unique among the user's agents; the last segment of the agent's path.
  std::string id;
  /// Actor kind (factory name), e.g. "heartbeat".
  std::string kind;
  /// Kind-specific parameters, as strings (their kind validates them).
  std::map<std::string, std::string> params;
};

struct user_spec {
  /// Unique; the path segment under /user.
  std::string name;
  std::vector<agent_spec> agents;
  std::vector<account_spec> accounts;
};

struct farm_config {
  /// The farm file as given (empty for a default configuration).
  std::string file;
  node_settings node;
  runbook_limits limits;
  store_settings store;
  checkpoint_settings checkpoints;
  backup_settings backup;
  vault_settings vault;
  std::vector<user_spec> users;
  /// Inline [[supervisor]] tables plus those of node.policy_files.
  policy_set policies;
};

} // namespace tfarm::config
