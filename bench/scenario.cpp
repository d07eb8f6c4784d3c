#include "bench/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace tfarm::bench {

const std::vector<scenario>& scenarios() {
  static const std::vector<scenario> all{
      {"message_overhead",
       "4 senders -> 1 receiver, 2,000,000 messages each: supervised actors with registry "
       "accounting vs raw CAF actors",
       message_overhead},
      {"restart_latency",
       "10,000 crashes of a child with a saved state: crash to the replacement's first message, vs "
       "a raw CAF monitor-and-respawn cycle",
       restart_latency},
      {"checkpoint_durable",
       "1,000 actors saving 200-byte states through the store actor (synchronous=FULL) vs raw "
       "SQLiteCpp batched inserts of the same rows",
       checkpoint_durable},
      {"checkpoint_durable_pg",
       "the same on PostgreSQL (fsync on; TFARM_PG_URL or a private server) vs raw libpq "
       "pipelined upserts of the same rows",
       checkpoint_durable_pg},
      {"cold_restore",
       "a node starting on a database of 100,000 actors' checkpoints until every one is restored",
       cold_restore},
      {"matching_engine",
       "orders per second through one order book alone on a seeded stream (limits, crossing "
       "limits, market orders, cancels)",
       matching_engine},
      {"vault_transfers",
       "durable two-phase transfers between random pairs of 1,000 vault accounts "
       "(synchronous=FULL) vs raw SQLiteCpp batched inserts of the same number of rows",
       vault_transfers},
      {"vault_transfers_pg", "the same on PostgreSQL (fsync on) vs raw libpq pipelined ledger rows",
       vault_transfers_pg},
      {"session_roundtrip",
       "submit -> acknowledgement through an exchange session (client order id durable first, "
       "synchronous=FULL) to the in-process simulated venue, vs the same orders sent straight to "
       "the venue",
       session_roundtrip},
      {"order_pipeline",
       "tick -> strategy -> risk gate -> durable reserve -> session -> match -> fill -> durable "
       "settle -> agent, 8 agents with 32 orders working each, 10 s sustained "
       "(synchronous=FULL), vs raw SQLiteCpp batched rows/s",
       order_pipeline},
      {"order_pipeline_pg",
       "the same on PostgreSQL (fsync on) vs raw libpq pipelined ledger rows (its goal follows the "
       "order-path issue)",
       order_pipeline_pg},
      {"order_latency",
       "the order_pipeline path held at 500, 1,000, 2,000 and 4,000 orders/s offered (open load): "
       "tick-to-fill p50 and p99 at each, one line per load, vs two raw SQLiteCpp commits",
       order_latency},
      {"farm_scale",
       "one node running 1,000, 3,000 and 10,000 trading agents (a session and an account per 5, "
       "10 a user) on market data for 30 s: resident memory and CPU per agent, tick-to-decision "
       "p99, one line per size, vs a raw CAF actor's resident memory",
       farm_scale},
      {"http_health",
       "GET /api/health from 32 keep-alive clients against the node's HTTP API, vs a minimal "
       "Beast server answering the same bytes",
       http_health},
      {"console_command",
       "`info /store` from a console client across CAF nodes (loopback), one at a time, vs the "
       "same client asking a published actor that answers the same reply",
       console_command},
      {"console_command_tls",
       "`info /store` to a node whose console is mutual TLS (operator certificate), one at a "
       "time, vs the same to a plain console in the same run",
       console_command_tls},
      {"remote_throughput",
       "orders through a session on a farm node to its venue on an exchange node, across CAF "
       "nodes over mutual TLS (client order id durable first, synchronous=FULL), vs the same "
       "orders straight to the remote venue over the same connection",
       remote_throughput},
      {"failover_time",
       "a cluster of 3 `tfarm node` processes on PostgreSQL: SIGKILL (10 trials), then SIGSTOP "
       "(5), of the member owning the most users -> all its users running on survivors, vs the "
       "lease TTL",
       failover_time},
      {"handoff_pause",
       "the same cluster: a member leaves (SIGTERM) and joins again, 5 times -> each moved "
       "user's pause from its stop on one member to its start on the next (target p99 <= 500 ms)",
       handoff_pause},
  };
  return all;
}

uint64_t scaled(uint64_t count, const scenario_options& opts) {
  return std::max<uint64_t>(
      1, static_cast<uint64_t>(std::llround(static_cast<double>(count) * opts.scale)));
}

double percentile(std::vector<double>& xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(xs.size())));
  rank = std::clamp<std::size_t>(rank, 1, xs.size());
  return xs[rank - 1];
}

} // namespace tfarm::bench
