// Supervision semantics, deterministic under CAF's test coordinator.
#include "runtime_fixture.hpp"

#include "runtime/outage.hpp"

using namespace std::chrono_literals;
using namespace tfarm;
using namespace tfarm::runtime;
using config::restart_strategy;
using config::restart_type;
using test::probe_paths;

namespace {

class supervisor_test : public test::runtime_fixture {
protected:
  // A supervisor at /t with probes a, b, c under `strategy`.
  supervisor_actor abc(restart_strategy strategy, int32_t intensity = 10) {
    config::policy_set ps;
    ps.add(policy("/t", strategy, intensity));
    make_context(ps);
    return start_supervisor("/t", {spec("a", "probe"), spec("b", "probe"), spec("c", "probe")});
  }

  std::vector<std::string> starts() { return probe_paths("start"); }

  /// Advances simulated time millisecond by millisecond until the actor at
  /// `path` runs again; returns how long that took.
  caf::timespan time_until_alive(const std::string& path, caf::timespan limit = 10s) {
    caf::timespan waited{0};
    while (!info(path).alive && waited < limit) {
      advance_time(1ms);
      settle();
      waited += 1ms;
    }
    EXPECT_TRUE(info(path).alive) << path << " not back within " << limit.count() << " ns";
    return waited;
  }
  std::vector<std::string> stops() { return probe_paths("stop"); }

  /// A probe that ignores exit requests: only a kill stops it.
  static child_spec stubborn_probe(std::string id) {
    auto x = spec(std::move(id), "probe");
    x.params["stubborn"] = "true";
    return x;
  }

  /// The context, with /t one_for_one giving its children `timeout` to stop.
  void with_shutdown_timeout(std::chrono::milliseconds timeout) {
    auto p = policy("/t", restart_strategy::one_for_one);
    p.child_shutdown_timeout = timeout;
    config::policy_set ps;
    ps.add(p);
    make_context(ps);
  }
};

using paths = std::vector<std::string>;

} // namespace

TEST_F(supervisor_test, starts_children_in_order) {
  abc(restart_strategy::one_for_one);
  EXPECT_EQ(starts(), (paths{"/t/a", "/t/b", "/t/c"}));
  for (auto p : {"/t/a", "/t/b", "/t/c"})
    EXPECT_TRUE(info(p).alive) << p;
}

TEST_F(supervisor_test, stops_children_in_reverse_order_then_itself) {
  auto sup = abc(restart_strategy::one_for_one);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  settle();
  EXPECT_EQ(stops(), (paths{"/t/c", "/t/b", "/t/a"}));
  EXPECT_EQ(down_reason_of(sup.address()), caf::exit_reason::user_shutdown);
}

TEST_F(supervisor_test, one_for_one_restarts_only_the_failed_child) {
  abc(restart_strategy::one_for_one);
  auto a = handle_of("/t/a");
  auto c = handle_of("/t/c");
  test::probe_events().clear();
  crash("/t/b");
  EXPECT_EQ(starts(), (paths{"/t/b"}));
  EXPECT_EQ(stops(), (paths{"/t/b"}));
  EXPECT_EQ(handle_of("/t/a"), a);
  EXPECT_EQ(handle_of("/t/c"), c);
  auto b = info("/t/b");
  EXPECT_TRUE(b.alive);
  EXPECT_EQ(b.restarts, 1u);
  ASSERT_EQ(b.failures.size(), 1u);
  EXPECT_NE(b.failures[0].reason.find("crash_injected: test"), std::string::npos)
      << b.failures[0].reason;
}

TEST_F(supervisor_test, one_for_all_restarts_every_child_stopping_the_others_in_reverse) {
  abc(restart_strategy::one_for_all);
  test::probe_events().clear();
  crash("/t/b");
  // b died first; then the others in reverse order; then all start in order.
  EXPECT_EQ(stops(), (paths{"/t/b", "/t/c", "/t/a"}));
  EXPECT_EQ(starts(), (paths{"/t/a", "/t/b", "/t/c"}));
  for (auto p : {"/t/a", "/t/b", "/t/c"}) {
    EXPECT_TRUE(info(p).alive) << p;
    EXPECT_EQ(info(p).restarts, 1u) << p;
  }
  EXPECT_EQ(info("/t/a").failures.size(), 0u) << "a was stopped, it did not fail";
}

TEST_F(supervisor_test, rest_for_one_restarts_the_failed_child_and_those_after_it) {
  abc(restart_strategy::rest_for_one);
  auto a = handle_of("/t/a");
  test::probe_events().clear();
  crash("/t/b");
  EXPECT_EQ(stops(), (paths{"/t/b", "/t/c"}));
  EXPECT_EQ(starts(), (paths{"/t/b", "/t/c"}));
  EXPECT_EQ(handle_of("/t/a"), a);
  EXPECT_EQ(info("/t/a").restarts, 0u);
  EXPECT_EQ(info("/t/c").restarts, 1u);
}

