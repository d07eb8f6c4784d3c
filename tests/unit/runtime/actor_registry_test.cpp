#include "runtime/actor_registry.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "runtime/tree_view.hpp"

using namespace tfarm::runtime;

namespace {

std::vector<std::string> paths_of(const std::vector<actor_info>& xs) {
  std::vector<std::string> result;
  for (auto& x : xs)
    result.push_back(x.path);
  return result;
}

} // namespace

TEST(path_helpers, parent_child_and_within) {
  EXPECT_EQ(parent_path("/a/b"), "/a");
  EXPECT_EQ(parent_path("/a"), "/");
  EXPECT_EQ(parent_path("/"), "");
  EXPECT_EQ(child_path("/", "a"), "/a");
  EXPECT_EQ(child_path("/a", "b"), "/a/b");
  EXPECT_TRUE(path_within("/user/alice", "/user"));
  EXPECT_TRUE(path_within("/user", "/user"));
  EXPECT_FALSE(path_within("/users", "/user"));
  EXPECT_TRUE(path_within("/anything", "/"));
}

TEST(actor_registry, queries_by_prefix_in_tree_and_start_order) {
  actor_registry r{"n1"};
  for (auto p :
       {"/", "/store", "/user", "/user/zed", "/user/zed/a", "/user/amy", "/users", "/user-x"})
    r.add(p, "k");
  EXPECT_EQ(paths_of(r.query("/user")),
            (std::vector<std::string>{"/user", "/user/zed", "/user/zed/a", "/user/amy"}));
  EXPECT_EQ(r.query("/").size(), 8u);
  EXPECT_EQ(r.query("/nothing").size(), 0u);
  EXPECT_EQ(r.query("/store")[0].node, "n1");
}

TEST(actor_registry, adding_an_existing_path_keeps_its_history) {
  actor_registry r{"n1"};
  auto e = r.add("/a", "probe");
  e->record_failure("boom", 1);
  e->record_restart();
  auto again = r.add("/a", "other");
  EXPECT_EQ(again, e);
  EXPECT_EQ(again->kind(), "probe");
  EXPECT_EQ(again->snapshot().restarts, 1u);
  r.remove("/a");
  EXPECT_EQ(r.find("/a"), nullptr);
}

TEST(registry_entry, counts_messages_across_incarnations_and_mailbox_of_the_current) {
  registry_entry e{"/a", "probe", "n1", 0};
  auto first = e.attach({});
  first->enqueued += 10;
  first->handled += 7;
  auto s = e.snapshot();
  EXPECT_TRUE(s.alive);
  EXPECT_EQ(s.messages_handled, 7u);
  EXPECT_EQ(s.mailbox_size, 3u);
  e.detach(first);
  EXPECT_FALSE(e.snapshot().alive);
  EXPECT_EQ(e.snapshot().mailbox_size, 0u) << "a dead instance's mailbox is gone";
  auto second = e.attach({});
  second->enqueued += 2;
  second->handled += 1;
  s = e.snapshot();
  EXPECT_EQ(s.messages_handled, 8u);
  EXPECT_EQ(s.mailbox_size, 1u);
  EXPECT_EQ(s.incarnations, 2u);
  e.detach(first); // a late detach of an old incarnation changes nothing
  EXPECT_TRUE(e.snapshot().alive);
}

TEST(registry_entry, keeps_the_newest_failures_only) {
  registry_entry e{"/a", "probe", "n1", 0};
  for (int i = 0; i < 20; ++i)
    e.record_failure("f" + std::to_string(i), i);
  auto s = e.snapshot();
  ASSERT_EQ(s.failures.size(), failure_history_max);
  EXPECT_EQ(s.failures.back().reason, "f19");
  EXPECT_EQ(s.failures.front().reason, "f12");
}

TEST(registry_entry, checkpoint_seq_never_goes_backwards) {
  registry_entry e{"/a", "probe", "n1", 0};
  e.set_checkpoint(5, 100);
  e.set_checkpoint(3, 200);
  EXPECT_EQ(e.checkpoint_seq(), 5u);
  EXPECT_EQ(e.snapshot().checkpoint_at_ms, 100);
}

TEST(actor_registry, is_safe_under_concurrent_use) {
  actor_registry r{"n1"};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&r, t] {
      for (int i = 0; i < 500; ++i) {
        auto path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        auto e = r.add(path, "k");
        auto c = e->attach({});
        c->handled++;
        r.query("/");
        if (i % 2 == 0)
          r.remove(path);
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(r.size(), 4u * 250u);
}

TEST(tree_view, draws_the_tree_with_kinds_and_state) {
  std::vector<actor_info> xs(4);
  xs[0].path = "/";
  xs[0].kind = "supervisor";
  xs[0].alive = true;
  xs[0].state_json = R"({"strategy":"rest_for_one"})";
  xs[1].path = "/store";
  xs[1].kind = "memory_store";
  xs[1].alive = true;
  xs[2].path = "/user";
  xs[2].kind = "supervisor";
  xs[2].alive = true;
  xs[2].state_json = R"({"strategy":"one_for_one"})";
  xs[3].path = "/user/a";
  xs[3].kind = "heartbeat";
  xs[3].restarts = 2;
  EXPECT_EQ(render_tree(xs), "/          supervisor    rest_for_one  up\n"
                             "├── store  memory_store                up\n"
                             "└── user   supervisor    one_for_one   up\n"
                             "    └── a  heartbeat                   down  restarts=2\n");
}

TEST(registry_entry, caches_the_last_acknowledged_checkpoint_only_when_certain) {
  registry_entry e{"/a", "probe", "n1", 0};
  auto first = e.attach({});
  auto saved = [](uint64_t seq) {
    auto cp = std::make_shared<checkpoint>();
    cp->seq = seq;
    return std::shared_ptr<const checkpoint>{cp};
  };
  e.begin_save(first.get());
  e.end_save(first.get(), saved(1));
  EXPECT_EQ(e.cached_checkpoint(), nullptr) << "not while the instance is alive";
  e.detach(first);
  ASSERT_NE(e.cached_checkpoint(), nullptr);
  EXPECT_EQ(e.cached_checkpoint()->seq, 1u);
  // A save in flight when the instance ends: the store must be asked.
  auto second = e.attach({});
  e.begin_save(second.get());
  e.detach(second);
  EXPECT_EQ(e.cached_checkpoint(), nullptr);
  // A stale instance acknowledging late never revives the cache.
  auto third = e.attach({});
  e.begin_save(third.get());
  e.end_save(second.get(), saved(9));
  e.end_save(third.get(), saved(3));
  e.detach(third);
  EXPECT_EQ(e.cached_checkpoint(), nullptr);
  // A failed save leaves nothing certain either.
  registry_entry f{"/f", "probe", "n1", 1};
  auto only = f.attach({});
  f.begin_save(only.get());
  f.end_save(only.get(), saved(1));
  f.begin_save(only.get());
  f.end_save(only.get(), nullptr);
  f.detach(only);
  EXPECT_EQ(f.cached_checkpoint(), nullptr);
}
