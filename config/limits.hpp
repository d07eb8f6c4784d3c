// Named limits and defaults of Trading Farm, in one place.
//
// Every queue, batch, retry count, timeout and size in the project has a name
// here, with its unit last (`restart_backoff_ms_max`). Defaults that come from
// the operations runbook say so. Config validation rejects values outside the
// `_min`/`_max` bounds below, so the runtime may rely on them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tfarm::config {

// -- runbook limits (overridable by environment variables of the same name) ---

/// MAX_AGENTS_PER_USER: trading agents one user may run (runbook default 10).
constexpr int32_t max_agents_per_user_default = 10;
constexpr int32_t max_agents_per_user_max = 10'000;

/// ORDER_RATE_LIMIT: orders per agent per minute (runbook default 20/min).
constexpr int64_t order_rate_limit_count_default = 20;
constexpr int64_t order_rate_limit_window_ms_default = 60'000;
constexpr int64_t order_rate_limit_count_max = 1'000'000'000;

/// CONNECTION_POOL_SIZE: store connections per node (runbook default 10).
constexpr int32_t connection_pool_size_default = 10;
constexpr int32_t connection_pool_size_max = 1'024;

/// CACHE_DURATION: how long API answers may be served from cache (runbook 60 s).
constexpr int64_t cache_duration_ms_default = 60'000;
constexpr int64_t cache_duration_ms_max = 86'400'000;

// -- supervision ---------------------------------------------------------------

/// Restarts allowed within `period` before a supervisor gives up (OTP: MaxR).
constexpr int32_t restart_intensity_default = 3;
constexpr int32_t restart_intensity_max = 1'000'000;

/// The window over which restarts are counted (OTP: MaxT).
constexpr int64_t restart_period_ms_default = 5'000;
constexpr int64_t restart_period_ms_max = 86'400'000;

/// Delay before a restart: exponential from min to max, minus up to `jitter`.
constexpr int64_t restart_backoff_min_ms_default = 10;
constexpr int64_t restart_backoff_max_ms_default = 1'000;
constexpr int64_t restart_backoff_ms_max = 3'600'000;
constexpr uint32_t restart_jitter_ppm_default = 200'000; // 0.2
constexpr uint32_t restart_jitter_ppm_max = 1'000'000;   // 1.0

/// Time a child gets to stop after an exit request before it is killed.
constexpr int64_t shutdown_timeout_ms_default = 5'000;
constexpr int64_t shutdown_timeout_ms_max = 3'600'000;

/// Time a clean stop waits for the actor's final checkpoint acknowledgement.
/// The actor handles nothing else meanwhile (CAF 0.17 holds even a kill back
/// behind an awaited response), so kill_grace_ms must be longer.
constexpr int64_t final_checkpoint_timeout_ms = 2'000;

/// How long a change of an actor's state may wait before the registry shows
/// it: the base publishes the status this long after the first message that
/// followed the previous publication (nothing while the actor is idle).
constexpr int64_t status_refresh_ms = 500;

/// Time a killed actor gets to vanish before its supervisor stops waiting.
constexpr int64_t kill_grace_ms = final_checkpoint_timeout_ms + 1'000;

/// Shutdown timeout of a supervisor child: it stops when its own children
/// have (OTP's "infinity"), bounded in practice by the node's shutdown timeout.
constexpr int64_t supervisor_shutdown_timeout_ms = 3'600'000;

/// Children one supervisor may hold (a policy may set a lower `max_children`).
constexpr int32_t children_per_supervisor_max = 1'000'000;

/// Time allowed to fetch a child's last checkpoint before a (re)start fails.
constexpr int64_t checkpoint_load_timeout_ms = 5'000;

// -- node ----------------------------------------------------------------------

/// Time a whole node gets to stop before the process exits regardless.
constexpr int64_t node_shutdown_timeout_ms_default = 10'000;
constexpr int64_t node_shutdown_timeout_ms_max = 3'600'000;

/// Scheduler worker threads (0 means one per core).
constexpr int32_t scheduler_threads_max = 1'024;

/// Interval of the node monitor's registry summary.
constexpr int64_t monitor_interval_ms_default = 10'000;

/// How often the monitor samples the farm and evaluates alert rules.
constexpr int64_t monitor_sample_interval_ms_default = 1'000;

