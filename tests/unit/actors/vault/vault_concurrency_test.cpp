// Transfers in a cycle (A->B, B->C, C->A) all in flight at once: every
// account is both sender and receiver of concurrent two-phase transfers.
// No deadlock (all answer within their timeouts) and no loss.
#include <atomic>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/actors/vault/vault_fixture.hpp"

using namespace tfarm;
using actors::vault_op;

namespace {

class vault_concurrency_test : public test::vault_fixture {};

TEST_P(vault_concurrency_test, transfers_in_a_cycle_neither_deadlock_nor_lose_money) {
  constexpr int rounds = 300;
  const std::vector<std::string> ring{"A", "B", "C"};
  for (auto& id : ring) {
    ok(open("u" + id, id));
    ok(op(vault_op::deposit, "u" + id, id, "seed", "USD", 10'000));
  }
  std::vector<actors::vault_request> reqs;
  for (int i = 0; i < rounds; ++i)
    for (size_t k = 0; k < ring.size(); ++k)
      reqs.push_back(transfer("u" + ring[k], ring[k], ring[(k + 1) % ring.size()],
                              "t" + std::to_string(i), "USD", 1 + i % 7));
  auto succeeded = std::make_shared<std::atomic<int>>(0);
  auto answered = std::make_shared<std::atomic<int>>(0);
  auto first_error = std::make_shared<std::string>();
  node_->system().spawn(
      [reqs, succeeded, answered, first_error, gw = gateway()](caf::event_based_actor* a) {
        for (auto& r : reqs)
          a->request(gw, test::vault_test_timeout, r)
              .then(
                  [succeeded, answered](actors::vault_reply&) {
                    ++*succeeded;
                    ++*answered;
                  },
                  [answered, first_error](caf::error& err) {
                    if (first_error->empty())
                      *first_error = runtime::to_text(err);
                    ++*answered;
                  });
      });
  auto total = static_cast<int>(reqs.size());
  ASSERT_TRUE(test::eventually([&] { return answered->load() == total; }))
      << answered->load() << " of " << total << " answered";
  EXPECT_EQ(succeeded->load(), total) << "every account always had the funds; " << *first_error;
  // Each account sent and received the same amounts: back where it began.
  for (auto& id : ring) {
    EXPECT_EQ(balance("u" + id, id, "USD"), std::make_pair(int64_t{10'000}, int64_t{0}));
    EXPECT_EQ(ledger_sum(id, "USD"), 10'000);
  }
  EXPECT_EQ(ledger_sum("@transit", "USD"), 0);
  // Posts are written after the answer (the credit decided the outcome).
  EXPECT_TRUE(test::eventually([&] {
    return count_rows("SELECT COUNT(*) FROM vault_operations WHERE outcome = 'pending'") == 0;
  }));
  EXPECT_EQ(unbalanced_transactions(), 0);
  auto findings = persistence::check_database(db_);
  ASSERT_TRUE(findings);
  EXPECT_EQ(findings->problems, std::vector<std::string>{});
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, vault_concurrency_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
