// The store's registry status: what the monitor's store rules, the HTTP
// API and the benchmarks read. Counters since the store started.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/status_fields.hpp"

namespace tfarm::persistence {

struct store_status {
  /// "sqlite", "postgresql" (or "memory" for the test store).
  std::string backend;
  /// The database file, or the server's URL without its password.
  std::string file;
  /// False while the store cannot reach its database (PostgreSQL server
  /// down or unreachable): writes are refused with an error until it
  /// reconnects.
  bool connected = true;
  /// Since when it is disconnected (Unix ms; 0 while connected).
  int64_t down_since_ms = 0;
  /// SQLite's synchronous setting ("full", "normal", ...).
  std::string synchronous;
  /// Transactions committed and the rows they wrote.
  uint64_t commits = 0;
  uint64_t rows = 0;
  uint64_t largest_batch = 0;
  uint64_t avg_batch = 0;
  /// Duration of the newest commit, microseconds.
  int64_t last_commit_us = 0;
  uint64_t failed_batches = 0;
  /// Jobs being written now; writes waiting for the next batch.
  uint64_t queued_jobs = 0;
  uint64_t open_writes = 0;
  /// The newest failure ("" if none).
  std::string last_error;
  /// A cluster member's store: user writes need the user's current epoch.
  bool fenced = false;
  /// Writes refused because this node did not hold their user's current
  /// epoch (a member that lost a user and had not stopped writing yet).
  uint64_t fenced_refusals = 0;
  /// Batches run again after a serialization conflict with another
  /// member's writes (PostgreSQL); each retry pauses 0.25 to 32 ms.
  uint64_t conflict_retries = 0;
};

TFARM_STATUS_FIELDS(store_status, "tfarm.store_status", backend, file, connected, down_since_ms,
                    synchronous, commits, rows, largest_batch, avg_batch, last_commit_us,
                    failed_batches, queued_jobs, open_writes, last_error, fenced, fenced_refusals,
                    conflict_retries)

} // namespace tfarm::persistence
