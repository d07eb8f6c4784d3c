// The chaos run's fault schedule: the same seed gives the same schedule,
// another seed another one; the cluster never loses every member at once;
// one fault at a time per venue, per switch and for the store; shapes that
// cannot hold the faults are refused with the way out.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "chaos/fault_plan.hpp"

namespace tfarm::chaos {
namespace {

plan_shape demo(uint64_t seed, uint32_t faults = 50) {
  plan_shape s;
  s.seed = seed;
  s.faults = faults;
  s.duration_ms = 150'000;
  s.members = {"node-1", "node-2", "node-3"};
  s.venues = {"sim-a", "sim-b"};
  return s;
}

std::string text(const std::vector<fault>& plan) {
  std::string out;
  for (auto& f : plan)
    out += std::to_string(f.id) + " " + to_string(f.kind) + " " + f.target + " " +
           std::to_string(f.at_ms) + "+" + std::to_string(f.length_ms) + "/" +
           std::to_string(f.intensity) + "\n";
  return out;
}

bool overlap(const fault& a, const fault& b) {
  return a.at_ms < b.end_ms() && b.at_ms < a.end_ms();
}

TEST(fault_plan, the_same_seed_gives_the_same_schedule) {
  std::string why;
  auto a = make_plan(demo(42), why);
  auto b = make_plan(demo(42), why);
  ASSERT_EQ(a.size(), 50u) << why;
  EXPECT_EQ(text(a), text(b));
  EXPECT_NE(text(a), text(make_plan(demo(43), why)));
  // A fixed point: the generator is our own, so this holds on any machine.
  seeded_random r{1};
  EXPECT_EQ(r.next(), 0x910a2dec89025cc1ULL);
}

TEST(fault_plan, faults_stay_within_the_phase_in_order_and_every_kind_appears) {
  std::string why;
  auto s = demo(7, 200);
  s.duration_ms = 300'000;
  auto plan = make_plan(s, why);
  ASSERT_EQ(plan.size(), 200u) << why;
  std::set<fault_kind> kinds;
  for (size_t i = 0; i < plan.size(); ++i) {
    auto& f = plan[i];
    kinds.insert(f.kind);
    EXPECT_EQ(f.id, i + 1);
    EXPECT_GE(f.at_ms, 0);
    EXPECT_LE(f.end_ms(), 300'000);
    EXPECT_GE(f.length_ms, fault_length_min_ms);
    EXPECT_LE(f.length_ms, fault_length_max_ms);
    if (i > 0) {
      EXPECT_LE(plan[i - 1].at_ms, f.at_ms);
    }
    if (f.kind == fault_kind::member_pause || f.kind == fault_kind::member_partition) {
      EXPECT_GT(f.length_ms, 1'500) << "a pause outlasts the lease";
    }
    if (f.kind == fault_kind::store_restart) {
      EXPECT_LE(f.length_ms, store_down_max_ms);
    }
  }
  EXPECT_EQ(kinds.size(), fault_kinds().size());
  EXPECT_EQ(fault_kinds().size(), 13u) << "a new kind is drawn, named and documented";
}

TEST(fault_plan, one_member_is_always_left_and_targets_are_never_doubled) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::string why;
    auto plan = make_plan(demo(seed, 100), why);
    ASSERT_EQ(plan.size(), 100u) << why;
    for (auto& f : plan) {
      // Members away at the moment f starts (the most there are at once
      // is at some fault's start).
      std::set<std::string> away;
      for (auto& g : plan) {
        if (takes_member(g.kind) && g.at_ms <= f.at_ms && f.at_ms < g.end_ms())
          away.insert(g.target);
        if (&g == &f || !overlap(f, g))
          continue;
        if (takes_member(f.kind) && takes_member(g.kind)) {
          EXPECT_NE(f.target, g.target) << "seed " << seed << ": " << f.id << " and " << g.id;
        }
        if (on_venue(f.kind) && on_venue(g.kind)) {
          EXPECT_NE(f.target, g.target) << "seed " << seed;
          EXPECT_NE(f.kind, fault_kind::venue_restart) << "seed " << seed;
        }
        if (f.kind == fault_kind::exchange_partition && g.kind == f.kind) {
          EXPECT_NE(f.target, g.target) << "seed " << seed << ": " << f.id << " and " << g.id;
        } else if (!takes_member(f.kind) && !on_venue(f.kind)) {
          EXPECT_NE(f.kind, g.kind) << "seed " << seed << ": " << f.id << " and " << g.id;
        }
      }
      EXPECT_LT(away.size(), 3u) << "seed " << seed << ": every member away at " << f.at_ms;
    }
  }
}

TEST(fault_plan, a_store_of_someone_else_is_never_restarted_nor_cut_off) {
  auto s = demo(5, 100);
  s.own_store = false;
  std::string why;
  auto plan = make_plan(s, why);
  ASSERT_EQ(plan.size(), 100u) << why;
  EXPECT_TRUE(std::none_of(plan.begin(), plan.end(), [](const fault& f) {
    return f.kind == fault_kind::store_restart || f.kind == fault_kind::member_partition;
  }));
}

TEST(fault_plan, shapes_that_cannot_hold_the_faults_are_refused_with_the_way_out) {
  std::string why;
  auto s = demo(1, 50);
  s.duration_ms = 20'000;
  EXPECT_TRUE(make_plan(s, why).empty());
  EXPECT_NE(why.find("--duration"), std::string::npos) << why;
  s = demo(1, 5);
  s.members = {"node-1"};
  EXPECT_TRUE(make_plan(s, why).empty());
  EXPECT_NE(why.find("two members or more"), std::string::npos) << why;
  s = demo(1, plan_faults_max + 1);
  EXPECT_TRUE(make_plan(s, why).empty());
  EXPECT_NE(why.find("at most"), std::string::npos) << why;
}

} // namespace
} // namespace tfarm::chaos