/// The sliding window of the monitor's success and error rates.
constexpr int64_t monitor_rate_window_ms_default = 60'000;

/// Samples of the monitor's metrics kept for the dashboard's charts.
constexpr int64_t monitor_history_samples_default = 360;
constexpr int64_t monitor_history_samples_max = 100'000;

/// Alert rules a farm file may add.
constexpr std::size_t monitor_rules_max = 256;

/// The webhook channel: attempts per alert, the wait between them (doubling
/// from min to max), each attempt's deadline, and alerts waiting at most
/// (the oldest is dropped, and counted, beyond).
constexpr int64_t webhook_attempts_default = 5;
constexpr int64_t webhook_attempts_max = 100;
constexpr int64_t webhook_backoff_min_ms_default = 500;
constexpr int64_t webhook_backoff_max_ms_default = 30'000;
constexpr int64_t webhook_timeout_ms_default = 5'000;
constexpr int64_t webhook_queue_alerts_default = 1'000;
constexpr int64_t webhook_queue_alerts_max = 1'000'000;

// -- HTTP API (net) ------------------------------------------------------------

/// `tfarm run --http-port` default; 0 disables the server.
constexpr int32_t http_port_default = 8080;

/// A request's head and body together at most; more is refused with 413.
constexpr int64_t http_request_bytes_default = 64 * 1024;
constexpr int64_t http_request_bytes_max = 64 * 1024 * 1024;

/// Time a client has to send a whole request (and an idle keep-alive
/// connection lives); then the connection is closed.
constexpr int64_t http_read_timeout_ms_default = 10'000;

/// Characters of the admin bearer token at least.
constexpr std::size_t http_admin_token_chars_min = 16;
/// The example farm's admin token: public, so refused on any port beyond
/// loopback (net/transport_check.hpp).
inline constexpr const char* demo_admin_token = "demo-admin-token-change-me";

/// Connections served at once; more are closed with 503.
constexpr int64_t http_connections_default = 256;
constexpr int64_t http_connections_max = 65'536;
/// Connections one client address may hold at once by default (503
/// beyond): 300 slow connections from one address used to starve every
/// other client.
constexpr int64_t http_connections_per_client_default = 64;

/// Time an API handler waits for the actors it asks (vault, sessions,
/// store) before answering 504.
constexpr int64_t http_actor_timeout_ms = 10'000;

// -- inspection console (net, cli) ------------------------------------------------

/// `tfarm run --console-port` default; 0 disables the console endpoint.
constexpr int32_t console_port_default = 4242;

/// Commands a node runs at once for console clients (more wait in the
/// inspector's mailbox; each worker is a thread that may wait on actors).
constexpr int32_t console_workers = 4;

/// Console commands waiting for a worker at most; more are refused (busy).
constexpr int32_t console_queue_max = 64;

/// Time a stopping node gives its console workers to finish the command
/// they run (their waits on actors are bounded by console_actor_timeout_ms).
constexpr int64_t console_stop_wait_ms = 12'000;

/// Refusals (missing or wrong token) written to the audit log per minute at
/// most; the rest are counted in the log, so that a peer guessing tokens
/// cannot flood the audit log or hold up the workers.
constexpr int32_t console_refusals_audited_per_min = 10;

/// Characters of a lockdown's reason kept (audit log, security state).
constexpr std::size_t lockdown_reason_chars_max = 512;

/// Time a console command waits for the actors it asks (vault, sessions,
/// supervisors, store) before it fails with a timeout.
constexpr int64_t console_actor_timeout_ms = 10'000;

/// Time the client waits for a node's answer to one command (the node's
/// own waits plus the network).
constexpr int64_t console_request_timeout_ms_default = 15'000;

/// Connection attempts of the client before it gives up, and the backoff
/// between them (doubling from min to max).
constexpr int32_t console_connect_attempts_default = 5;
constexpr int64_t console_backoff_min_ms = 200;
constexpr int64_t console_backoff_max_ms = 5'000;

