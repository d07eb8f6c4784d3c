// The raw SQLite baseline of the durable scenarios: SQLiteCpp inserting
// ledger rows (the ledger's widest table) in transactions of a given size,
// with the project's pragmas (synchronous=FULL), on the same disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tfarm::bench {

/// Rows per second inserting `rows` ledger entries over `accounts` accounts
/// into a fresh database at `file`, `batch` rows per transaction.
double raw_ledger_rows_per_s(const std::string& file, uint64_t rows, uint64_t batch,
                             uint64_t accounts);

/// Latencies (us) of `commits` transactions, one after another, each
/// inserting the two ledger entries of one transfer into a fresh database
/// at `file`: what one durable step of the order path costs at the least.
std::vector<double> raw_commit_latencies_us(const std::string& file, uint64_t commits);

} // namespace tfarm::bench
