// A kind's parameters as a typed struct: a lossless round trip to the
// spec's strings, defaults for absent keys, and a clear refusal (naming the
// key) of a malformed or unknown one, before the actor exists.
#include "runtime_fixture.hpp"

#include "runtime/kind_params.hpp"
#include "runtime/kind_registry.hpp"
#include "runtime/managed_actor.hpp"

namespace tfarm::test {

struct sample_params {
  std::string name = "x";
  bool on = false;
  int64_t depth = 3;
  uint32_t ppm = 0;
  uint64_t seed = 1;
  std::vector<std::string> symbols;
};

TFARM_PARAM_FIELDS(sample_params, name, on, depth, ppm, seed, symbols)

class sample_actor : public runtime::managed_actor {
public:
  using params_type = sample_params;

  sample_actor(caf::actor_config& cfg, runtime::spawn_context ctx)
      : runtime::managed_actor(cfg, std::move(ctx)),
        params_(runtime::params_of<sample_params>(spec())) {
    // nop
  }

  caf::behavior make_behavior() override {
    return {[this](caf::get_atom) { return params_.depth; }};
  }

private:
  sample_params params_;
};

namespace {

std::string problem(const std::map<std::string, std::string>& params) {
  sample_params x;
  auto err = from_params(params, x);
  EXPECT_TRUE(err);
  EXPECT_EQ(err, runtime::runtime_errc::bad_parameter);
  return runtime::message_of(err);
}

} // namespace

TEST(kind_params, every_field_round_trips_through_the_spec_s_strings) {
  sample_params x;
  x.name = "sim-a";
  x.on = true;
  x.depth = 9'000'000'000;
  x.ppm = 4'000'000'000u;
  x.seed = 42;
  x.symbols = {"BTC-USD", "ETH-USD"};
  auto m = to_params(x);
  EXPECT_EQ(m.at("on"), "true");
  EXPECT_EQ(m.at("symbols"), "BTC-USD,ETH-USD");
  sample_params y;
  ASSERT_FALSE(from_params(m, y));
  EXPECT_TRUE(y == x);
  EXPECT_EQ(to_params(y), m);
  // The defaults round-trip too (an empty list included).
  sample_params z;
  ASSERT_FALSE(from_params(to_params(sample_params{}), z));
  EXPECT_TRUE(z == sample_params{});
}

TEST(kind_params, an_absent_key_keeps_its_default) {
  sample_params x;
  ASSERT_FALSE(from_params({{"depth", "7"}}, x));
  EXPECT_EQ(x.depth, 7);
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.seed, 1u);
}

TEST(kind_params, a_malformed_value_is_an_error_naming_key_value_and_rule) {
  EXPECT_EQ(problem({{"depth", "ten"}}),
            "parameter 'depth' = 'ten' must be an integer from 0 to 9223372036854775807");
  EXPECT_EQ(problem({{"depth", "-1"}}),
            "parameter 'depth' = '-1' must be an integer from 0 to 9223372036854775807");
  EXPECT_EQ(problem({{"ppm", "5000000000"}}),
            "parameter 'ppm' = '5000000000' must be an integer from 0 to 4294967295");
  EXPECT_EQ(problem({{"on", "1"}}), "parameter 'on' = '1' must be true or false");
  EXPECT_EQ(problem({{"symbols", "A,,B"}}),
            "parameter 'symbols' = 'A,,B' must be a comma-separated list without empty items");
}

TEST(kind_params, an_unknown_key_is_an_error_with_the_nearest_known_one) {
  EXPECT_EQ(problem({{"dept", "3"}}),
            "unknown parameter 'dept'; did you mean 'depth'? (known: name, on, depth, ppm, "
            "seed, symbols)");
}

class kind_params_spawn : public runtime_fixture {};

TEST_F(kind_params_spawn, a_spec_with_bad_parameters_is_refused_before_the_actor_exists) {
  make_context();
  auto kind = runtime::make_kind<sample_actor>("sample", "test");
  auto bad = spec("s1", "sample");
  bad.params["depth"] = "deep";
  runtime::spawn_context sc{"/s1", bad, ctx_, nullptr, {}};
  auto refused = kind.spawn(sys, nullptr, sc);
  ASSERT_FALSE(refused);
  EXPECT_EQ(runtime::message_of(refused.error()),
            "/s1 (sample): parameter 'depth' = 'deep' must be an integer from 0 to "
            "9223372036854775807");
  auto good = spec("s2", "sample");
  good.params["depth"] = "5";
  runtime::spawn_context sc2{"/s2", good, ctx_, nullptr, {}};
  auto spawned = kind.spawn(sys, nullptr, sc2);
  ASSERT_TRUE(spawned);
  roots_.push_back(*spawned);
  settle();
  auto depth = ask<int64_t>(*spawned, caf::get_atom_v);
  ASSERT_TRUE(depth) << runtime::to_text(depth.error());
  EXPECT_EQ(*depth, 5);
}

} // namespace tfarm::test
