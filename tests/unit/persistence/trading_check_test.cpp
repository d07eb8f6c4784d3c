#include "persistence/trading_check.hpp"

#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

TEST(trading_check, reads_the_trade_number_of_a_fill_id_of_its_epoch_only) {
  EXPECT_EQ(trade_number_of("1700.42:t", 1700), 42u);
  EXPECT_EQ(trade_number_of("1700.42:m", 1700), 42u);
  EXPECT_EQ(trade_number_of("1700.7", 1700), 7u);
  EXPECT_FALSE(trade_number_of("1701.42:t", 1700));
  EXPECT_FALSE(trade_number_of("17000.42:t", 1700));
  EXPECT_FALSE(trade_number_of("1700.:t", 1700));
  EXPECT_FALSE(trade_number_of("1700.4x2:t", 1700));
  EXPECT_FALSE(trade_number_of("1700.99999999999999999999:t", 1700)) << "beyond 64 bits";
  EXPECT_FALSE(trade_number_of("", 1700));
}

namespace {

class fill_totals_test : public testing::TestWithParam<test::backend> {
protected:
  void SetUp() override {
    target_ = test::fresh_database(GetParam(), dir_.path().string(), "t.db");
    auto db = open_database(target_);
    ASSERT_TRUE(db) << runtime::to_text(db.error());
    db_ = std::move(*db);
  }

  void order(const std::string& id, const std::string& account, const std::string& side) {
    db_->exec("INSERT INTO orders (client_order_id, agent, account, venue, symbol, side, type, "
              "price, qty, status, created_at, updated_at) VALUES ('" +
              id + "', '/user/a/x', '" + account + "', 'sim-a', 'BTC-USD', '" + side +
              "', 'limit', 100, 10, 'new', 1, 1)");
  }

  void fill(const std::string& order, const std::string& fill_id, int64_t qty, int64_t price,
            int64_t fee, const std::string& venue = "sim-a") {
    db_->exec("INSERT INTO fills (venue, client_order_id, venue_fill_id, price, qty, fee, ts) "
              "VALUES ('" +
              venue + "', '" + order + "', '" + fill_id + "', " + std::to_string(price) + ", " +
              std::to_string(qty) + ", " + std::to_string(fee) + ", 1)");
  }

  venue_fill_totals totals(uint64_t epoch, uint64_t through) {
    auto t = fill_totals(target_, "sim-a", "alice-main", epoch, through);
    EXPECT_TRUE(t) << runtime::to_text(t.error());
    return t ? *t : venue_fill_totals{};
  }

  test::temp_dir dir_;
  std::string target_;
  std::unique_ptr<sql_connection> db_;
};

} // namespace

// The venue's statement counts the fills up to its last trade when it wrote
// it; the farm reads its record later, after more trades: those must not
// count, or a busy venue looks as if the farm recorded fills it never made.
TEST_P(fill_totals_test, sums_the_fills_of_the_epoch_up_to_the_statements_trade) {
  order("b1", "alice-main", "buy");
  order("s1", "alice-main", "sell");
  order("o1", "bob-main", "buy");
  fill("b1", "500.1:t", 2, 100, 1);
  fill("s1", "500.3:m", 1, 110, 0);
  fill("b1", "500.9:t", 4, 100, 2);          // after the statement's trade 5
  fill("b1", "499.2:t", 3, 100, 0);          // another epoch
  fill("o1", "500.4:t", 5, 100, 0);          // another account
  fill("b1", "500.2:t", 1, 100, 0, "sim-b"); // another venue
  auto t = totals(500, 5);
  EXPECT_EQ(t.fills, 2u);
  EXPECT_EQ(t.later, 1u);
  EXPECT_EQ(t.holdings["BTC"], 2 - 1);
  EXPECT_EQ(t.holdings["USD"], -(2 * 100 + 1) + 110);
  // Through the last trade: all three of the epoch.
  t = totals(500, 9);
  EXPECT_EQ(t.fills, 3u);
  EXPECT_EQ(t.later, 0u);
  EXPECT_EQ(t.holdings["BTC"], 2 - 1 + 4);
}

// A recorded fill of the epoch whose id names no trade number cannot be
// placed before or after the cut: it counts, so it shows as a difference.
TEST_P(fill_totals_test, counts_a_fill_whose_id_names_no_trade_number) {
  order("b1", "alice-main", "buy");
  fill("b1", "500.x:t", 1, 100, 0);
  auto t = totals(500, 0);
  EXPECT_EQ(t.fills, 1u);
  EXPECT_EQ(t.holdings["BTC"], 1);
}

INSTANTIATE_TEST_SUITE_P(backends, fill_totals_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
