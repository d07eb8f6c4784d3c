// What every managed actor gets from its base: registry accounting, the crash
// hook, descriptions.
#include "runtime_fixture.hpp"

using namespace tfarm;
using namespace tfarm::runtime;

namespace {

class managed_actor_test : public test::runtime_fixture {
protected:
  void SetUp() override {
    config::policy_set ps;
    ps.add(policy("/t", config::restart_strategy::one_for_one));
    make_context(ps);
    start_supervisor("/t", {spec("p", "probe")});
  }
};

} // namespace

TEST_F(managed_actor_test, counts_messages_handled_and_waiting) {
  auto p = handle_of("/t/p");
  auto before = info("/t/p").messages_handled;
  for (int i = 0; i < 25; ++i)
    self->send(p, caf::get_atom_v);
  EXPECT_EQ(info("/t/p").mailbox_size, 25u);
  settle();
  EXPECT_EQ(info("/t/p").mailbox_size, 0u);
  EXPECT_EQ(info("/t/p").messages_handled, before + 25);
  // Totals survive a restart.
  crash("/t/p");
  EXPECT_GE(info("/t/p").messages_handled, before + 26);
  EXPECT_EQ(info("/t/p").incarnations, 2u);
}

TEST_F(managed_actor_test, the_crash_hook_works_on_typed_actors_too) {
  auto store = ctx_->registry().find("/store");
  ASSERT_TRUE(store->alive());
  self->send(store->handle(), crash_request{"typed"});
  settle();
  EXPECT_FALSE(store->alive());
}

TEST_F(managed_actor_test, describe_is_published_to_the_registry) {
  auto p = handle_of("/t/p");
  EXPECT_EQ(info("/t/p").state_json, R"({"value":0})");
  ASSERT_EQ(ask<int32_t>(p, caf::add_atom_v, int32_t{12}), 12);
  EXPECT_EQ(info("/t/p").state_json, R"({"value":12})");
  auto sup = info("/t").state_json;
  EXPECT_NE(sup.find(R"("strategy":"one_for_one")"), std::string::npos) << sup;
}

TEST_F(managed_actor_test, a_change_the_kind_does_not_publish_shows_within_the_refresh_period) {
  using std::chrono::milliseconds;
  auto p = handle_of("/t/p");
  self->send(p, caf::put_atom_v, int32_t{7});
  settle();
  EXPECT_EQ(info("/t/p").state_json, R"({"value":0})");
  advance_time(milliseconds{config::status_refresh_ms - 1});
  settle();
  EXPECT_EQ(info("/t/p").state_json, R"({"value":0})");
  advance_time(milliseconds{1});
  settle();
  EXPECT_EQ(info("/t/p").state_json, R"({"value":7})");
  // Idle, it gets no more ticks: the refresh is not armed by its own tick.
  auto handled = info("/t/p").messages_handled;
  advance_time(milliseconds{config::status_refresh_ms * 10});
  settle();
  EXPECT_EQ(info("/t/p").messages_handled, handled);
}

TEST_F(managed_actor_test, checkpoint_failures_do_not_stop_the_actor) {
  // With the store gone, saving fails; the actor keeps its state and runs.
  self->send_exit(store_, caf::exit_reason::kill);
  settle();
  auto p = handle_of("/t/p");
  ASSERT_EQ(ask<int32_t>(p, caf::add_atom_v, int32_t{3}), 3);
  EXPECT_TRUE(info("/t/p").alive);
  EXPECT_EQ(info("/t/p").checkpoint_seq, 0u);
}

TEST_F(managed_actor_test, a_restart_without_a_store_fails_and_is_retried_by_policy) {
  self->send_exit(store_, caf::exit_reason::kill);
  settle();
  // Loading the checkpoint fails (store down): the start fails and counts as
  // a restart, until the intensity is exhausted.
  crash("/t/p");
  EXPECT_FALSE(info("/t/p").alive);
  auto failures = info("/t/p").failures;
  ASSERT_FALSE(failures.empty());
  EXPECT_NE(failures.back().reason.find("checkpoint_unavailable"), std::string::npos)
      << failures.back().reason;
}
