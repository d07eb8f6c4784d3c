#include "persistence/durable_trading.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "persistence/error.hpp"

namespace tfarm::persistence {

caf::expected<durable_trading> read_durable_trading(const std::string& db_file,
                                                    const std::vector<std::string>& agents) {
  try {
    SQLite::Database db{db_file, SQLite::OPEN_READONLY};
    // One read transaction: positions and balances of the same moment.
    db.exec("BEGIN");
    durable_trading x;
    SQLite::Statement fills{db, "SELECT o.side, f.price, f.qty, f.fee FROM fills f JOIN orders o "
                                "ON o.client_order_id = f.client_order_id WHERE o.agent = ? "
                                "ORDER BY f.rowid"};
    SQLite::Statement orders{db, "SELECT COUNT(*) FROM orders WHERE agent = ?"};
    for (auto& agent : agents) {
      auto& rows = x.fills[agent];
      fills.reset();
      fills.bind(1, agent);
      while (fills.executeStep())
        rows.push_back(recorded_fill{fills.getColumn(0).getString() == "buy",
                                     fills.getColumn(1).getInt64(), fills.getColumn(2).getInt64(),
                                     fills.getColumn(3).getInt64()});
      orders.reset();
      orders.bind(1, agent);
      orders.executeStep();
      x.orders[agent] = static_cast<uint64_t>(orders.getColumn(0).getInt64());
    }
    SQLite::Statement vault{db, "SELECT asset, bucket, SUM(amount) FROM balances WHERE account "
                                "NOT LIKE '@%' GROUP BY asset, bucket"};
    while (vault.executeStep()) {
      auto& t = x.vault[vault.getColumn(0).getString()];
      auto bucket = vault.getColumn(1).getString();
      (bucket == "reserved" ? t.reserved : t.available) += vault.getColumn(2).getInt64();
    }
    db.exec("COMMIT");
    return x;
  } catch (const std::exception& e) {
    return caf::error{store_errc::io_error, db_file + ": cannot read the trading records (" +
                                                std::string{e.what()} + ")"};
  }
}

} // namespace tfarm::persistence
