// Membership, leases and fencing in the store (cluster_store.hpp): one
// owner per user, epochs that move on with every change of owner, and a
// store that refuses a stale owner's writes. Leases run out by moving the
// rows' times back, not by waiting.
#include "persistence/cluster_store.hpp"

#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/store_core.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

constexpr std::chrono::milliseconds ttl{60'000};

class cluster_store_test : public testing::TestWithParam<test::backend> {
protected:
  void SetUp() override {
    target_ = test::fresh_database(GetParam(), dir_.path().string());
    db_ = connect();
    cluster_ = std::make_unique<cluster_store>(*db_, ttl);
  }

  std::unique_ptr<sql_connection> connect() {
    auto db = open_database(target_);
    if (!db)
      throw std::runtime_error(runtime::to_text(db.error()));
    return std::move(*db);
  }

  // The member's renewal and leases as if it had not renewed for a while.
  void let_lapse(const member_identity& m) {
    db_->exec("UPDATE cluster_members SET renewed_at = 0 WHERE name = '" + m.name + "'");
    db_->exec("UPDATE user_leases SET expires_at = 0 WHERE owner = '" + m.name + "'");
  }

  std::map<std::string, lease_record> leases() {
    std::map<std::string, lease_record> result;
    for (auto& l : cluster_->leases())
      result[l.user] = l;
    return result;
  }

  test::temp_dir dir_;
  std::string target_;
  std::unique_ptr<sql_connection> db_;
  std::unique_ptr<cluster_store> cluster_;
};

} // namespace

TEST_P(cluster_store_test, a_user_has_one_owner_and_its_epoch_moves_with_each_new_one) {
  auto a = cluster_->join("a", "127.0.0.1:4301", "h", 11);
  auto b = cluster_->join("b", "127.0.0.1:4302", "h", 12);
  EXPECT_GT(b.incarnation, a.incarnation);
  cluster_->add_users({"alice", "bob"});
  EXPECT_EQ(cluster_->claim("alice", a), 1);
  EXPECT_EQ(cluster_->claim("alice", a), 1) << "claiming what one holds changes nothing";
  EXPECT_EQ(cluster_->claim("alice", b), 0) << "a live lease is not taken";
  EXPECT_EQ(cluster_->claim("nobody", a), 0) << "a user without a lease row";
  EXPECT_EQ(leases()["alice"].owner, "a");
  EXPECT_GT(leases()["alice"].remaining_ms, 0);
  // The owner's lease runs out: the next claimant gets the next epoch.
  let_lapse(a);
  EXPECT_EQ(cluster_->claim("alice", b), 2);
  EXPECT_EQ(cluster_->claim("alice", a), 0) << "a lapsed member claims nothing";
  // A handoff: released, then claimed with the next epoch.
  EXPECT_TRUE(cluster_->release("alice", b));
  EXPECT_FALSE(cluster_->release("alice", b));
  EXPECT_EQ(leases()["alice"].owner, "");
  EXPECT_EQ(leases()["alice"].epoch, 3) << "a release moves the epoch on: its writes are over";
  auto a2 = cluster_->join("a", "127.0.0.1:4301", "h", 13);
  EXPECT_EQ(cluster_->claim("alice", a2), 4);
}

TEST_P(cluster_store_test, a_member_past_its_ttl_is_down_and_cannot_renew) {
  auto a = cluster_->join("a", "", "h", 1);
  auto b = cluster_->join("b", "", "h", 2);
  EXPECT_TRUE(cluster_->set_state(a, "up"));
  cluster_->add_users({"u1", "u2"});
  ASSERT_EQ(cluster_->claim("u1", a), 1);
  ASSERT_EQ(cluster_->claim("u2", b), 1);
  auto r = cluster_->renew(a);
  EXPECT_TRUE(r.member);
  EXPECT_EQ(r.users, std::vector<std::string>{"u1"});
  let_lapse(a);
  auto members = cluster_->members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].name, "a");
  EXPECT_EQ(members[0].state, "down") << "past its TTL, whatever its row says";
  EXPECT_GT(members[0].renewal_age_ms, ttl.count());
  EXPECT_EQ(members[1].state, "joining");
  r = cluster_->renew(a);
  EXPECT_FALSE(r.member) << "a lapsed member must stop its users, not carry on";
  EXPECT_TRUE(r.users.empty());
  EXPECT_EQ(leases()["u1"].expires_at_ms, 0) << "nothing extended";
  EXPECT_FALSE(cluster_->set_state(member_identity{"a", a.incarnation + 100}, "up"));
}

