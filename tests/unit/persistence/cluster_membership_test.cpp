// A member's side of the cluster (cluster_membership.hpp), stepped by hand
// on a clock the test moves: every user has exactly one owner, a lapsed
// member's users move and it stops everything, a member that cannot reach
// the store stops before its leases could run out, a joining member gets
// its share by handoff and a leaving one gives everything up.
#include "persistence/cluster_membership.hpp"

#include <set>

#include <gtest/gtest.h>

#include "persistence/database.hpp"
#include "runtime/error_text.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;
using namespace std::chrono_literals;

namespace {

using clock_type = cluster_membership::clock;

const std::vector<std::string> users{"ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal"};

// One member: its own connection, store and membership.
struct member {
  std::unique_ptr<sql_connection> db;
  std::unique_ptr<cluster_store> store;
  std::unique_ptr<cluster_membership> m;
};

class cluster_membership_test : public testing::TestWithParam<test::backend> {
protected:
  void SetUp() override {
    target_ = test::fresh_database(GetParam(), dir_.path().string());
    admin_ = connect();
  }

  std::unique_ptr<sql_connection> connect() {
    auto db = open_database(target_);
    if (!db)
      throw std::runtime_error(runtime::to_text(db.error()));
    return std::move(*db);
  }

  member& join(const std::string& name) {
    auto& x = members_[name];
    x.db = connect();
    x.store = std::make_unique<cluster_store>(*x.db, opts_.lease_ttl);
    auto id = x.store->join(name, "127.0.0.1:0", "test", 0);
    x.m = std::make_unique<cluster_membership>(*x.store, id, users, opts_);
    return x;
  }

  membership_step step(const std::string& name) { return members_[name].m->step(now_); }

  // Steps every member in name order, `rounds` times.
  void settle(int rounds = 2) {
    for (int i = 0; i < rounds; ++i)
      for (auto& [name, x] : members_)
        if (x.m->member())
          x.m->step(now_);
  }

  // As if `name` had not renewed for longer than the TTL.
  void let_lapse(const std::string& name) {
    admin_->exec("UPDATE cluster_members SET renewed_at = 0 WHERE name = '" + name + "'");
    admin_->exec("UPDATE user_leases SET expires_at = 0 WHERE owner = '" + name + "'");
  }

  // Every user is held by exactly one member, the one rendezvous hashing
  // picks among `live`.
  void expect_placement(const std::vector<std::string>& live) {
    std::map<std::string, std::string> holder;
    for (auto& [name, x] : members_)
      for (auto& [user, epoch] : x.m->owned()) {
        EXPECT_EQ(holder.count(user), 0u) << user << " held by " << holder[user] << " and " << name;
        holder[user] = name;
      }
    for (auto& u : users)
      EXPECT_EQ(holder[u], rendezvous_owner(u, live)) << u;
    cluster_store view{*admin_, opts_.lease_ttl};
    for (auto& lease : view.leases())
      EXPECT_EQ(lease.owner, holder[lease.user]) << lease.user;
  }

  membership_options opts_;
  clock_type::time_point now_ = clock_type::time_point{} + 1h;
  test::temp_dir dir_;
  std::string target_;
  std::unique_ptr<sql_connection> admin_;
  std::map<std::string, member> members_;
};

} // namespace

TEST_P(cluster_membership_test, every_user_gets_exactly_one_owner) {
  join("a");
  join("b");
  join("c");
  auto first = step("a");
  EXPECT_TRUE(first.error.empty()) << first.error;
  for (auto& [user, epoch] : first.start) {
    EXPECT_EQ(rendezvous_owner(user, {"a", "b", "c"}), "a") << user;
    EXPECT_EQ(epoch, 1);
  }
  settle();
  expect_placement({"a", "b", "c"});
  cluster_store view{*admin_, opts_.lease_ttl};
  for (auto& m : view.members())
    EXPECT_EQ(m.state, "up") << m.name;
}

TEST_P(cluster_membership_test, a_lapsed_members_users_move_and_it_stops_everything) {
  join("a");
  join("b");
  join("c");
  settle();
  auto held = members_["b"].m->owned();
  ASSERT_FALSE(held.empty()) << "pick users so that b holds some";
  let_lapse("b");
  now_ += 2s;
  auto a = step("a");
  auto c = step("c");
  std::set<std::string> moved;
  for (auto* s : {&a, &c})
    for (auto& [user, epoch] : s->start) {
      moved.insert(user);
      EXPECT_EQ(epoch, held.count(user) ? 2 : 1) << user;
    }
  for (auto& [user, epoch] : held)
    EXPECT_EQ(moved.count(user), 1u) << user << " was b's and found no new owner";
  // b comes back (a pause, a partition healed): it stops everything.
  auto b = step("b");
  EXPECT_FALSE(members_["b"].m->member());
  EXPECT_EQ(b.stop.size(), held.size());
  EXPECT_TRUE(members_["b"].m->owned().empty());
  EXPECT_NE(b.error.find("no longer a member"), std::string::npos) << b.error;
  members_.erase("b");
  expect_placement({"a", "c"});
}

