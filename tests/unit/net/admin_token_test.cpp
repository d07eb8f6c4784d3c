#include "net/admin_token.hpp"

#include <set>

#include <gtest/gtest.h>

namespace tfarm::test {
namespace {

TEST(admin_token, matches_only_the_token_in_force) {
  net::admin_token t{"configured-token-123"};
  EXPECT_TRUE(t.configured());
  EXPECT_TRUE(t.matches("configured-token-123"));
  EXPECT_FALSE(t.matches("configured-token-124"));
  EXPECT_FALSE(t.matches(""));
  auto fresh = net::admin_token::generate();
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(t.adopt(net::admin_token::digest(*fresh)));
  EXPECT_TRUE(t.matches(*fresh));
  EXPECT_FALSE(t.matches("configured-token-123"));
}

TEST(admin_token, no_token_matches_nothing) {
  net::admin_token t{""};
  EXPECT_FALSE(t.configured());
  EXPECT_FALSE(t.matches(""));
  EXPECT_FALSE(t.matches(net::admin_token::digest("")));
}

TEST(admin_token, adopts_only_a_well_formed_digest) {
  net::admin_token t{"configured-token-123"};
  EXPECT_FALSE(t.adopt(""));
  EXPECT_FALSE(t.adopt(std::string(64, 'G')));
  EXPECT_FALSE(t.adopt(std::string(63, 'a')));
  EXPECT_TRUE(t.matches("configured-token-123")) << "a refused digest changes nothing";
}

TEST(admin_token, generated_tokens_are_long_random_and_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto x = net::admin_token::generate();
    ASSERT_TRUE(x);
    EXPECT_EQ(x->rfind("tfarm_", 0), 0u);
    EXPECT_EQ(x->size(), 6 + 2 * net::admin_token_random_bytes);
    seen.insert(*x);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(net::admin_token::digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

} // namespace
} // namespace tfarm::test
