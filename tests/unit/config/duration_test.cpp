#include "config/duration.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using namespace tfarm::config;

TEST(duration, parses_every_unit) {
  std::string why;
  EXPECT_EQ(parse_duration("250ms", why), 250ms);
  EXPECT_EQ(parse_duration("5s", why), 5s);
  EXPECT_EQ(parse_duration("2m", why), 2min);
  EXPECT_EQ(parse_duration("2min", why), 2min);
  EXPECT_EQ(parse_duration("1h", why), 1h);
  EXPECT_EQ(parse_duration("7d", why), 168h);
  EXPECT_EQ(parse_duration(" 10s ", why), 10s);
  EXPECT_EQ(parse_duration("0s", why), 0ms);
}

TEST(duration, rejects_bad_input_with_a_reason) {
  for (auto bad : {"", "5", "s", "-5s", "5 parsecs", "1.5s", "5sec", "ms"}) {
    std::string why;
    EXPECT_FALSE(parse_duration(bad, why)) << bad;
    EXPECT_NE(why.find("expected a duration"), std::string::npos) << bad << ": " << why;
  }
}

TEST(duration, a_space_between_number_and_unit_is_refused_with_the_spelling_to_use) {
  std::string why;
  EXPECT_FALSE(parse_duration("500 ms", why));
  EXPECT_EQ(why, "no space between the number and its unit: write \"500ms\"; expected a duration "
                 "such as \"250ms\", \"5s\", \"2m\", \"1h\" or \"7d\"");
  EXPECT_FALSE(parse_rate("20 /min", why));
  EXPECT_NE(why.find("write \"20/min\""), std::string::npos) << why;
}

TEST(duration, rejects_overflow) {
  std::string why;
  EXPECT_FALSE(parse_duration("9223372036854775807h", why));
  EXPECT_EQ(why, "duration is too large");
}

TEST(duration, formats_the_shortest_exact_form) {
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(5s), "5s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(2min), "2m");
  EXPECT_EQ(format_duration(1h), "1h");
  EXPECT_EQ(format_duration(48h), "2d");
  EXPECT_EQ(format_duration(0ms), "0s");
}

TEST(rate, parses_units_and_bare_counts_per_minute) {
  std::string why;
  EXPECT_EQ(parse_rate("20/min", why), (rate{20, 60s}));
  EXPECT_EQ(parse_rate("20/m", why), (rate{20, 60s}));
  EXPECT_EQ(parse_rate("5/s", why), (rate{5, 1s}));
  EXPECT_EQ(parse_rate("100/h", why), (rate{100, 1h}));
  EXPECT_EQ(parse_rate("20", why), (rate{20, 60s}));
  EXPECT_EQ(format_rate(rate{20, 60s}), "20/min");
  EXPECT_EQ(format_rate(rate{5, 1s}), "5/s");
}

TEST(rate, rejects_bad_input) {
  for (auto bad : {"", "abc", "20/fortnight", "/min", "-3/s"}) {
    std::string why;
    EXPECT_FALSE(parse_rate(bad, why)) << bad;
    EXPECT_NE(why.find("expected a rate"), std::string::npos) << bad << ": " << why;
  }
}

TEST(integer, enforces_its_range) {
  std::string why;
  EXPECT_EQ(parse_integer("7", 1, 10, why), 7);
  EXPECT_FALSE(parse_integer("0", 1, 10, why));
  EXPECT_EQ(why, "must be between 1 and 10, got 0");
  EXPECT_FALSE(parse_integer("7x", 1, 10, why));
  EXPECT_EQ(why, "expected an integer between 1 and 10");
}
