#include "persistence/durable_trading.hpp"

#include "persistence/database.hpp"
#include "persistence/error.hpp"

namespace tfarm::persistence {

caf::expected<durable_trading> read_durable_trading(const std::string& db_file,
                                                    const std::vector<std::string>& agents) {
  auto conn = open_database(db_file, read_only_options());
  if (!conn)
    return conn.error();
  auto& db = **conn;
  try {
    // One read transaction: positions and balances of the same moment.
    sql_transaction txn{db, sql_transaction::mode::read};
    durable_trading x;
    auto fills_stmt = db.prepare("SELECT o.side, f.price, f.qty, f.fee FROM fills f JOIN orders o "
                                 "ON o.client_order_id = f.client_order_id WHERE o.agent = ? "
                                 "ORDER BY f.rowid");
    auto& fills = *fills_stmt;
    auto orders_stmt = db.prepare("SELECT COUNT(*) FROM orders WHERE agent = ?");
    auto& orders = *orders_stmt;
    for (auto& agent : agents) {
      auto& rows = x.fills[agent];
      fills.reset();
      fills.bind(1, agent);
      while (fills.step())
        rows.push_back(
            recorded_fill{fills.text(0) == "buy", fills.int64(1), fills.int64(2), fills.int64(3)});
      orders.reset();
      orders.bind(1, agent);
      orders.step();
      x.orders[agent] = static_cast<uint64_t>(orders.int64(0));
    }
    auto vault_stmt = db.prepare("SELECT asset, bucket, SUM(amount) FROM balances WHERE account "
                                 "NOT LIKE '@%' GROUP BY asset, bucket");
    auto& vault = *vault_stmt;
    while (vault.step()) {
      auto& t = x.vault[vault.text(0)];
      auto bucket = vault.text(1);
      (bucket == "reserved" ? t.reserved : t.available) += vault.int64(2);
    }
    txn.commit();
    return x;
  } catch (const std::exception& e) {
    return classify(e, db_file, "reading the trading records");
  }
}

} // namespace tfarm::persistence