/// Words and bytes of one console command line at most.
constexpr std::size_t console_args_max = 64;
constexpr std::size_t console_line_bytes_max = 4'096;
/// Bytes of a console request's token and of its operator name at most
/// (the node refuses larger ones before it compares or logs them).
constexpr std::size_t console_token_bytes_max = 1'024;
constexpr std::size_t console_operator_bytes_max = 256;
/// An operator's proof on a TLS node (net/operator_proof.hpp): the PEM
/// certificate and the signature at most, in bytes, and how far its time
/// may be from the node's, in ms.
constexpr std::size_t console_certificate_bytes_max = 8'192;
constexpr std::size_t console_signature_bytes_max = 256;
constexpr int64_t console_signature_skew_ms = 60'000;

/// Rows `top`, `audit` and `alerts` show at most.
constexpr int32_t console_rows_max = 1'000;

/// How long `kill` waits to see the supervisor restart the actor before it
/// reports what it saw.
constexpr int64_t console_kill_observe_ms = 3'000;

// -- store (persistence) ---------------------------------------------------------

/// Writes that join one transaction at most (group commit).
constexpr int32_t store_batch_rows_default = 1'000;
constexpr int32_t store_batch_rows_max = 100'000;

/// Longest a transaction stays open waiting for more writers (0: commit as
/// soon as no write is waiting).
constexpr int64_t store_commit_wait_ms_max = 1'000;

/// How long SQLite retries a locked database before reporting it.
constexpr int64_t store_busy_timeout_ms_default = 5'000;
constexpr int64_t store_busy_timeout_ms_max = 600'000;
/// PostgreSQL ends a session that sits inside a transaction without a
/// statement this long. The store never leaves a transaction idle (at most
/// the commit wait, above); a process frozen mid-transaction (SIGSTOP, a
/// stall) would otherwise hold its row locks -- a cluster member's lease
/// rows, read FOR SHARE by fenced writes -- and block the claim of its
/// users until it resumes.
constexpr int64_t pg_idle_in_transaction_timeout_ms = store_commit_wait_ms_max + 1'000;

/// How long a cluster member's membership statements (renewals,
/// releases) wait for a row lock. A member frozen inside a write holds the
/// lease rows its fence read FOR SHARE until the server ends its
/// transaction (pg_idle_in_transaction_timeout_ms); waiting that long would
/// stall the heart past its own lease (TTL 1.5 s, renewed every 250 ms), so
/// the statement fails after this and the next step tries again. Claims
/// skip a locked row at once (cluster_store::claim).
constexpr int64_t cluster_lock_wait_ms = 500;

/// How often a cluster member reads the store's security state to follow
/// a lockdown, an unlock or a new admin token made on another member.
constexpr int64_t security_follow_interval_ms = 1'000;

/// How often a cluster member reads the farm-wide switches (the kill
/// switch's trading states, the vault's modes) from the store: the longest
/// a change made on one member takes to reach the others.
constexpr int64_t shared_switch_refresh_ms = 250;
/// PostgreSQL statement timeout: long enough for `db check` on a big
/// ledger, short enough that a wedged statement surfaces as an error.
constexpr int64_t store_statement_timeout_ms_default = 30'000;
constexpr int64_t store_statement_timeout_ms_max = 3'600'000;
/// A store that lost its database server tries again after this long,
/// doubling up to the max (writes meanwhile are refused at once).
constexpr int64_t store_reconnect_backoff_ms_min = 100;
constexpr int64_t store_reconnect_backoff_ms_max = 5'000;
/// Times a batch runs again after a serialization conflict with another
/// node's writes before its writers get an error, and the pause before
/// each run: doubling from the minimum to the maximum, each drawn between
/// half and all of it (members that conflicted must not meet again at
/// once; run back to back, all retries of a busy member could conflict).
constexpr int32_t store_conflict_retries_max = 8;
constexpr int64_t store_conflict_backoff_us_min = 500;
constexpr int64_t store_conflict_backoff_us_max = 32'000;
/// Times an operator's switch (kill switch, vault mode) is written before
/// the operator hears it failed: the batch that holds it carries the
/// member's other writes too, and on a busy cluster it can lose every one
/// of the retries above. The write is idempotent (the switch's row by
/// name), so it is asked again whole.
constexpr int32_t switch_write_attempts = 4;

/// Time a store request may take before the requester gives up. Generous:
/// a commit with synchronous=FULL on a slow disk takes tens of ms.
constexpr int64_t store_request_timeout_ms = 10'000;