TEST_F(supervisor_test, restart_types_decide_what_comes_back) {
  auto p = policy("/t", restart_strategy::one_for_one);
  p.children = {{"perm", restart_type::permanent, {}},
                {"trans", restart_type::transient, {}},
                {"temp", restart_type::temporary, {}}};
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  auto sup = start_supervisor("/t", {spec("perm", "probe"), spec("trans", "probe"),
                                     spec("temp", "probe"), spec("trans2", "probe")});
  // permanent: back even after a normal exit.
  self->send(handle_of("/t/perm"), caf::close_atom_v);
  settle();
  EXPECT_TRUE(info("/t/perm").alive);
  EXPECT_EQ(info("/t/perm").restarts, 1u);
  // transient: back after a failure ...
  crash("/t/trans");
  EXPECT_TRUE(info("/t/trans").alive);
  EXPECT_EQ(info("/t/trans").restarts, 1u);
  // ... but not after a normal exit: it is removed.
  self->send(handle_of("/t/trans"), caf::close_atom_v);
  settle();
  EXPECT_EQ(ctx_->registry().find("/t/trans"), nullptr);
  // temporary: never back, removed even after a failure.
  crash("/t/temp");
  EXPECT_EQ(ctx_->registry().find("/t/temp"), nullptr);
  auto children = ask<std::vector<child_info>>(sup, which_children_atom_v);
  ASSERT_TRUE(children);
  std::vector<std::string> ids;
  for (auto& c : *children)
    ids.push_back(c.id);
  EXPECT_EQ(ids, (paths{"perm", "trans2"}));
  // "trans2" got the policy's default restart type.
  EXPECT_EQ(children->at(1).restart, restart_type::permanent);
}

TEST_F(supervisor_test, one_for_all_does_not_bring_back_temporary_siblings) {
  auto p = policy("/t", restart_strategy::one_for_all);
  p.children = {{"tmp", restart_type::temporary, {}}};
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  start_supervisor("/t", {spec("tmp", "probe"), spec("x", "probe")});
  crash("/t/x");
  EXPECT_EQ(ctx_->registry().find("/t/tmp"), nullptr);
  EXPECT_TRUE(info("/t/x").alive);
}

TEST_F(supervisor_test, exceeding_intensity_escalates_up_two_levels) {
  // /top (intensity 0) -> /top/mid (intensity 1) -> /top/mid/leaf
  config::policy_set ps;
  ps.add(policy("/top", restart_strategy::one_for_one, 0));
  ps.add(policy("/top/mid", restart_strategy::one_for_one, 1));
  make_context(ps);
  auto top = start_supervisor("/top", {spec("mid", "supervisor", {spec("leaf", "probe")})});
  EXPECT_TRUE(info("/top/mid/leaf").alive);
  crash("/top/mid/leaf"); // restart 1 of 1: fine
  EXPECT_TRUE(info("/top/mid/leaf").alive);
  EXPECT_EQ(info("/top/mid/leaf").restarts, 1u);
  crash("/top/mid/leaf"); // restart 2 > 1: mid gives up; top may not restart it
  auto reason = down_reason_of(top.address());
  EXPECT_EQ(reason.category(), caf::atom("tfruntime"));
  EXPECT_EQ(reason.code(), static_cast<uint8_t>(runtime_errc::restart_intensity_exceeded));
  EXPECT_NE(render(reason).find("/top: 1 restarts within 5s exceed intensity 0"), std::string::npos)
      << render(reason);
  auto mid = info("/top/mid");
  ASSERT_EQ(mid.failures.size(), 1u);
  EXPECT_NE(mid.failures[0].reason.find("/top/mid: 2 restarts within 5s exceed intensity 1"),
            std::string::npos)
      << mid.failures[0].reason;
  EXPECT_FALSE(info("/top").alive);
  EXPECT_FALSE(info("/top/mid").alive);
  EXPECT_FALSE(info("/top/mid/leaf").alive);
}

TEST_F(supervisor_test, restarts_outside_the_period_do_not_count) {
  abc(restart_strategy::one_for_one, 1);
  crash("/t/a");
  advance_time(6s);
  crash("/t/a");
  advance_time(6s);
  crash("/t/a");
  EXPECT_TRUE(info("/t/a").alive);
  EXPECT_EQ(info("/t/a").restarts, 3u);
}

TEST_F(supervisor_test, restarts_for_an_outage_wait_and_are_not_counted) {
  abc(restart_strategy::one_for_one, 1);
  // The store down for a while: the child fails at each start, more often
  // than the intensity allows, and the supervisor waits it out.
  for (int i = 0; i < 5; ++i) {
    auto h = handle_of("/t/a");
    ASSERT_TRUE(h);
    self->send_exit(h, caf::error{runtime_errc::store_unreachable, "the store is down"});
    settle();
    EXPECT_GE(time_until_alive("/t/a"), caf::timespan{outage_restart_delay_min_ms * 1'000'000})
        << "an outage restart waits at least outage_restart_delay_min_ms";
  }
  EXPECT_TRUE(info("/t").alive);
  EXPECT_EQ(info("/t/a").restarts, 5u);
  // A crash is still counted: two within the period exceed intensity 1.
  crash("/t/b");
  EXPECT_TRUE(time_until_alive("/t/b") < 10s);
  crash("/t/b");
  EXPECT_FALSE(info("/t").alive);
}

namespace {

caf::error server_restarting() {
  return caf::error{runtime_errc::store_unreachable, "the server is restarting"};
}

/// A checkpoint store that fails `failures` loads with `why` (forever when
/// negative), then has no checkpoints.
checkpoint_store_actor::behavior_type restarting_store(
    checkpoint_store_actor::pointer, std::shared_ptr<int> failures,
    caf::error why = caf::error{runtime_errc::store_unreachable, "the server is restarting"}) {
  return {
      [failures, why](load_checkpoint_atom, std::string&) -> caf::result<std::vector<checkpoint>> {
        if (*failures == 0)
          return std::vector<checkpoint>{};
        if (*failures > 0)
          --*failures;
        return why;
      },
      [](save_checkpoint_atom, checkpoint&) -> uint64_t { return 1; },
  };
}

} // namespace

