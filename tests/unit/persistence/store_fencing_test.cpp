// A cluster member's store actor (sqlite_store with `fenced` and
// `node_scope`): every write of a user's data -- agents' checkpoints and
// orders, its accounts and their sessions, fills -- passes only while the
// member holds the user under its current epoch; the node's own
// checkpoints are kept apart from the other members'. Two members' stores
// on one database, as in a cluster; leases run out by moving the rows'
// times back, not by waiting.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "persistence/cluster_store.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/fence_proof.hpp"
#include "persistence/kinds.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node_context.hpp"
#include "runtime/outage.hpp"
#include "store_fixture.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "test_database.hpp"

using namespace tfarm;
using namespace tfarm::persistence;

namespace {

// One member's store: its own node context, as on its own node.
class member_store {
public:
  member_store(caf::actor_system& sys, const std::string& name, const std::string& target)
      : sys_(sys) {
    auto kinds = runtime::builtin_kinds();
    add_kinds(kinds);
    ctx_ = std::make_shared<runtime::node_context>(name, std::move(kinds), config::policy_set{},
                                                   config::runbook_limits{}, 7);
    runtime::child_spec spec;
    spec.id = "store";
    spec.kind = "sqlite_store";
    spec.params = {{"db", target}, {"fenced", "true"}, {"node_scope", name}};
    auto h =
        ctx_->kinds()
            .find("sqlite_store")
            ->spawn(sys_, nullptr,
                    runtime::spawn_context{
                        "/store", spec, ctx_, ctx_->registry().add("/store", "sqlite_store"), {}});
    EXPECT_TRUE(h);
    store_ = caf::actor_cast<store_actor>(*h);
  }

  ~member_store() {
    caf::scoped_actor self{sys_};
    self->monitor(store_);
    self->send_exit(store_, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}, caf::after(test::store_test_timeout) >>
                                             [] { ADD_FAILURE() << "the store did not stop"; });
    ctx_->set_store({});
  }

