// What the database holds of each agent's trading and of the users' vault
// balances, read in one transaction: `tfarm run`'s final figures once the
// node has stopped (the durable truth, including fills that arrived after
// an agent stopped). Reads a database file directly; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace tfarm::persistence {

/// One fill of an agent's order, in the order the store recorded them.
struct recorded_fill {
  bool buy = false;
  /// Ticks, units, minor units of the fee asset.
  int64_t price = 0;
  int64_t qty = 0;
  int64_t fee = 0;
};

/// Users' accounts' holdings of one asset (venues' and the vault's own
/// accounts, those starting with '@', excluded).
struct asset_holdings {
  int64_t available = 0;
  int64_t reserved = 0;
};

struct durable_trading {
  /// Agent path -> orders it placed; its fills in record order.
  std::map<std::string, uint64_t> orders;
  std::map<std::string, std::vector<recorded_fill>> fills;
  /// Asset -> the users' accounts' holdings.
  std::map<std::string, asset_holdings> vault;
};

/// Reads the records of `agents` from the SQLite database `db_file`
/// (read-only); an error names the file and SQLite's reason.
caf::expected<durable_trading> read_durable_trading(const std::string& db_file,
                                                    const std::vector<std::string>& agents);

} // namespace tfarm::persistence