TEST_P(cluster_store_test, a_restarted_member_frees_what_its_earlier_start_held) {
  auto a = cluster_->join("a", "", "h", 1);
  cluster_->add_users({"u1", "u2", "u3"});
  ASSERT_EQ(cluster_->claim("u1", a), 1);
  ASSERT_EQ(cluster_->claim("u2", a), 1);
  auto again = cluster_->join("a", "", "h", 2);
  EXPECT_GT(again.incarnation, a.incarnation);
  for (auto& [user, lease] : leases())
    EXPECT_EQ(lease.owner, "") << user;
  EXPECT_FALSE(cluster_->renew(a).member) << "the earlier start is not the member any more";
  EXPECT_EQ(leases()["u1"].epoch, 2) << "the earlier start's writes are fenced";
  EXPECT_EQ(cluster_->claim("u1", again), 3);
  EXPECT_EQ(cluster_->release_all(again), 1);
}

TEST_P(cluster_store_test, the_store_refuses_a_write_under_an_old_epoch) {
  auto a = cluster_->join("a", "", "h", 1);
  auto b = cluster_->join("b", "", "h", 2);
  cluster_->add_users({"alice"});
  auto epoch = cluster_->claim("alice", a);
  ASSERT_EQ(epoch, 1);
  store_core core{connect()};
  core.begin();
  EXPECT_FALSE(core.check_fence(write_fence{"alice", epoch}));
  core.save_checkpoint(test::make_checkpoint("/user/alice/a1", "by a"));
  core.commit();
  // b takes alice over while a has not noticed.
  let_lapse(a);
  ASSERT_EQ(cluster_->claim("alice", b), 2);
  core.begin();
  auto err = core.check_fence(write_fence{"alice", epoch});
  EXPECT_EQ(err, store_errc::fenced);
  EXPECT_EQ(runtime::to_text(err), "fenced: write for user alice under epoch 1 refused: the "
                                   "user's epoch is 2 (another member owns it now)");
  EXPECT_FALSE(core.check_fence(write_fence{"alice", 2}));
  EXPECT_EQ(core.check_fence(write_fence{"nobody", 1}), store_errc::fenced);
  core.rollback();
  // Read ahead for a batch, the same answers.
  core.begin();
  write_outline outline;
  outline.fenced_users = {"alice", "nobody"};
  core.prefetch(outline);
  EXPECT_EQ(core.check_fence(write_fence{"alice", 1}), store_errc::fenced);
  EXPECT_FALSE(core.check_fence(write_fence{"alice", 2}));
  EXPECT_EQ(core.check_fence(write_fence{"nobody", 1}), store_errc::fenced);
  core.commit();
}

