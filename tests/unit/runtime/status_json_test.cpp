// A status struct's one field list: its JSON form round-trips, a missing or
// mistyped field is an error naming the actor (never a default), and its
// CAF form crosses a serializer unchanged.
#include <gtest/gtest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "runtime/error_text.hpp"
#include "runtime/status_fields.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::test {

struct inner_status {
  int64_t a = 0;
  std::string b;
};

TFARM_STATUS_FIELDS(inner_status, "tfarm.test.inner_status", a, b)

struct outer_status {
  std::string name;
  uint64_t count = 0;
  bool up = false;
  std::map<std::string, inner_status> parts;
  std::vector<int64_t> samples;
};

TFARM_STATUS_FIELDS(outer_status, "tfarm.test.outer_status", name, count, up, parts, samples)

namespace {

outer_status example() {
  outer_status x;
  x.name = "n";
  x.count = 42;
  x.up = true;
  x.parts["p"] = inner_status{-7, "seven"};
  x.samples = {1, 2, 3};
  return x;
}

void expect_same(const outer_status& x, const outer_status& y) {
  EXPECT_EQ(x.name, y.name);
  EXPECT_EQ(x.count, y.count);
  EXPECT_EQ(x.up, y.up);
  ASSERT_EQ(x.parts.count("p"), 1u);
  ASSERT_EQ(y.parts.count("p"), 1u);
  EXPECT_EQ(x.parts.at("p").a, y.parts.at("p").a);
  EXPECT_EQ(x.parts.at("p").b, y.parts.at("p").b);
  EXPECT_EQ(x.samples, y.samples);
}

} // namespace

TEST(status_json, every_field_round_trips_by_name) {
  auto text = runtime::status_json(example());
  EXPECT_EQ(text, R"({"count":42,"name":"n","parts":{"p":{"a":-7,"b":"seven"}},)"
                  R"("samples":[1,2,3],"up":true})");
  auto back = runtime::read_status<outer_status>(text, "/x");
  ASSERT_TRUE(back) << runtime::to_text(back.error());
  expect_same(example(), *back);
}

TEST(status_json, a_missing_or_mistyped_field_is_an_error_never_a_default) {
  auto missing = runtime::read_status<outer_status>(R"({"name":"n","count":1,"up":true})", "/a/b");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), static_cast<uint8_t>(runtime::runtime_errc::bad_status));
  auto why = runtime::to_text(missing.error());
  EXPECT_NE(why.find("/a/b: its status cannot be read"), std::string::npos) << why;
  EXPECT_NE(why.find("parts"), std::string::npos) << why;
  auto text = runtime::status_json(example());
  text.replace(text.find("42"), 2, "\"42\"");
  EXPECT_FALSE(runtime::read_status<outer_status>(text, "/a/b"));
  EXPECT_FALSE(runtime::read_status<outer_status>("{", "/a/b"));
  EXPECT_FALSE(runtime::read_status<outer_status>("[]", "/a/b"));
}

TEST(status_json, nothing_published_yet_is_starting_not_unreadable) {
  // The registry holds "{}" from the actor's spawn until it first runs.
  auto x = runtime::read_status<outer_status>("{}", "/a/b");
  ASSERT_FALSE(x);
  EXPECT_TRUE(runtime::status_pending(x.error()));
  EXPECT_EQ(runtime::to_text(x.error()),
            "status_pending: /a/b: starting (no status published yet)");
  auto broken = runtime::read_status<outer_status>(R"({"name":"n"})", "/a/b");
  ASSERT_FALSE(broken);
  EXPECT_FALSE(runtime::status_pending(broken.error()));
}

TEST(status_json, text_that_is_not_utf8_is_published_with_replacements_not_thrown) {
  // Names and reasons can come from peers: any bytes.
  auto x = example();
  x.name = std::string{"bad \xff\xfe name"};
  std::string text;
  ASSERT_NO_THROW(text = runtime::status_json(x));
  auto back = runtime::read_status<outer_status>(text, "/x");
  ASSERT_TRUE(back) << runtime::to_text(back.error());
  EXPECT_EQ(back->name, "bad \xEF\xBF\xBD\xEF\xBF\xBD name");
}

TEST(status_json, the_caf_form_crosses_a_serializer_unchanged) {
  std::vector<char> buf;
  auto x = example();
  caf::binary_serializer sink{nullptr, buf};
  ASSERT_FALSE(sink(x));
  outer_status y;
  caf::binary_deserializer source{nullptr, buf};
  ASSERT_FALSE(source(y));
  expect_same(x, y);
}

} // namespace tfarm::test