TEST_P(cluster_membership_test, a_user_whose_start_failed_is_given_up_and_claimed_afresh) {
  join("a");
  auto first = step("a");
  ASSERT_EQ(first.start.size(), users.size());
  auto epoch = first.start.at("ann");
  members_["a"].m->give_up("ann");
  EXPECT_EQ(members_["a"].m->owned().count("ann"), 0u);
  members_["a"].m->give_up("ann"); // not held any more: nothing happens
  auto again = step("a");
  ASSERT_EQ(again.start.size(), 1u) << "claimed afresh, to be started again";
  EXPECT_GT(again.start.at("ann"), epoch) << "under a new epoch";
  expect_placement({"a"});
}

// Needs a server connection to break: PostgreSQL only.
class cluster_membership_pg_test : public cluster_membership_test {};

TEST_P(cluster_membership_pg_test, a_member_that_cannot_renew_stops_before_its_leases_can_run_out) {
  join("a");
  settle(1);
  ASSERT_EQ(members_["a"].m->owned().size(), users.size());
  auto pid = query_int64(*members_["a"].db, "SELECT pg_backend_pid()");
  query_int64(*admin_, "SELECT COUNT(*) FROM pg_terminate_backend(" + std::to_string(pid) + ")");
  auto renewed = now_;
  now_ = renewed + opts_.lease_ttl - opts_.margin - 1ms;
  auto s = step("a");
  EXPECT_FALSE(s.error.empty());
  EXPECT_TRUE(s.stop.empty()) << "its leases are good for a while yet";
  now_ = renewed + opts_.lease_ttl - opts_.margin;
  s = step("a");
  EXPECT_EQ(s.stop.size(), users.size());
  EXPECT_TRUE(members_["a"].m->owned().empty());
}

// A member frozen inside a write (its fence read the user's lease row FOR
// SHARE) holds that row until the server ends its transaction. The
// survivor's claim skips that user rather than wait for it, claims every
// other user in the same step, and claims the locked one once the write
// ended; a renewal that meets such a lock gives up within the lock wait
// instead of stalling the heart past its lease.
TEST_P(cluster_membership_pg_test, a_row_locked_by_a_frozen_write_never_stalls_the_heart) {
  join("a");
  settle(1);
  join("b");
  let_lapse("a");
  auto frozen = connect();
  frozen->exec("BEGIN");
  query_int64(*frozen, "SELECT epoch FROM user_leases WHERE \"user\" = 'ann' FOR SHARE");
  auto t0 = std::chrono::steady_clock::now();
  auto s = step("b");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 400ms) << "the claim waited for the lock";
  EXPECT_EQ(s.start.count("ann"), 0u);
  EXPECT_EQ(s.start.size(), users.size() - 1) << s.error;
  frozen->exec("COMMIT");
  s = step("b");
  EXPECT_EQ(s.start.count("ann"), 1u) << s.error;
  // b's own lease row locked by a write that froze: the renewal fails
  // after the lock wait, and b keeps its users (their leases hold yet).
  frozen->exec("BEGIN");
  query_int64(*frozen, "SELECT epoch FROM user_leases WHERE \"user\" = 'ben' FOR SHARE");
  t0 = std::chrono::steady_clock::now();
  s = step("b");
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(waited, 1'000ms);
  EXPECT_FALSE(s.error.empty());
  EXPECT_TRUE(s.stop.empty());
  frozen->exec("ROLLBACK");
  s = step("b");
  EXPECT_TRUE(s.error.empty()) << s.error;
  EXPECT_EQ(members_["b"].m->owned().size(), users.size());
}

TEST_P(cluster_membership_test, a_joining_member_gets_its_share_by_handoff) {
  join("a");
  join("b");
  settle();
  expect_placement({"a", "b"});
  join("c");
  std::vector<std::string> handed;
  for (auto* name : {"a", "b"}) {
    auto s = step(name);
    for (auto& u : s.hand_off) {
      EXPECT_EQ(rendezvous_owner(u, {"a", "b", "c"}), "c") << u;
      handed.push_back(u);
    }
  }
  ASSERT_FALSE(handed.empty());
  auto early = step("c");
  EXPECT_TRUE(early.start.empty()) << "claimed before the old owner let go";
  // The old owners' subtrees stopped: they let go.
  for (auto& u : handed)
    for (auto* name : {"a", "b"})
      members_[name].m->released(u);
  auto c = step("c");
  EXPECT_EQ(c.start.size(), handed.size());
  for (auto& [user, epoch] : c.start)
    EXPECT_EQ(epoch, 3) << user << " (claimed, released, claimed)";
  expect_placement({"a", "b", "c"});
}

TEST_P(cluster_membership_test, a_leaving_member_gives_every_user_up) {
  join("a");
  join("b");
  settle();
  auto held = members_["a"].m->owned().size();
  ASSERT_GT(held, 0u);
  auto all = members_["a"].m->leave();
  EXPECT_EQ(all.size(), held);
  EXPECT_TRUE(members_["a"].m->owned().empty());
  EXPECT_TRUE(step("b").start.empty()) << "claimed before a let go";
  for (auto& u : all)
    members_["a"].m->released(u);
  auto b = step("b");
  EXPECT_EQ(b.start.size(), all.size());
  EXPECT_EQ(members_["b"].m->owned().size(), users.size());
  cluster_store view{*admin_, opts_.lease_ttl};
  for (auto& m : view.members()) {
    if (m.name == "a") {
      EXPECT_EQ(m.state, "leaving");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(backends, cluster_membership_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
INSTANTIATE_TEST_SUITE_P(backends, cluster_membership_pg_test,
                         testing::Values(test::backend::postgresql), test::backend_name{});