  template <class T, class... Ts>
  caf::expected<T> ask(Ts&&... xs) {
    caf::scoped_actor self{sys_};
    caf::expected<T> result{caf::error{}};
    self->request(store_, test::store_test_timeout, std::forward<Ts>(xs)...)
        .receive([&](T& x) { result = std::move(x); },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  caf::expected<uint64_t> save(const std::string& path, const std::string& blob) {
    return ask<uint64_t>(runtime::save_checkpoint_atom_v, test::make_checkpoint(path, blob));
  }

  // The newest checkpoint of `path` as this member reads it ("" if none).
  std::string load(const std::string& path) {
    auto xs = ask<std::vector<runtime::checkpoint>>(runtime::load_checkpoint_atom_v, path);
    EXPECT_TRUE(xs) << runtime::to_text(xs.error());
    if (!xs || xs->empty())
      return "";
    EXPECT_EQ(xs->front().path, path);
    return std::string(xs->front().blob.begin(), xs->front().blob.end());
  }

  void hold(const std::string& user, int64_t epoch) {
    auto ok = ask<bool>(set_fence_atom_v, write_fence{user, epoch});
    ASSERT_TRUE(ok) << runtime::to_text(ok.error());
  }

  nlohmann::json status() {
    auto entry = ctx_->registry().find("/store");
    return nlohmann::json::parse(entry ? entry->snapshot().state_json : "{}");
  }

private:
  caf::actor_system& sys_;
  std::shared_ptr<runtime::node_context> ctx_;
  store_actor store_;
};

class store_fencing_test : public testing::TestWithParam<test::backend> {
protected:
  store_fencing_test() : cfg_(test::store_test_config()), sys_(*cfg_) {}

  void SetUp() override {
    target_ = test::fresh_database(GetParam(), dir_.path().string());
    auto db = open_database(target_);
    ASSERT_TRUE(db) << runtime::to_text(db.error());
    db_ = std::move(*db);
    cluster_ = std::make_unique<cluster_store>(*db_, std::chrono::milliseconds{60'000});
  }

  void let_lapse(const member_identity& m) {
    db_->exec("UPDATE cluster_members SET renewed_at = 0 WHERE name = '" + m.name + "'");
    db_->exec("UPDATE user_leases SET expires_at = 0 WHERE owner = '" + m.name + "'");
  }

  test::temp_dir dir_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  caf::actor_system sys_;
  std::string target_;
  std::unique_ptr<sql_connection> db_;
  std::unique_ptr<cluster_store> cluster_;
};

order_record order_of(const std::string& id, const std::string& agent) {
  return order_record{id,  agent, "alice-main", "sim-a", "BTC-USD", "buy", "limit",
                      100, 3,     "new",        0,       0,         ""};
}

} // namespace

TEST_P(store_fencing_test,
       a_dropped_user_is_refused_at_once_while_the_writer_waits_on_the_database) {
  auto a_id = cluster_->join("a", "", "h", 1);
  cluster_->add_users({"alice"});
  auto epoch = cluster_->claim("alice", a_id);
  member_store a{sys_, "a", target_};
  a.hold("alice", epoch);
  ASSERT_TRUE(a.save("/user/alice/mm-1", "a1"));
  // The database keeps the writer waiting (as a server that does not
  // answer would): a transaction of the test's holds the lock it needs.
  db_->begin_write();
  if (GetParam() == test::backend::postgresql)
    db_->exec("LOCK TABLE checkpoints IN ACCESS EXCLUSIVE MODE");
  // The member stops holding alice: her agent's last checkpoint is refused
  // at once, not queued behind the writer (a stop must not wait on it).
  a.hold("alice", 0);
  auto began = std::chrono::steady_clock::now();
  auto late = a.save("/user/alice/mm-1", "late");
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(late.error(), store_errc::fenced);
  EXPECT_LT(took, std::chrono::milliseconds{500});
  EXPECT_EQ(a.status()["fenced_refusals"].get<uint64_t>(), 1u);
  db_->rollback();
  EXPECT_EQ(a.load("/user/alice/mm-1"), "a1") << "nothing of it was written";
}

TEST_P(store_fencing_test, only_the_holder_of_the_current_epoch_writes_for_a_user) {
  auto a_id = cluster_->join("a", "", "h", 1);
  auto b_id = cluster_->join("b", "", "h", 2);
  cluster_->add_users({"alice", "bob"});
  auto epoch = cluster_->claim("alice", a_id);
  ASSERT_EQ(epoch, 1);
  member_store a{sys_, "a", target_};
  member_store b{sys_, "b", target_};

  // Nothing of alice's passes before the member says it holds her.
  EXPECT_EQ(a.save("/user/alice/mm-1", "early").error(), store_errc::fenced);
  a.hold("alice", epoch);
  auto opened =
      a.ask<account_record>(open_account_atom_v, account_record{"alice-main", "alice", 0, {}});
  ASSERT_TRUE(opened) << runtime::to_text(opened.error());
  EXPECT_TRUE(a.save("/user/alice/mm-1", "a1"));
  EXPECT_TRUE(a.save("/exchanges/sessions/sim-a/alice-main", "session by a"));
  EXPECT_TRUE(a.ask<bool>(record_order_atom_v, order_of("c-1", "/user/alice/mm-1")));

  // b does not hold alice: refused, whatever path it writes her data by.
  // An actor of b's failing for it is not crashing: its supervisor does not
  // count the restarts (b stops alice's actors at its next step).
  auto refused = b.save("/user/alice/mm-1", "b1").error();
  EXPECT_EQ(refused, store_errc::fenced);
  EXPECT_TRUE(runtime::is_outage(refused));
  EXPECT_FALSE(runtime::is_unreachable(refused)) << "a start must not wait for a fenced user";
  EXPECT_EQ(b.save("/vault/accounts/alice-main", "b").error(), store_errc::fenced);
  EXPECT_EQ(b.save("/exchanges/sessions/sim-a/alice-main", "b").error(), store_errc::fenced);
  EXPECT_EQ(
      b.ask<bool>(record_fill_atom_v, fill_record{"sim-a", "v-1", "c-1", 100, 1, 0, 0}).error(),
      store_errc::fenced);
  EXPECT_EQ(
      b.ask<account_record>(open_account_atom_v, account_record{"bob-main", "bob", 0, {}}).error(),
      store_errc::fenced)
      << "bob is nobody's yet";
  EXPECT_EQ(b.status()["fenced_refusals"].get<uint64_t>(), 5u);

  // The node's own actors write apart: each member reads its own.
  EXPECT_TRUE(a.save("/risk", "risk of a"));
  EXPECT_TRUE(b.save("/risk", "risk of b"));
  EXPECT_EQ(a.load("/risk"), "risk of a");
  EXPECT_EQ(b.load("/risk"), "risk of b");
  EXPECT_EQ(b.load("/user/alice/mm-1"), "a1") << "a user's checkpoints are the cluster's";

  // a stops renewing; b takes alice over with the next epoch, and a, which
  // has not noticed, is refused in the same transaction as its write.
  let_lapse(a_id);
  auto next = cluster_->claim("alice", b_id);
  ASSERT_EQ(next, 2);
  b.hold("alice", next);
  EXPECT_EQ(a.save("/user/alice/mm-1", "stale").error(), store_errc::fenced);
  EXPECT_EQ(
      a.ask<bool>(record_fill_atom_v, fill_record{"sim-a", "v-1", "c-1", 100, 1, 0, 0}).error(),
      store_errc::fenced);
  EXPECT_TRUE(b.save("/user/alice/mm-1", "b2"));
  EXPECT_TRUE(b.ask<bool>(record_fill_atom_v, fill_record{"sim-a", "v-1", "c-1", 100, 1, 0, 0}));
  EXPECT_EQ(a.load("/user/alice/mm-1"), "b2") << "the stale write left nothing";
  EXPECT_EQ(a.status()["fenced_refusals"].get<uint64_t>(), 3u);
  EXPECT_TRUE(a.status()["fenced"].get<bool>());

  // A member that lets a user go writes nothing more for it.
  b.hold("alice", 0);
  EXPECT_EQ(b.save("/user/alice/mm-1", "after release").error(), store_errc::fenced);
  EXPECT_TRUE(b.ask<uint64_t>(append_audit_atom_v, make_audit("/", "alice", "test.note", "")))
      << "a write of no user's data passes";

  // Every write that passed is noted under its member and epoch, in the
  // store's order: the fence proved per write (what db check reads).
  auto number = [&](const std::string& sql) { return query_int64(*db_, sql); };
  EXPECT_EQ(number("SELECT COUNT(*) FROM user_writes WHERE NOT (\"user\" = 'alice' AND "
                   "((epoch = 1 AND node = 'a') OR (epoch = 2 AND node = 'b')))"),
            0)
      << "a under 1, b under 2, no other";
  EXPECT_GE(number("SELECT COUNT(*) FROM user_writes WHERE epoch = 1 AND node = 'a'"), 1);
  EXPECT_GE(number("SELECT COUNT(*) FROM user_writes WHERE epoch = 2 AND node = 'b'"), 2)
      << "b's checkpoint and its fill";
  EXPECT_LT(number("SELECT MAX(seq) FROM user_writes WHERE node = 'a'"),
            number("SELECT MIN(seq) FROM user_writes WHERE node = 'b'"));
  auto violations = db_->prepare(fence_violations_sql);
  EXPECT_FALSE(violations->step()) << violations->text(0) << " " << violations->text(2);
}

TEST_P(store_fencing_test, a_reservation_with_its_order_passes_only_for_a_user_held) {
  auto a_id = cluster_->join("a", "", "h", 1);
  cluster_->add_users({"alice", "bob"});
  member_store a{sys_, "a", target_};
  a.hold("alice", cluster_->claim("alice", a_id));
  ASSERT_TRUE(
      a.ask<account_record>(open_account_atom_v, account_record{"alice-main", "alice", 0, {}}));
  // A reservation (no money moved: the fence is what is tried) carrying
  // its order's record; the order's agent is a user's too.
  auto reserve = [](const std::string& id, const std::string& agent) {
    vault_write w;
    w.op = vault_op_record{"alice-main:reserve:" + id,
                           "alice-main",
                           "alice",
                           "reserve",
                           id,
                           "USD",
                           5,
                           "applied",
                           "",
                           0,
                           5,
                           0,
                           0};
    w.reservations.push_back(reservation_record{"alice-main", id, "USD", 5, 5, "open", 0, {}, 0});
    w.orders.push_back(order_of(id, agent));
    return w;
  };
  auto written = a.ask<vault_write_result>(vault_write_atom_v, reserve("c-1", "/user/alice/mm-1"));
  ASSERT_TRUE(written) << runtime::to_text(written.error());
  EXPECT_TRUE(written->orders_known.empty());
  // An order of bob's agent, whom a does not hold, in alice's reservation:
  // refused whole.
  EXPECT_EQ(a.ask<vault_write_result>(vault_write_atom_v, reserve("c-2", "/user/bob/mm-1")).error(),
            store_errc::fenced);
  auto number = [&](const std::string& sql) { return query_int64(*db_, sql); };
  EXPECT_EQ(number("SELECT COUNT(*) FROM orders WHERE client_order_id = 'c-1'"), 1);
  EXPECT_EQ(number("SELECT COUNT(*) FROM orders WHERE client_order_id = 'c-2'"), 0);
  EXPECT_EQ(number("SELECT COUNT(*) FROM vault_reservations WHERE id = 'c-2'"), 0);
}

INSTANTIATE_TEST_SUITE_P(backends, store_fencing_test, testing::Values(test::backend::postgresql),
                         test::backend_name{});
