#include "config/suggest.hpp"

#include <gtest/gtest.h>

using namespace tfarm::config;

TEST(suggest, edit_distance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("intensty", "intensity"), 1u);
}

TEST(suggest, nearest_finds_typos_but_not_unrelated_words) {
  std::vector<std::string> keys{"path", "strategy", "intensity", "period", "backoff"};
  EXPECT_EQ(nearest("intensty", keys), "intensity");
  EXPECT_EQ(nearest("stratgy", keys), "strategy");
  EXPECT_EQ(nearest("perod", keys), "period");
  EXPECT_EQ(nearest("inten", keys), "intensity"); // unique prefix
  EXPECT_EQ(nearest("completely_different", keys), std::nullopt);
  EXPECT_EQ(nearest("x", std::vector<std::string>{}), std::nullopt);
}

TEST(suggest, join) {
  EXPECT_EQ(join({"a", "b", "c"}), "a, b, c");
  EXPECT_EQ(join({}), "");
}