TEST_F(supervisor_test, a_first_start_waits_out_a_store_outage) {
  make_context();
  ctx_->set_store(sys.spawn(restarting_store, std::make_shared<int>(3), server_restarting()));
  auto sup = start_supervisor("/t", {spec("a", "probe"), spec("b", "probe")});
  EXPECT_TRUE(starts().empty()) << "a child started without its checkpoint";
  EXPECT_GE(time_until_alive("/t/b"), caf::timespan{3 * outage_restart_delay_min_ms * 1'000'000});
  EXPECT_EQ(starts(), (paths{"/t/a", "/t/b"}));
  EXPECT_TRUE(info("/t").alive);
  EXPECT_EQ(info("/t/a").restarts, 0u);
  auto started = ask<bool>(sup, wait_started_atom_v);
  ASSERT_TRUE(started) << render(started.error());
  EXPECT_TRUE(*started);
}

TEST_F(supervisor_test, a_first_start_fails_when_the_store_stays_unreachable) {
  make_context();
  ctx_->set_store(sys.spawn(restarting_store, std::make_shared<int>(-1), server_restarting()));
  auto sup = start_supervisor("/t", {spec("a", "probe")});
  for (auto waited = 0ms; waited < std::chrono::milliseconds{start_outage_wait_ms};
       waited += 50ms) {
    EXPECT_TRUE(info("/t").alive) << "gave up after " << waited.count() << " ms";
    advance_time(50ms);
    settle();
  }
  advance_time(std::chrono::milliseconds{outage_restart_delay_min_ms});
  settle();
  auto reason = render(down_reason_of(sup.address()));
  EXPECT_NE(reason.find("cannot load the checkpoint of /t/a"), std::string::npos) << reason;
  EXPECT_NE(reason.find("the server is restarting"), std::string::npos) << reason;
  EXPECT_TRUE(starts().empty());
}

TEST_F(supervisor_test, a_first_start_does_not_wait_for_a_user_another_member_owns) {
  register_outage(caf::atom("tfowner"), 1, outage_kind::not_owner);
  make_context();
  ctx_->set_store(
      sys.spawn(restarting_store, std::make_shared<int>(-1), caf::error{1, caf::atom("tfowner")}));
  auto sup = start_supervisor("/t", {spec("a", "probe")});
  EXPECT_FALSE(info("/t").alive) << "waited for a store that will never let it load";
  auto reason = render(down_reason_of(sup.address()));
  EXPECT_NE(reason.find("cannot load the checkpoint of /t/a"), std::string::npos) << reason;
}

TEST(outage, registered_codes_and_store_unreachable_are_outages) {
  EXPECT_TRUE(is_outage(caf::error{runtime_errc::store_unreachable, "x"}));
  EXPECT_FALSE(is_outage(caf::error{runtime_errc::checkpoint_unavailable, "x"}));
  EXPECT_FALSE(is_outage(caf::error{}));
  EXPECT_FALSE(is_outage(caf::error{runtime_errc::timeout, "x"}));
  // A category of this test's own: the registry is process-wide.
  EXPECT_FALSE(is_outage(caf::error{7, caf::atom("tfoutage")}));
  register_outage(caf::atom("tfoutage"), 7);
  EXPECT_TRUE(is_outage(caf::error{7, caf::atom("tfoutage")}));
  EXPECT_TRUE(is_unreachable(caf::error{7, caf::atom("tfoutage")}));
  EXPECT_FALSE(is_outage(caf::error{8, caf::atom("tfoutage")}));
  register_outage(caf::atom("tfoutage"), 9, outage_kind::not_owner);
  EXPECT_TRUE(is_outage(caf::error{9, caf::atom("tfoutage")}));
  EXPECT_FALSE(is_unreachable(caf::error{9, caf::atom("tfoutage")}));
}

TEST_F(supervisor_test, restart_waits_for_its_backoff_and_the_delay_grows) {
  auto p = policy("/t", restart_strategy::one_for_one);
  p.backoff.min = 100ms;
  p.backoff.max = 350ms;
  p.backoff.jitter_ppm = 0;
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  start_supervisor("/t", {spec("a", "probe")});
  std::vector<caf::timespan> delays;
  for (int i = 0; i < 4; ++i) {
    self->send(handle_of("/t/a"), crash_request{"again"});
    settle(); // no timers fire: the restart must wait
    EXPECT_FALSE(info("/t/a").alive);
    delays.push_back(time_until_alive("/t/a"));
  }
  EXPECT_EQ(delays, (std::vector<caf::timespan>{100ms, 200ms, 350ms, 350ms}));
}

TEST_F(supervisor_test, jittered_backoff_stays_within_its_bounds) {
  auto p = policy("/t", restart_strategy::one_for_one, 1000);
  p.backoff.min = 50ms;
  p.backoff.max = 400ms;
  p.backoff.jitter_ppm = 500'000;
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  start_supervisor("/t", {spec("a", "probe")});
  std::set<caf::timespan> seen;
  for (int i = 0; i < 40; ++i) {
    self->send(handle_of("/t/a"), crash_request{"again"});
    settle();
    auto delay = time_until_alive("/t/a");
    EXPECT_GE(delay, caf::timespan{50ms});
    EXPECT_LE(delay, caf::timespan{400ms});
    seen.insert(delay);
  }
  EXPECT_GT(seen.size(), 5u) << "jitter should vary the delay";
}

