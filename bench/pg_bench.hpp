// PostgreSQL for the *_pg scenarios: the server (TFARM_PG_URL, an admin URL
// whose user may create databases; else a private server started once per
// run the way the tests start theirs, fsync on) and the raw libpq
// baselines, which write the same rows into the same tables in pipeline
// mode (a transaction's statements sent without waiting, one round trip
// per transaction): the fastest a client of one connection gets.
#pragma once

#include <cstdint>
#include <string>

namespace tfarm::bench {

/// A new, empty database on the benchmark server (its URL).
std::string pg_bench_database(const std::string& name);

/// Rows per second of checkpoint upserts (the store's table and statement)
/// in transactions of `batch`, pipelined.
double raw_pg_checkpoint_rows_per_s(const std::string& url, uint64_t rows, uint64_t batch,
                                    uint64_t paths, size_t state_bytes);

/// Rows per second of ledger entry inserts over `accounts` accounts in
/// transactions of `batch`, pipelined.
double raw_pg_ledger_rows_per_s(const std::string& url, uint64_t rows, uint64_t batch,
                                uint64_t accounts);

} // namespace tfarm::bench
