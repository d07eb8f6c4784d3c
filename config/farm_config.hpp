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
#include <optional>
#include <string>
#include <utility>
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
  /// SQLite file, relative to the working directory (the embedded,
  /// single-node store).
  std::string path = "tfarm.db";
  /// A `postgresql://` URL: the shared store of a cluster; when set it is
  /// used instead of `path`. `tfarm run --db` and TFARM_DB override both.
  std::string url;
  /// PostgreSQL: the server cancels a statement running longer (0: never).
  milliseconds statement_timeout{store_statement_timeout_ms_default};

  /// What the node opens: the URL if set, else the file.
  const std::string& target() const noexcept { return url.empty() ? path : url; }
  /// Points the store at `target` (a postgresql:// URL or a file).
  void set_target(const std::string& target) {
    if (target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0) {
      url = target;
    } else {
      path = target;
      url.clear();
    }
  }
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
  /// How long an account knows an idempotency key without asking the
  /// store (and reloads it after a restart): a replay within it is
  /// answered as the first time, from memory or, for a key older than the
  /// cached operations, from the journal. An older key is still never
  /// applied twice (the journal's key is unique), it only costs the
  /// account a rebuild from the ledger.
  milliseconds idempotency_window{vault_idempotency_window_ms_default};
  /// Recent operations whose whole results (and closed reservations) an
  /// account keeps in memory; the rest of its window costs 16 bytes a key.
  int64_t cached_operations = vault_cached_operations_default;
  /// Longest the vault waits for an account to answer a request.
  milliseconds request_timeout{vault_request_timeout_ms_default};
  /// A reconciliation's second look at the trading record, this long after
  /// its first (0: one look).
  milliseconds reconcile_confirm{vault_reconcile_confirm_ms_default};
};

/// The simulated venue's market: a seeded random walk with simulated
/// participants quoting around it and taking liquidity, or a replay of
/// recorded trades.
struct market_data_settings {
  /// One generator step (or replayed trade) per interval.
  milliseconds interval{market_data_interval_ms_default};
  /// First mid price of every symbol, in ticks.
  int64_t start_price = market_data_start_price_default;
  /// Largest step of the mid per interval, basis points of the price.
  int64_t volatility_bps = market_data_volatility_bps_default;
  /// Price levels the simulated participants quote on each side ...
  int64_t depth = market_data_depth_default;
  /// ... with this quantity each.
  int64_t level_qty = market_data_level_qty_default;
  /// Chance per interval that a participant takes liquidity (a market order).
  double taker_rate = 0.3;
  /// CSV of trades to replay instead (`symbol,price,qty,side`); relative
  /// to the farm file's folder.
  std::string replay;
};

/// Fault injection of a simulated venue (also settable at run time).
struct venue_fault_settings {
  /// Added to every answer, uniform in latency +- latency_jitter.
  milliseconds latency{0};
  milliseconds latency_jitter{0};
  /// Chance per request of: an error (venue_unavailable), a rate-limit
  /// reply, a lost answer (after the order was processed).
  double error_rate = 0.0;
  double rate_limit_rate = 0.0;
  double drop_rate = 0.0;
  /// Starts disconnected.
  bool disconnected = false;
  /// Disconnect windows: every `disconnect_every`, disconnected for
  /// `disconnect_for` (0: none).
  milliseconds disconnect_every{0};
  milliseconds disconnect_for{0};
};

/// One venue ([[exchange.venue]]).
struct venue_settings {
  /// Unique; the path segment under /exchanges/venues.
  std::string name;
  /// "simulated": a matching engine on this node; "remote": a venue of an
  /// exchange node (its [exchange] listen address is `endpoint`), reached
  /// by CAF remote messaging.
  std::string kind = "simulated";
  /// "host:port" of the exchange node (remote venues only).
  std::string endpoint;
  /// Another venue's name: where sessions fail over to (empty: none).
  std::string backup;
  /// Symbols "BASE-QUOTE" of vault assets (e.g. "BTC-USD").
  std::vector<std::string> symbols{"BTC-USD"};
  /// Seed of the market-data generator and of fault draws.
  uint64_t seed = 1;
  int64_t taker_fee_bps = 0;
  int64_t maker_fee_bps = 0;
  /// The token bucket of each session on this venue.
  int64_t rate_per_s = exchange_rate_per_s_default;
  int64_t burst = exchange_burst_default;
  /// Sessions must log on with a stored credential before trading.
  bool credentials = false;
  market_data_settings market_data;
  venue_fault_settings faults;
};

/// One session ([[exchange.session]]): an account trading on a venue.
struct session_settings {
  std::string venue;
  std::string account;
};

