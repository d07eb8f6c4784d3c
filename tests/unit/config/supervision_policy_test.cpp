#include "config/supervision_policy.hpp"

#include <gtest/gtest.h>

#include "config/path_syntax.hpp"

using namespace std::chrono_literals;
using namespace tfarm::config;

TEST(supervision_policy, enum_names_round_trip) {
  for (auto& name : restart_strategy_names())
    EXPECT_EQ(to_string(*parse_restart_strategy(name)), name);
  for (auto& name : restart_type_names())
    EXPECT_EQ(to_string(*parse_restart_type(name)), name);
  EXPECT_FALSE(parse_restart_strategy("one_for_none"));
  EXPECT_FALSE(parse_restart_type(""));
}

TEST(supervision_policy, path_patterns_match_one_segment_per_star) {
  EXPECT_TRUE(path_matches("/", "/"));
  EXPECT_TRUE(path_matches("/user/*", "/user/alice"));
  EXPECT_FALSE(path_matches("/user/*", "/user"));
  EXPECT_FALSE(path_matches("/user/*", "/user/alice/agents"));
  EXPECT_TRUE(path_matches("/*/alice", "/user/alice"));
  EXPECT_FALSE(path_matches("/user", "/users"));
}

TEST(supervision_policy, exact_path_beats_wildcards_and_default_applies_otherwise) {
  policy_set set;
  supervisor_policy any_user;
  any_user.path = "/user/*";
  any_user.intensity = 5;
  supervisor_policy alice;
  alice.path = "/user/alice";
  alice.intensity = 9;
  supervisor_policy two_stars;
  two_stars.path = "/*/*";
  two_stars.intensity = 1;
  set.add(two_stars);
  set.add(any_user);
  set.add(alice);
  EXPECT_EQ(set.find("/user/alice")->intensity, 9);
  EXPECT_EQ(set.find("/user/bob")->intensity, 5);
  EXPECT_EQ(set.find("/vault/x")->intensity, 1);
  EXPECT_EQ(set.find("/vault"), nullptr);
  auto fallback = set.resolve("/vault");
  EXPECT_EQ(fallback.path, "/vault");
  EXPECT_EQ(fallback.intensity, restart_intensity_default);
  EXPECT_EQ(set.resolve("/user/bob").path, "/user/bob");
}

TEST(supervision_policy, child_overrides_beat_child_defaults) {
  supervisor_policy p;
  p.child_restart = restart_type::transient;
  p.child_shutdown_timeout = 3s;
  child_policy store;
  store.id = "store";
  store.restart = restart_type::permanent;
  child_policy slow;
  slow.id = "slow";
  slow.shutdown_timeout = 30s;
  p.children = {store, slow};
  EXPECT_EQ(p.restart_for("store"), restart_type::permanent);
  EXPECT_EQ(p.shutdown_timeout_for("store"), 3s);
  EXPECT_EQ(p.restart_for("slow"), restart_type::transient);
  EXPECT_EQ(p.shutdown_timeout_for("slow"), 30s);
  EXPECT_EQ(p.restart_for("other"), restart_type::transient);
}

TEST(path_syntax, validates_segments_and_paths) {
  std::string why;
  EXPECT_TRUE(valid_actor_path("/", false, why));
  EXPECT_TRUE(valid_actor_path("/user/alice/mm-1", false, why));
  EXPECT_FALSE(valid_actor_path("/user/*", false, why));
  EXPECT_TRUE(valid_actor_path("/user/*", true, why));
  EXPECT_FALSE(valid_actor_path("user", false, why));
  EXPECT_FALSE(valid_actor_path("/a/", false, why));
  EXPECT_FALSE(valid_actor_path("/a/../b", false, why));
  EXPECT_FALSE(valid_path_segment("has space"));
  EXPECT_FALSE(valid_path_segment(std::string(65, 'a')));
  EXPECT_TRUE(valid_path_segment(std::string(64, 'a')));
}