TEST_P(cluster_store_test, of_many_members_claiming_at_once_one_wins_each_user) {
  constexpr int users = 40;
  constexpr int members = 4;
  std::vector<std::string> names;
  for (int i = 0; i < users; ++i)
    names.push_back("u" + std::to_string(i));
  cluster_->add_users(names);
  std::vector<member_identity> ids;
  for (int m = 0; m < members; ++m)
    ids.push_back(cluster_->join("m" + std::to_string(m), "", "h", m));
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int m = 0; m < members; ++m)
    threads.emplace_back([&, m] {
      auto db = connect();
      cluster_store mine{*db, ttl};
      for (auto& u : names) {
        for (int attempt = 0;; ++attempt) {
          try {
            if (mine.claim(u, ids[static_cast<size_t>(m)]) > 0)
              ++won;
            break;
          } catch (const sql_error& e) {
            // SQLite: another thread holds the write lock past the busy
            // timeout; claims are single statements, so try again.
            if (e.kind() != sql_failure::locked || attempt > 100)
              throw;
          }
        }
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(won.load(), users);
  for (auto& [user, lease] : leases()) {
    EXPECT_NE(lease.owner, "") << user;
    EXPECT_EQ(lease.epoch, 1) << user;
  }
}

INSTANTIATE_TEST_SUITE_P(backends, cluster_store_test, testing::ValuesIn(test::backends),
                         test::backend_name{});

// Sessions that end are the server's to see: PostgreSQL only.
class cluster_store_pg_test : public cluster_store_test {
protected:
  /// b joins on a connection of its own and claims alice; then its process
  /// dies (its connection closes, no renewal missed yet), and this waits
  /// until the server has dropped its session lock.
  member_identity b_claims_alice_and_dies() {
    a_ = cluster_->join("a", "", "h", 1);
    cluster_->add_users({"alice"});
    auto b_db = connect();
    auto b_store = std::make_unique<cluster_store>(*b_db, ttl);
    auto b = b_store->join("b", "", "h", 2);
    EXPECT_EQ(b_store->claim("alice", b), 1);
    EXPECT_THROW(cluster_store(*connect(), ttl).join("b", "", "h", 3), std::runtime_error)
        << "a second process under b's name is refused while b runs";
    b_store.reset();
    b_db.reset();
    EXPECT_TRUE(eventually([&] { return session_locks() == 1; })) << "b's lock never went";
    return b;
  }

  /// Member session locks granted now in this test's database (a's, b's;
  /// tests beside it run members on other databases of the same server).
  int64_t session_locks() {
    auto q = db_->prepare("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                          "AND objsubid = 2 AND classid = 1952869730 AND database = "
                          "(SELECT oid FROM pg_database WHERE datname = current_database())");
    return q->step() ? q->int64(0) : -1;
  }

  /// Milliseconds since the server started.
  int64_t server_age_ms() {
    auto q = db_->prepare("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp() - "
                          "pg_postmaster_start_time()) * 1000 AS BIGINT)");
    return q->step() ? q->int64(0) : -1;
  }

  member_identity a_;

  template <class F>
  static bool eventually(F f) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (std::chrono::steady_clock::now() < deadline) {
      if (f())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return f();
  }
};

TEST_P(cluster_store_pg_test, a_member_whose_process_is_gone_is_down_at_once) {
  // Judged by a TTL the server has outlived: a session missing now ended.
  constexpr std::chrono::milliseconds short_ttl{1'000};
  ASSERT_TRUE(eventually([&] { return server_age_ms() > short_ttl.count(); }));
  b_claims_alice_and_dies();
  // Neither has missed a renewal (by the short TTL): b is down by its
  // session alone.
  db_->exec("UPDATE cluster_members SET renewed_at = " + server_now_ms_sql(db_->dialect()));
  cluster_store judge{*db_, short_ttl};
  auto members = judge.members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].state, "down") << "within its TTL, but its session ended";
  EXPECT_EQ(judge.claim("alice", a_), 2) << "claimable without waiting out the lease";
}

TEST_P(cluster_store_pg_test, a_server_younger_than_the_ttl_waits_for_the_lease) {
  // After a server restart nobody has a session until they reconnect: a
  // missing one says nothing while the server is younger than the TTL (a
  // year here: as if it had just started), and b's lease holds until it
  // runs out, or the first member back would run the users of one still on
  // its way.
  ASSERT_LT(server_age_ms(), 1'000LL * 3600 * 24 * 365);
  cluster_store judge{*db_, std::chrono::hours{24 * 365}};
  auto b = b_claims_alice_and_dies();
  auto members = judge.members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_NE(members[1].state, "down");
  EXPECT_EQ(judge.claim("alice", a_), 0) << "b's lease holds";
  let_lapse(b);
  EXPECT_EQ(judge.claim("alice", a_), 2) << "claimable once it ran out";
}

INSTANTIATE_TEST_SUITE_P(backends, cluster_store_pg_test,
                         testing::Values(test::backend::postgresql), test::backend_name{});

TEST(rendezvous_owner, spreads_users_and_moves_only_a_leaving_members_share) {
  std::vector<std::string> members{"node-1", "node-2", "node-3"};
  std::map<std::string, int> share;
  std::map<std::string, std::string> owner;
  constexpr int users = 3'000;
  for (int i = 0; i < users; ++i) {
    auto u = "user-" + std::to_string(i);
    owner[u] = rendezvous_owner(u, members);
    ++share[owner[u]];
  }
  for (auto& m : members)
    EXPECT_GT(share[m], users / 4) << m << " owns " << share[m];
  std::vector<std::string> two{"node-1", "node-3"};
  for (auto& [u, o] : owner) {
    auto now = rendezvous_owner(u, two);
    if (o != "node-2") {
      EXPECT_EQ(now, o) << u << " moved though its owner stayed";
    }
  }
  EXPECT_EQ(rendezvous_owner("x", {}), "");
  EXPECT_EQ(rendezvous_owner("x", {"b", "a"}), rendezvous_owner("x", {"a", "b"}));
}