TEST_F(supervisor_test, a_child_that_ignores_exit_is_killed_after_its_shutdown_timeout) {
  with_shutdown_timeout(2s);
  auto stubborn = stubborn_probe("s");
  auto sup = start_supervisor("/t", {spec("a", "probe"), stubborn});
  auto before = sched.clock().now();
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  settle();
  EXPECT_TRUE(info("/t/s").alive) << "it ignores the exit request";
  advance_time(2s - 1ms);
  settle();
  EXPECT_TRUE(info("/t/s").alive) << "killed before its shutdown timeout";
  advance_time(1ms); // the shutdown timeout: kill
  settle();
  EXPECT_FALSE(info("/t/s").alive);
  EXPECT_EQ(sched.clock().now() - before, caf::timespan{2s});
  EXPECT_EQ(stops(), (paths{"/t/s", "/t/a"}));
  EXPECT_EQ(down_reason_of(sup.address()), caf::exit_reason::user_shutdown);
}

TEST_F(supervisor_test, a_zero_shutdown_timeout_kills_at_once) {
  with_shutdown_timeout(0ms);
  auto stubborn = stubborn_probe("s");
  auto sup = start_supervisor("/t", {stubborn});
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  settle();
  EXPECT_FALSE(info("/t/s").alive);
}

TEST_F(supervisor_test, stop_child_now_kills_a_subtree_without_its_shutdown_phase) {
  // A cluster member that lost its lease stops a user's subtree at once:
  // the agents' shutdown (cancelling their orders) would only run beside
  // the user's next owner. stop_child would wait 3s for s here.
  auto mid_policy = policy("/top/mid", restart_strategy::one_for_one);
  mid_policy.child_shutdown_timeout = 3s;
  config::policy_set ps;
  ps.add(policy("/top", restart_strategy::one_for_one));
  ps.add(mid_policy);
  make_context(ps);
  auto stubborn = stubborn_probe("s");
  auto top = start_supervisor(
      "/top", {spec("mid", "supervisor", {spec("a", "probe"), stubborn}), spec("b", "probe")});
  auto before = sched.clock().now();
  auto stopped = self->request(top, caf::infinite, stop_child_now_atom_v, std::string{"mid"});
  settle();
  EXPECT_EQ(sched.clock().now(), before) << "no shutdown timeout was waited for";
  bool stop_ok = false;
  stopped.receive([&](bool x) { stop_ok = x; }, [](caf::error&) {});
  EXPECT_TRUE(stop_ok);
  EXPECT_FALSE(info("/top/mid/s").alive);
  EXPECT_FALSE(info("/top/mid/a").alive);
  EXPECT_EQ(ctx_->registry().find("/top/mid"), nullptr) << "removed like stop_child";
  EXPECT_TRUE(info("/top/b").alive) << "its siblings are not touched";
  auto again = ask<bool>(top, stop_child_now_atom_v, std::string{"mid"});
  ASSERT_FALSE(again);
  EXPECT_EQ(render(again.error()), "unknown_child: /top has no child 'mid'");
}

TEST_F(supervisor_test, stop_child_now_cuts_a_graceful_stop_in_progress_short) {
  // A handoff is stopping the user gracefully when the member's lease may
  // run out: the stop becomes a kill at once.
  with_shutdown_timeout(3s);
  auto stubborn = stubborn_probe("s");
  auto sup = start_supervisor("/t", {stubborn, spec("b", "probe")});
  auto before = sched.clock().now();
  auto graceful = self->request(sup, caf::infinite, stop_child_atom_v, std::string{"s"});
  settle();
  EXPECT_TRUE(info("/t/s").alive) << "it ignores the exit request";
  auto now = self->request(sup, caf::infinite, stop_child_now_atom_v, std::string{"s"});
  settle();
  EXPECT_EQ(sched.clock().now(), before);
  EXPECT_FALSE(info("/t/s").alive);
  bool graceful_ok = false;
  bool now_ok = false;
  graceful.receive([&](bool x) { graceful_ok = x; }, [](caf::error&) {});
  now.receive([&](bool x) { now_ok = x; }, [](caf::error&) {});
  EXPECT_TRUE(graceful_ok);
  EXPECT_TRUE(now_ok);
  EXPECT_TRUE(info("/t/b").alive);
}

TEST_F(supervisor_test, a_crashed_supervisor_takes_its_children_down) {
  abc(restart_strategy::one_for_one);
  crash("/t");
  for (auto p : {"/t/a", "/t/b", "/t/c"})
    EXPECT_FALSE(info(p).alive) << p << " must not outlive its supervisor";
}

TEST_F(supervisor_test, a_nested_supervisor_restarts_with_its_children_from_checkpoints) {
  config::policy_set ps;
  ps.add(policy("/top", restart_strategy::one_for_one));
  make_context(ps);
  start_supervisor("/top", {spec("mid", "supervisor", {spec("x", "probe"), spec("y", "probe")})});
  ASSERT_EQ(ask<int32_t>(handle_of("/top/mid/x"), caf::add_atom_v, int32_t{7}), 7);
  crash("/top/mid");
  EXPECT_TRUE(info("/top/mid").alive);
  EXPECT_EQ(info("/top/mid").restarts, 1u);
  EXPECT_EQ(ask<int32_t>(handle_of("/top/mid/x"), caf::get_atom_v), 7);
  EXPECT_TRUE(info("/top/mid/y").alive);
}