/// Versions of a checkpoint kept per actor path (the newest and one fallback).
constexpr int32_t checkpoint_versions_kept = 2;

/// Page cache of each store connection to SQLite (KiB).
constexpr int64_t store_page_cache_kib = 64 * 1024;

/// Audit records one query returns at most.
constexpr uint32_t audit_query_rows_max = 100'000;

/// Legs of one ledger transaction at most.
constexpr std::size_t ledger_legs_max = 64;

/// Bytes of one checkpoint blob at most.
constexpr std::size_t checkpoint_blob_bytes_max = 16 * 1024 * 1024;

// -- automatic backups -----------------------------------------------------------

constexpr int32_t backup_keep_default = 24;
constexpr int32_t backup_keep_max = 10'000;
constexpr int64_t backup_max_age_ms_default = 7LL * 86'400'000;
constexpr int64_t backup_interval_ms_min = 1'000;

// -- cluster (docs/cluster.md) ---------------------------------------------------

/// Members of one cluster file at most.
constexpr std::size_t cluster_members_max = 64;
/// How often a member renews its membership and leases.
constexpr int64_t cluster_renew_interval_ms_default = 250;
constexpr int64_t cluster_renew_interval_ms_min = 10;
constexpr int64_t cluster_renew_interval_ms_max = 10'000;
/// How long a renewal keeps a member and its leases alive.
constexpr int64_t cluster_lease_ttl_ms_default = 1'500;
/// How long a starting member waits for a shared store that does not
/// answer (a server restarting), trying again every
/// member_store_retry_ms, before it gives up (a single node does not wait:
/// its database is a file or a server an operator starts first).
constexpr int64_t member_store_wait_ms = 60'000;
constexpr int64_t member_store_retry_ms = 500;
constexpr int64_t cluster_lease_ttl_ms_max = 60'000;
/// A lease outlives this many renew intervals at least (missed renewals).
constexpr int64_t cluster_lease_renewals_min = 3;
/// How long before its lease could run out a member stops its users.
constexpr int64_t cluster_margin_ms_default = 250;

// -- configuration files --------------------------------------------------------

/// Larger files are refused before parsing (a config file is never this big).
constexpr std::size_t config_file_bytes_max = 4 * 1024 * 1024;

/// Problems reported per file before the checker stops listing them.
constexpr std::size_t diagnostics_per_file_max = 200;

/// Incidents a node keeps while no monitor watches (at start-up, while it
/// restarts); the oldest go first beyond this.
constexpr std::size_t incidents_pending_max = 256;

/// Length of an actor path and of one path segment.
constexpr std::size_t actor_path_chars_max = 512;
constexpr std::size_t path_segment_chars_max = 64;

// -- vault (tfarm::actors) ----------------------------------------------------

/// How long an account remembers an idempotency key's result.
constexpr int64_t vault_idempotency_window_ms_default = 86'400'000;
constexpr int64_t vault_idempotency_window_ms_max = 90LL * 86'400'000;

/// Operations whose whole results (and closed reservations whose state) an
/// account keeps in memory; older keys of the idempotency window are kept
/// as 16-byte digests and their results read from the store when asked
/// again.
constexpr int64_t vault_cached_operations_default = 1'000;
constexpr int64_t vault_cached_operations_min = 16;
constexpr int64_t vault_cached_operations_max = 1'000'000;

/// Longest the vault waits for an account's answer.
constexpr int64_t vault_request_timeout_ms_default = 10'000;
constexpr int64_t vault_request_timeout_ms_max = 600'000;

/// A reconciliation of a running farm looks at the trading record twice,
/// this far apart, and reports what it saw both times: a fill recorded
/// again after a failed write (a session retries at its next heartbeat,
/// 1 s) is not a discrepancy; a loss stays and is reported.
constexpr int64_t vault_reconcile_confirm_ms_default = 3'000;
constexpr int64_t vault_reconcile_confirm_ms_max = 60'000;

/// Assets the vault knows at most; characters of an asset name at most.
constexpr std::size_t vault_assets_max = 256;
constexpr std::size_t asset_chars_max = 16;

/// Characters of an idempotency key or reservation id at most.
constexpr std::size_t vault_key_chars_max = 256;