/// Exchange sessions and venues (tfarm::actors exchange).
struct exchange_settings {
  /// Longest a session waits for a venue's answer.
  milliseconds request_timeout{exchange_request_timeout_ms_default};
  /// Retries of a retryable error, exponential backoff with jitter.
  int64_t retry_max = exchange_retry_max_default;
  milliseconds backoff_min{exchange_backoff_min_ms_default};
  milliseconds backoff_max{exchange_backoff_max_ms_default};
  double backoff_jitter = 0.2;
  /// Consecutive failures before failing over to the backup venue.
  int64_t failover_after = exchange_failover_after_default;
  /// "auto": back to the primary after failback_probes healthy pings in a
  /// row; "manual": only by the recover operation.
  std::string failback = "auto";
  milliseconds probe_interval{exchange_probe_interval_ms_default};
  milliseconds latency_window{exchange_latency_window_ms_default};
  int64_t failback_probes = exchange_failback_probes_default;
  /// File with the 64-hex-digit master key that seals credentials
  /// (TFARM_MASTER_KEY overrides it); relative to the working directory.
  std::string master_key_file;
  /// "host:port" where this node offers its simulated venues to other
  /// nodes (the exchange role); empty: not offered. Port 0 picks a free one.
  std::string listen;
  std::vector<venue_settings> venues;
  std::vector<session_settings> sessions;
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
  /// Where the agent's table and each parameter are in the farm file (line,
  /// column; 0 when not read from a file), for the kind's own diagnostics.
  std::pair<uint32_t, uint32_t> position{0, 0};
  std::map<std::string, std::pair<uint32_t, uint32_t>> param_positions;
};

struct user_spec {
  /// Unique; the path segment under /user.
  std::string name;
  std::vector<agent_spec> agents;
  std::vector<account_spec> accounts;
};

/// The HTTP API of the node (net/http_server, net/http_api).
struct http_settings {
  /// 0 disables the server.
  int32_t port = http_port_default;
  std::string bind = "127.0.0.1";
  /// Bearer token of the admin endpoints; TFARM_ADMIN_TOKEN overrides it.
  /// Empty: admin endpoints answer 403 to everyone.
  std::string admin_token;
  int64_t request_bytes_max = http_request_bytes_default;
  milliseconds read_timeout{http_read_timeout_ms_default};
  int64_t connections_max = http_connections_default;
  /// Of those, at most this many from one client address.
  int64_t connections_per_client_max = http_connections_per_client_default;
};

/// The inspection console's endpoint (`tfarm console --connect`). Commands
/// need the admin token ([http] admin_token or TFARM_ADMIN_TOKEN).
struct console_settings {
  /// 0 disables the endpoint.
  int32_t port = console_port_default;
  std::string bind = "127.0.0.1";
};

/// Mutual TLS on every CAF port the node opens or connects to (the console,
/// an exchange node's directory, remote venues): the cluster CA's
/// certificate and this node's certificate and key, PEM files (relative to
/// the farm file). All three or none; `tfarm certs` makes them
/// (docs/security.md).
struct tls_settings {
  std::string ca;
  std::string cert;
  std::string key;
  /// Where [tls] was given (file:line:column), for messages about its files.
  std::string origin;

  bool enabled() const noexcept { return !ca.empty(); }
};

/// One alert rule of the farm file (actors/monitor/alert_rule.hpp). A rule
/// named like one of the runbook's replaces it; `enabled = false` drops it.
struct alert_rule_settings {
  std::string name;
  std::string metric;
  std::string comparison = "above";
  std::optional<int64_t> warning;
  std::optional<int64_t> critical;
  milliseconds for_duration{0};
  std::string description;
  bool enabled = true;
};

/// The monitor: alert rules, routing and channels.
struct monitor_settings {
  /// Sampling and rule evaluation period.
  milliseconds interval{monitor_sample_interval_ms_default};
  /// Success and error rates are over this sliding window.
  milliseconds rate_window{monitor_rate_window_ms_default};
  /// Start from the runbook's rules.
  bool runbook_rules = true;
  std::vector<alert_rule_settings> rules;
  /// Channels by severity ("log", "file", "webhook", "dashboard").
  std::map<std::string, std::vector<std::string>> routing{
      {"critical", {"log", "file", "webhook", "dashboard"}},
      {"error", {"webhook", "dashboard"}},
      {"warning", {"dashboard"}},
      {"info", {"log"}},
  };
  /// JSON-lines file channel ("" turns it off).
  std::string alerts_file;
  /// Webhook channel: http://HOST:PORT/PATH ("" turns it off).
  std::string webhook_url;
  int64_t webhook_attempts = webhook_attempts_default;
  milliseconds webhook_backoff_min{webhook_backoff_min_ms_default};
  milliseconds webhook_backoff_max{webhook_backoff_max_ms_default};
  milliseconds webhook_timeout{webhook_timeout_ms_default};
  int64_t webhook_queue_max = webhook_queue_alerts_default;
  int64_t history_samples = monitor_history_samples_default;
};

/// The metrics alert rules may watch (what the monitor samples).
const std::vector<std::string>& monitor_metric_names();

/// Severities and channels the routing table names.
const std::vector<std::string>& alert_severity_names();
const std::vector<std::string>& alert_channel_names();

struct farm_config {
  /// The farm file as given (empty for a default configuration).
  std::string file;
  node_settings node;
  runbook_limits limits;
  store_settings store;
  checkpoint_settings checkpoints;
  backup_settings backup;
  vault_settings vault;
  exchange_settings exchange;
  http_settings http;
  console_settings console;
  tls_settings tls;
  monitor_settings monitor;
  std::vector<user_spec> users;
  /// Inline [[supervisor]] tables plus those of node.policy_files.
  policy_set policies;
};

} // namespace tfarm::config