TEST_F(supervisor_test, state_is_restored_before_the_first_message) {
  abc(restart_strategy::one_for_one);
  ASSERT_EQ(ask<int32_t>(handle_of("/t/b"), caf::add_atom_v, int32_t{5}), 5);
  ASSERT_EQ(ask<int32_t>(handle_of("/t/b"), caf::add_atom_v, int32_t{3}), 8);
  auto seq = info("/t/b").checkpoint_seq;
  EXPECT_GT(seq, 0u);
  auto old = handle_of("/t/b");
  crash("/t/b");
  auto now = handle_of("/t/b");
  ASSERT_TRUE(now);
  EXPECT_NE(now, old);
  EXPECT_EQ(ask<int32_t>(now, caf::get_atom_v), 8);
  EXPECT_EQ(info("/t/b").checkpoint_seq, seq);
  EXPECT_EQ(test::probe_events().back(), "start:/t/b:8");
}

TEST_F(supervisor_test, a_clean_stop_saves_a_final_checkpoint) {
  abc(restart_strategy::one_for_one);
  auto sup_children = std::vector<std::string>{};
  ASSERT_EQ(ask<int32_t>(handle_of("/t/a"), caf::add_atom_v, int32_t{2}), 2);
  auto seq = info("/t/a").checkpoint_seq;
  auto sup = caf::actor_cast<supervisor_actor>(ctx_->registry().find("/t")->handle());
  ASSERT_EQ(ask<bool>(sup, stop_child_atom_v, std::string{"a"}), true);
  auto cp = ctx_->memory_backend()->load("/t/a");
  EXPECT_GT(cp.seq, seq) << "a final checkpoint was written on the clean stop";
}

TEST_F(supervisor_test, a_corrupt_checkpoint_falls_back_to_the_previous_one) {
  auto sup = abc(restart_strategy::one_for_one);
  ASSERT_EQ(ask<int32_t>(handle_of("/t/a"), caf::add_atom_v, int32_t{4}), 4);
  ASSERT_EQ(ask<int32_t>(handle_of("/t/a"), caf::add_atom_v, int32_t{3}), 7);
  ASSERT_EQ(ask<bool>(sup, stop_child_atom_v, std::string{"a"}), true);
  // Two versions are kept: the final checkpoint of the clean stop and the
  // one the last add saved (both 7). The final one gets corrupted.
  auto versions = ctx_->memory_backend()->load_versions("/t/a");
  ASSERT_EQ(versions.size(), 2u);
  auto bad = versions.front();
  bad.blob[0] = static_cast<char>(bad.blob[0] ^ 0x5a); // the CRC no longer matches
  ctx_->memory_backend()->save(bad);
  // Started again (as after a node restart): the store's copies are loaded.
  ASSERT_TRUE(ask<caf::actor>(sup, start_child_atom_v, spec("a", "probe")));
  EXPECT_TRUE(info("/t/a").alive) << "a bad checkpoint must not keep the actor down";
  EXPECT_EQ(ask<int32_t>(handle_of("/t/a"), caf::get_atom_v), 7);
  ASSERT_EQ(incidents_.size(), 2u);
  EXPECT_EQ(incidents_[0].action, "checkpoint.corrupt");
  EXPECT_EQ(incidents_[0].path, "/t/a");
  EXPECT_NE(incidents_[0].detail.find("fails its CRC-32 check; trying the previous one"),
            std::string::npos)
      << incidents_[0].detail;
  EXPECT_EQ(incidents_[1].action, "checkpoint.fallback");
}

TEST_F(supervisor_test, with_on_corrupt_fresh_a_corrupt_checkpoint_means_a_fresh_state) {
  config::policy_set ps;
  ps.add(policy("/t", restart_strategy::one_for_one));
  config::checkpoint_settings cps;
  cps.on_corrupt = "fresh";
  make_context(ps, cps);
  auto sup = start_supervisor("/t", {spec("a", "probe")});
  ASSERT_EQ(ask<int32_t>(handle_of("/t/a"), caf::add_atom_v, int32_t{4}), 4);
  ASSERT_EQ(ask<bool>(sup, stop_child_atom_v, std::string{"a"}), true);
  auto bad = ctx_->memory_backend()->load("/t/a");
  bad.blob[0] = static_cast<char>(bad.blob[0] ^ 0x5a);
  ctx_->memory_backend()->save(bad);
  ASSERT_TRUE(ask<caf::actor>(sup, start_child_atom_v, spec("a", "probe")));
  EXPECT_EQ(ask<int32_t>(handle_of("/t/a"), caf::get_atom_v), 0);
  ASSERT_EQ(incidents_.size(), 1u);
  EXPECT_NE(incidents_[0].detail.find("; starting from a fresh state"), std::string::npos);
}

TEST_F(supervisor_test, checkpoints_follow_the_kinds_cadence) {
  config::policy_set ps;
  ps.add(policy("/t", restart_strategy::one_for_one));
  config::checkpoint_settings cps;
  cps.by_kind["probe"].every_messages = 3;
  cps.by_kind["probe"].every = 2s;
  make_context(ps, cps);
  start_supervisor("/t", {spec("a", "probe")});
  auto a = handle_of("/t/a");
  auto saves = [&] { return ctx_->memory_backend()->load("/t/a").seq; };
  // get does not save by itself: only the cadence does.
  self->send(a, caf::get_atom_v);
  self->send(a, caf::get_atom_v);
  settle();
  EXPECT_EQ(saves(), 0u);
  self->send(a, caf::get_atom_v); // the third message
  settle();
  auto after_three = saves();
  EXPECT_GT(after_three, 0u);
  self->send(a, caf::get_atom_v); // one unsaved change: saved 2s later
  settle();
  EXPECT_EQ(saves(), after_three);
  advance_time(2s);
  settle();
  EXPECT_GT(saves(), after_three);
  auto after_timer = saves();
  advance_time(10s); // nothing changed: no more saves, no more timers
  settle();
  EXPECT_EQ(saves(), after_timer);
}