/// Vault accounts a farm file may list.
constexpr std::size_t vault_config_accounts_max = 100'000;

// -- exchanges (tfarm::actors exchange) -------------------------------------------

/// A session's token bucket: requests per second and saved-up burst.
constexpr int64_t exchange_rate_per_s_default = 50;
constexpr int64_t exchange_rate_per_s_max = 1'000'000;
constexpr int64_t exchange_burst_default = 100;
constexpr int64_t exchange_burst_max = 1'000'000;

/// Longest a session waits for a venue's answer before the order is
/// "unknown" (its status is read before anything else happens to it).
constexpr int64_t exchange_request_timeout_ms_default = 2'000;
constexpr int64_t exchange_request_timeout_ms_max = 60'000;

/// A simulated venue's injected latency (and its spread) at most.
constexpr int64_t venue_fault_latency_ms_max = 60'000;

/// Attempts after the first for a retryable error, and their backoff.
constexpr int64_t exchange_retry_max_default = 5;
constexpr int64_t exchange_retry_max = 100;
constexpr int64_t exchange_backoff_min_ms_default = 10;
constexpr int64_t exchange_backoff_max_ms_default = 2'000;
constexpr int64_t exchange_backoff_ms_max = 60'000;

/// Consecutive failures that make a session fail over to its backup.
constexpr int64_t exchange_failover_after_default = 3;
constexpr int64_t exchange_failover_after_max = 1'000;

/// While on its backup a session pings the primary this often; after this
/// many healthy pings in a row it fails back (policy "auto").
constexpr int64_t exchange_probe_interval_ms_default = 1'000;
/// A session's latency figures (p99) cover the last one to two windows, so
/// that an alert on them resolves once the venue is fast again.
constexpr int64_t exchange_latency_window_ms_default = 60'000;
constexpr int64_t exchange_latency_window_ms_min = 100;
constexpr int64_t exchange_failback_probes_default = 3;
constexpr int64_t exchange_failback_probes_max = 1'000;

/// Orders a session holds waiting for rate budget; more are refused.
constexpr std::size_t exchange_queue_orders_max = 10'000;

/// An order must reach its venue within this time of being recorded
/// (order_request::expires_at_ms): a session does not send it later, and a
/// venue refuses it when it arrives later. The bound that lets a farm tell
/// "never placed" from "a copy is still on its way".
constexpr int64_t order_send_window_ms = 10'000;
/// How far the clocks of farm nodes and venues may disagree (NTP keeps them
/// well within it): an order no venue has is known never to be placed once
/// its expiry is this far in the past.
constexpr int64_t order_clock_skew_ms = 2'000;

/// Venues, sessions and symbols a farm file may list.
constexpr std::size_t exchange_venues_max = 64;
constexpr std::size_t exchange_sessions_max = 10'000;
constexpr std::size_t exchange_symbols_max = 256;

/// Characters of a client order id at most.
constexpr std::size_t client_order_id_chars_max = 64;

/// A simulated venue whose new epoch could not be made durable tries again
/// after this long (it answers nothing meanwhile).
constexpr int64_t venue_epoch_retry_ms = 1'000;

/// Characters of a venue's fill (trade) id at most: a longer one from a
/// venue is refused as malformed.
constexpr std::size_t fill_id_chars_max = 64;

/// Links between nodes: heartbeats (off by default in CAF 0.17) and the
/// silence after which a node counts as lost (its actors go down).
constexpr int64_t node_heartbeat_interval_ms = 1'000;
constexpr int64_t node_connection_timeout_ms = 5'000;

/// Simulated market data: the generator's clock and the book it keeps.
constexpr int64_t market_data_interval_ms_default = 100;
constexpr int64_t market_data_start_price_default = 1'000'000;
constexpr int64_t market_data_volatility_bps_default = 5;
constexpr int64_t market_data_depth_default = 5;
constexpr int64_t market_data_depth_max = 100;
constexpr int64_t market_data_level_qty_default = 10;
/// Bounds that keep price x qty, and sums of many fills, within int64.
constexpr int64_t market_data_start_price_max = 10'000'000'000;
constexpr int64_t market_data_level_qty_max = 1'000'000;

} // namespace tfarm::config
