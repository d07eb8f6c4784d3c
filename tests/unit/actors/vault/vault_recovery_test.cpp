// Failure: an account that fails at any phase of a transfer, or in the
// middle of a burst of operations, comes back with balances equal to its
// ledger, and every transfer ends posted or voided: no money created or
// destroyed.
#include <atomic>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/crash_request.hpp"
#include "tests/unit/actors/vault/vault_fixture.hpp"

using namespace tfarm;
using actors::vault_op;

namespace {

class vault_recovery_test : public test::vault_fixture {
protected:
  void SetUp() override {
    vault_fixture::SetUp();
    open_alice_and_bob();
    ok(op(vault_op::deposit, "bob", "b1", "d1", "USD", 1)); // starts b1
  }

  void arm(const std::string& account, const std::string& phase) {
    auto h = account_actor(account);
    ASSERT_TRUE(h);
    caf::anon_send(h, actors::vault_fault_atom_v, phase);
  }

  // After any failure: the transfer t1 of 400 ended posted, exactly once.
  void expect_transfer_completed() {
    ASSERT_TRUE(test::eventually([&] {
      return count_rows("SELECT COUNT(*) FROM vault_operations WHERE outcome = 'pending'") == 0;
    }));
    auto replay = ask(transfer("alice", "a1", "b1", "t1", "USD", 400));
    ASSERT_TRUE(replay) << runtime::to_text(replay.error());
    EXPECT_TRUE(replay->replayed);
    EXPECT_EQ(ledger_sum("a1", "USD"), 600);
    EXPECT_EQ(ledger_sum("b1", "USD"), 401);
    EXPECT_EQ(ledger_sum("@transit", "USD"), 0);
    EXPECT_EQ(unbalanced_transactions(), 0);
    EXPECT_EQ(balance("alice", "a1", "USD").first, 600);
    EXPECT_EQ(balance("bob", "b1", "USD").first, 401);
  }
};

TEST_P(vault_recovery_test, the_sender_fails_after_its_debit_and_completes_the_transfer) {
  arm("a1", "after_debit");
  auto first = ask(transfer("alice", "a1", "b1", "t1", "USD", 400));
  ASSERT_FALSE(first);
  EXPECT_EQ(runtime::to_text(first.error()).substr(0, 12), "unavailable:");
  EXPECT_TRUE(test::eventually([&] { return restarts("a1") == 1; }));
  expect_transfer_completed();
}

TEST_P(vault_recovery_test, the_sender_fails_before_posting_and_posts_after_its_restart) {
  arm("a1", "before_post");
  auto first = ask(transfer("alice", "a1", "b1", "t1", "USD", 400));
  ASSERT_FALSE(first);
  EXPECT_TRUE(test::eventually([&] { return restarts("a1") == 1; }));
  expect_transfer_completed();
}

TEST_P(vault_recovery_test, the_receiver_fails_after_its_credit_and_the_sender_waits_it_out) {
  arm("b1", "after_credit");
  // The sender retries the credit until the receiver is back; the client
  // gets the final answer without noticing.
  auto first = ask(transfer("alice", "a1", "b1", "t1", "USD", 400));
  ASSERT_TRUE(first) << runtime::to_text(first.error());
  EXPECT_FALSE(first->replayed);
  EXPECT_EQ(restarts("b1"), 1u);
  expect_transfer_completed();
}

TEST_P(vault_recovery_test, a_pending_transfer_is_completed_by_a_node_started_again) {
  arm("a1", "after_debit");
  ASSERT_FALSE(ask(transfer("alice", "a1", "b1", "t1", "USD", 400)));
  // Stop before anyone could finish it (the supervisor may have restarted
  // a1 already; then it is done and the restart below changes nothing).
  restart();
  ok(op(vault_op::balance, "alice", "a1", "", "USD", 0)); // a1 starts, resumes t1
  expect_transfer_completed();
}

TEST_P(vault_recovery_test, a_crash_amid_a_burst_loses_nothing_acknowledged_and_adds_nothing) {
  constexpr int n = 1'000;
  auto h = account_actor("a1");
  ASSERT_TRUE(h);
  // Requests in flight all at once, from an event-based client.
  std::vector<actors::vault_request> reqs;
  for (int i = 0; i < n; ++i)
    reqs.push_back(op(vault_op::deposit, "alice", "a1", "burst-" + std::to_string(i), "USD", 10));
  auto results = std::make_shared<std::vector<caf::expected<actors::vault_reply>>>(n, caf::error{});
  auto answered = std::make_shared<std::atomic<int>>(0);
  // The account is killed once the first answers are back, with the
  // rest of the burst at every stage of its way.
  constexpr int crash_after = 1;
  node_->system().spawn([reqs, results, answered, gw = gateway(),
                         victim = caf::actor_cast<caf::actor>(h)](caf::event_based_actor* a) {
    auto note = [a, answered, victim] {
      if (++*answered == crash_after)
        a->send(victim, runtime::crash_request{"mid-burst"});
    };
    for (int i = 0; i < n; ++i)
      a->request(gw, test::vault_test_timeout, reqs[i])
          .then(
              [results, note, i](actors::vault_reply& x) {
                (*results)[i] = x;
                note();
              },
              [results, note, i](caf::error& err) {
                (*results)[i] = err;
                note();
              });
  });
  ASSERT_TRUE(test::eventually([&] { return answered->load() == n; }));
  int acknowledged = 0;
  for (auto& r : *results)
    acknowledged += r ? 1 : 0;
  EXPECT_GE(acknowledged, crash_after);
  // (Requests still in the account's mailbox when it died bounce and go to
  // the next incarnation, so usually most, often all, are acknowledged.)
  EXPECT_TRUE(test::eventually([&] { return restarts("a1") == 1; }));
  // Every acknowledged deposit is in the ledger, and memory equals the
  // ledger. (Deposits answered `unavailable` may have landed as well: their
  // writes were on their way when the account died. Asking the account
  // first orders this after them: it rebuilt itself after they committed.)
  auto held = balance("alice", "a1", "USD").first;
  EXPECT_EQ(held, ledger_sum("a1", "USD"));
  EXPECT_GE(held, 1'000 + 10 * acknowledged);
  // Replaying every key settles the rest, exactly once each.
  for (int i = 0; i < n; ++i)
    ok(op(vault_op::deposit, "alice", "a1", "burst-" + std::to_string(i), "USD", 10));
  EXPECT_EQ(ledger_sum("a1", "USD"), 1'000 + 10 * n);
  EXPECT_EQ(balance("alice", "a1", "USD").first, 1'000 + 10 * n);
  EXPECT_EQ(unbalanced_transactions(), 0);
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, vault_recovery_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