TEST_F(supervisor_test, dynamic_children_start_stop_and_respect_limits) {
  auto p = policy("/u", restart_strategy::one_for_one);
  p.max_children = 2;
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  auto sup = start_supervisor("/u", {});
  auto first = ask<caf::actor>(sup, start_child_atom_v, spec("one", "probe"));
  ASSERT_TRUE(first) << render(first.error());
  EXPECT_EQ(*first, handle_of("/u/one"));
  EXPECT_TRUE(ask<caf::actor>(sup, start_child_atom_v, spec("two", "probe")));
  auto dup = ask<caf::actor>(sup, start_child_atom_v, spec("one", "probe"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(render(dup.error()), "duplicate_child: /u already has a child 'one'");
  auto third = ask<caf::actor>(sup, start_child_atom_v, spec("three", "probe"));
  ASSERT_FALSE(third);
  EXPECT_EQ(render(third.error()),
            "too_many_children: /u already runs 2 children, the limit (max_children) is 2");
  EXPECT_EQ(ask<bool>(sup, stop_child_atom_v, std::string{"one"}), true);
  EXPECT_EQ(ctx_->registry().find("/u/one"), nullptr);
  EXPECT_TRUE(ask<caf::actor>(sup, start_child_atom_v, spec("three", "probe")));
  auto unknown = ask<bool>(sup, stop_child_atom_v, std::string{"thre"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(render(unknown.error()),
            "unknown_child: /u has no child 'thre'; did you mean 'three'?");
}

TEST_F(supervisor_test, bad_dynamic_children_are_refused_with_a_reason) {
  config::policy_set ps;
  make_context(ps);
  auto sup = start_supervisor("/u", {});
  auto kind = ask<caf::actor>(sup, start_child_atom_v, spec("x", "prob"));
  ASSERT_FALSE(kind);
  EXPECT_NE(render(kind.error()).find("unknown actor kind 'prob'; did you mean 'probe'?"),
            std::string::npos)
      << render(kind.error());
  auto id = ask<caf::actor>(sup, start_child_atom_v, spec("a/b", "probe"));
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code(), static_cast<uint8_t>(runtime_errc::invalid_path));
  EXPECT_TRUE(info("/u").alive) << "refusals do not hurt the supervisor";
}

TEST_F(supervisor_test, a_dynamic_child_in_a_crash_loop_escalates_like_any_child) {
  config::policy_set ps;
  ps.add(policy("/u", restart_strategy::one_for_one, 2));
  make_context(ps);
  auto sup = start_supervisor("/u", {});
  auto fails = spec("f", "probe");
  fails.params["fail_start"] = "true";
  ask<caf::actor>(sup, start_child_atom_v, fails);
  auto reason = down_reason_of(sup.address());
  EXPECT_EQ(reason.code(), static_cast<uint8_t>(runtime_errc::restart_intensity_exceeded))
      << render(reason);
  EXPECT_EQ(probe_paths("start").size(), 3u) << "first start plus two restarts";
}

TEST_F(supervisor_test, restart_child_restarts_on_request) {
  abc(restart_strategy::one_for_one);
  auto sup = caf::actor_cast<supervisor_actor>(ctx_->registry().find("/t")->handle());
  auto old = handle_of("/t/c");
  auto fresh = ask<caf::actor>(sup, restart_child_atom_v, std::string{"c"});
  ASSERT_TRUE(fresh);
  EXPECT_NE(*fresh, old);
  EXPECT_EQ(*fresh, handle_of("/t/c"));
  EXPECT_EQ(info("/t/c").restarts, 1u);
}

TEST_F(supervisor_test, a_child_failing_to_start_fails_the_supervisor_start) {
  config::policy_set ps;
  ps.add(policy("/top", restart_strategy::one_for_one, 0));
  make_context(ps);
  auto top = start_supervisor(
      "/top", {spec("mid", "supervisor", {spec("ok", "probe"), spec("bad", "broken")})});
  auto reason = down_reason_of(top.address());
  EXPECT_EQ(render(reason), "spawn_failed: /top: child mid failed to start: spawn_failed: "
                            "/top/mid: child bad failed to start: spawn_failed: broken by design");
  EXPECT_EQ(stops(), (paths{"/top/mid/ok"})) << "what had started is stopped again";
  EXPECT_FALSE(info("/top/mid/ok").alive);
}

TEST_F(supervisor_test, wait_started_answers_once_the_tree_is_up) {
  config::policy_set ps;
  make_context(ps);
  auto top = start_supervisor("/top", {spec("mid", "supervisor", {spec("x", "probe")})});
  EXPECT_EQ(ask<bool>(top, wait_started_atom_v), true);
}

TEST_F(supervisor_test, a_restart_uses_the_acknowledged_checkpoint_without_asking_the_store) {
  abc(restart_strategy::one_for_one);
  ASSERT_EQ(ask<int32_t>(handle_of("/t/a"), caf::add_atom_v, int32_t{6}), 6);
  auto store_before = info("/store").messages_handled;
  crash("/t/a");
  EXPECT_EQ(ask<int32_t>(handle_of("/t/a"), caf::get_atom_v), 6);
  EXPECT_EQ(info("/store").messages_handled, store_before) << "no load from the store";
}

TEST_F(supervisor_test, a_save_in_flight_at_the_crash_is_not_lost_to_a_stale_cache) {
  abc(restart_strategy::one_for_one);
  ASSERT_EQ(ask<int32_t>(handle_of("/t/a"), caf::add_atom_v, int32_t{1}), 1);
  // The probe handles "add 10" and sends its save to the store, but dies
  // before the store has even seen the save.
  auto a = handle_of("/t/a");
  self->send(a, caf::add_atom_v, int32_t{10});
  ASSERT_TRUE(sched.prioritize(a));
  sched.run_once(); // the probe handles "add 10": its save is in the store's mailbox
  self->send(a, crash_request{"mid-save"});
  ASSERT_TRUE(sched.prioritize(a));
  sched.run_once(); // ... and it dies before the store acknowledges
  EXPECT_FALSE(info("/t/a").alive);
  settle();
  // The restart went through the store, which applied the save first.
  EXPECT_EQ(ask<int32_t>(handle_of("/t/a"), caf::get_atom_v), 11);
}

// -- regressions from review ----------------------------------------------------

TEST_F(supervisor_test, a_nested_supervisor_gets_the_time_its_children_need_to_stop) {
  // mid holds a child that ignores exit (killed after 3s) and one that
  // saves a final checkpoint; top must not kill mid after a worker timeout.
  auto mid_policy = policy("/top/mid", restart_strategy::one_for_one);
  mid_policy.child_shutdown_timeout = 3s;
  config::policy_set ps;
  ps.add(policy("/top", restart_strategy::one_for_one)); // workers: 1s
  ps.add(mid_policy);
  make_context(ps);
  auto stubborn = stubborn_probe("s");
  auto top = start_supervisor("/top", {spec("mid", "supervisor", {spec("a", "probe"), stubborn})});
  ASSERT_EQ(ask<int32_t>(handle_of("/top/mid/a"), caf::add_atom_v, int32_t{5}), 5);
  auto seq = info("/top/mid/a").checkpoint_seq;
  self->send_exit(top, caf::exit_reason::user_shutdown);
  settle();
  advance_time(3s); // mid kills s, then stops a cleanly
  settle();
  EXPECT_EQ(stops(), (paths{"/top/mid/s", "/top/mid/a"}));
  EXPECT_GT(info("/top/mid/a").checkpoint_seq, seq) << "a saved its final checkpoint";
  EXPECT_EQ(info("/top/mid").failures.size(), 0u) << "mid was not killed";
  EXPECT_EQ(down_reason_of(top.address()), caf::exit_reason::user_shutdown);
}

TEST_F(supervisor_test, simultaneous_failures_under_one_for_all_count_as_one_restart) {
  abc(restart_strategy::one_for_all, 1);
  auto a = handle_of("/t/a");
  auto b = handle_of("/t/b");
  test::probe_events().clear();
  // Both die before the supervisor hears of either.
  self->send(a, crash_request{"a"});
  self->send(b, crash_request{"b"});
  ASSERT_TRUE(sched.prioritize(a));
  sched.run_once();
  ASSERT_TRUE(sched.prioritize(b));
  sched.run_once();
  settle();
  EXPECT_TRUE(info("/t").alive) << "intensity 1 must not be exceeded by one incident";
  EXPECT_EQ(starts(), (paths{"/t/a", "/t/b", "/t/c"}));
  for (auto p : {"/t/a", "/t/b", "/t/c"})
    EXPECT_EQ(info(p).restarts, 1u) << p;
  EXPECT_EQ(info("/t/b").failures.size(), 1u) << "b's failure is still recorded";
}

TEST_F(supervisor_test, a_backoff_does_not_hold_up_other_children) {
  auto p = policy("/t", restart_strategy::one_for_one);
  p.backoff.min = 1h;
  p.backoff.max = 1h;
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  auto sup = start_supervisor("/t", {spec("a", "probe")});
  crash("/t/a"); // a waits an hour
  auto other = ask<caf::actor>(sup, start_child_atom_v, spec("b", "probe"));
  EXPECT_TRUE(other) << "start_child answered at once";
  EXPECT_TRUE(info("/t/b").alive);
  EXPECT_FALSE(info("/t/a").alive);
  advance_time(1h);
  settle();
  EXPECT_TRUE(info("/t/a").alive);
}

TEST_F(supervisor_test, restart_child_of_a_removed_child_answers_instead_of_hanging) {
  auto sup = abc(restart_strategy::one_for_one);
  auto stopped = self->request(sup, caf::infinite, stop_child_atom_v, std::string{"b"});
  auto restarted = self->request(sup, caf::infinite, restart_child_atom_v, std::string{"b"});
  settle();
  bool stop_ok = false;
  stopped.receive([&](bool x) { stop_ok = x; }, [](caf::error&) {});
  EXPECT_TRUE(stop_ok);
  ASSERT_FALSE(self->mailbox().empty()) << "restart_child was never answered";
  caf::error err;
  restarted.receive([](caf::actor&) {}, [&](caf::error& e) { err = std::move(e); });
  EXPECT_EQ(render(err), "unknown_child: /t no longer has a child 'b'");
}

TEST_F(supervisor_test, a_child_that_leaves_for_good_is_never_left_running_unsupervised) {
  // Keep the queue busy with a slow stop, then let a temporary child die
  // while a restart of it is queued behind that stop.
  auto p = policy("/t", restart_strategy::one_for_one);
  p.child_shutdown_timeout = 2s;
  p.children = {{"tmp", restart_type::temporary, {}}};
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  auto slow = stubborn_probe("slow");
  auto sup = start_supervisor("/t", {slow, spec("tmp", "probe")});
  self->send(sup, restart_child_atom_v, std::string{"slow"}); // waits 2s for slow
  self->send(sup, restart_child_atom_v, std::string{"tmp"});  // queued behind it
  settle();
  self->send(handle_of("/t/tmp"), crash_request{"gone"});
  settle();
  advance_time(2s); // slow is killed; the queue moves on
  settle();
  EXPECT_EQ(ctx_->registry().find("/t/tmp"), nullptr);
  auto started = starts();
  auto stopped = stops();
  auto starts_of_tmp = std::count(started.begin(), started.end(), "/t/tmp");
  auto stops_of_tmp = std::count(stopped.begin(), stopped.end(), "/t/tmp");
  EXPECT_GE(starts_of_tmp, 2) << "the queued restart_child did run";
  EXPECT_EQ(starts_of_tmp, stops_of_tmp) << "every instance of tmp was stopped";
  EXPECT_TRUE(info("/t/slow").alive);
}

TEST_F(supervisor_test, dynamic_children_leave_the_registry_when_their_supervisor_restarts) {
  config::policy_set ps;
  ps.add(policy("/top", restart_strategy::one_for_one));
  make_context(ps);
  start_supervisor("/top", {spec("mid", "supervisor", {spec("static", "probe")})});
  auto mid = caf::actor_cast<supervisor_actor>(handle_of("/top/mid"));
  ASSERT_TRUE(ask<caf::actor>(mid, start_child_atom_v, spec("dyn", "probe")));
  crash("/top/mid");
  EXPECT_EQ(ctx_->registry().find("/top/mid/dyn"), nullptr);
  EXPECT_TRUE(info("/top/mid/static").alive);
}

TEST_F(supervisor_test, a_durable_dynamic_child_comes_back_until_it_is_stopped) {
  config::policy_set ps;
  ps.add(policy("/top", restart_strategy::one_for_one));
  make_context(ps);
  start_supervisor("/top", {spec("mid", "supervisor", {spec("static", "probe")})});
  auto mid = caf::actor_cast<supervisor_actor>(handle_of("/top/mid"));
  auto durable = spec("dyn", "probe");
  durable.durable = true;
  ASSERT_TRUE(ask<caf::actor>(mid, start_child_atom_v, durable));
  ASSERT_TRUE(ask<caf::actor>(mid, start_child_atom_v, spec("plain", "probe")));
  ASSERT_EQ(ask<int32_t>(handle_of("/top/mid/dyn"), caf::add_atom_v, int32_t{4}), 4);
  test::probe_events().clear();
  crash("/top/mid");
  // Back after the static ones, with its own state; the plain one is gone.
  EXPECT_EQ(probe_paths("start"), (paths{"/top/mid/static", "/top/mid/dyn"}));
  EXPECT_TRUE(info("/top/mid/dyn").alive);
  EXPECT_EQ(ask<int32_t>(handle_of("/top/mid/dyn"), caf::get_atom_v), 4);
  EXPECT_EQ(ctx_->registry().find("/top/mid/plain"), nullptr);
  // Stopped, it is gone for good: not back after the next restart.
  mid = caf::actor_cast<supervisor_actor>(handle_of("/top/mid"));
  EXPECT_EQ(ask<bool>(mid, stop_child_atom_v, std::string{"dyn"}), true);
  crash("/top/mid");
  EXPECT_TRUE(info("/top/mid/static").alive);
  EXPECT_EQ(ctx_->registry().find("/top/mid/dyn"), nullptr);
}

TEST_F(supervisor_test, a_dynamic_supervisor_spec_is_checked_all_the_way_down) {
  config::policy_set ps;
  make_context(ps);
  auto sup = start_supervisor("/u", {});
  auto twice = ask<caf::actor>(sup, start_child_atom_v,
                               spec("sub", "supervisor", {spec("x", "probe"), spec("x", "probe")}));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), static_cast<uint8_t>(runtime_errc::invalid_path));
  auto unknown =
      ask<caf::actor>(sup, start_child_atom_v, spec("sub", "supervisor", {spec("x", "nope")}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), static_cast<uint8_t>(runtime_errc::unknown_kind));
}

TEST_F(supervisor_test, parallel_shutdown_stops_every_child_at_once) {
  auto p = policy("/t", restart_strategy::one_for_one);
  p.parallel_shutdown = true;
  p.child_shutdown_timeout = 2s;
  config::policy_set ps;
  ps.add(p);
  make_context(ps);
  auto stubborn = stubborn_probe("s");
  auto sup = start_supervisor("/t", {spec("a", "probe"), stubborn, spec("c", "probe")});
  ASSERT_EQ(ask<int32_t>(handle_of("/t/a"), caf::add_atom_v, int32_t{1}), 1);
  ASSERT_EQ(ask<int32_t>(handle_of("/t/c"), caf::add_atom_v, int32_t{1}), 1);
  auto seq_a = info("/t/a").checkpoint_seq;
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  settle();
  // No waiting on each other: a and c are gone (with final checkpoints)
  // while s still ignores its request.
  EXPECT_FALSE(info("/t/a").alive);
  EXPECT_FALSE(info("/t/c").alive);
  EXPECT_TRUE(info("/t/s").alive);
  EXPECT_GT(info("/t/a").checkpoint_seq, seq_a);
  advance_time(2s);
  settle();
  EXPECT_FALSE(info("/t/s").alive);
  EXPECT_EQ(down_reason_of(sup.address()), caf::exit_reason::user_shutdown);
  EXPECT_NE(info("/t").state_json.find(R"("shutdown":"parallel")"), std::string::npos);
}
