#include "runtime/checkpoint.hpp"

#include <gtest/gtest.h>

#include "runtime/error_text.hpp"
#include "runtime/memory_checkpoint_store.hpp"
#include "runtime/state_codec.hpp"

using namespace tfarm::runtime;

TEST(checkpoint, crc32_matches_the_standard_check_value) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
}

TEST(checkpoint, intact_detects_a_flipped_bit) {
  checkpoint cp;
  cp.blob = "some state";
  cp.crc32 = crc32(cp.blob);
  EXPECT_TRUE(cp.intact());
  cp.blob[3] = static_cast<char>(cp.blob[3] ^ 1);
  EXPECT_FALSE(cp.intact());
}

TEST(memory_checkpoint_backend, keeps_the_newest_per_path_with_increasing_seq) {
  memory_checkpoint_backend b;
  checkpoint x;
  x.path = "/a";
  x.blob = "1";
  auto s1 = b.save(x);
  x.blob = "2";
  auto s2 = b.save(x);
  x.path = "/b";
  auto s3 = b.save(x);
  EXPECT_LT(s1, s2);
  EXPECT_LT(s2, s3);
  EXPECT_EQ(b.load("/a").blob, "2");
  EXPECT_EQ(b.load("/a").seq, s2);
  EXPECT_TRUE(b.load("/nope").empty());
  EXPECT_EQ(b.size(), 2u);
}

namespace {

struct sample_state {
  uint64_t a = 0;
  std::string b;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(a, b);
  }
};

} // namespace

TEST(state_codec, a_length_beyond_the_blob_is_refused_before_anything_is_allocated) {
  // Format byte (little-endian), `a`, then a string said to hold 1 TiB.
  std::string blob{"\x01"};
  blob += std::string(8, '\0');
  uint64_t huge = uint64_t{1} << 40;
  blob.append(reinterpret_cast<const char*>(&huge), sizeof(huge));
  sample_state out{7, "keep"};
  auto err = decode_state(blob, out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), static_cast<uint8_t>(runtime_errc::restore_failed));
  EXPECT_NE(to_text(err).find("a length of 1099511627776 with 0 bytes left"), std::string::npos)
      << to_text(err);
  EXPECT_EQ(out.b, "keep");
}

TEST(state_codec, round_trips_and_refuses_garbage_without_throwing) {
  sample_state in{42, "hello"};
  auto blob = encode_state(in);
  sample_state out;
  EXPECT_FALSE(decode_state(blob, out));
  EXPECT_EQ(out.a, 42u);
  EXPECT_EQ(out.b, "hello");
  sample_state untouched{7, "keep"};
  auto err = decode_state(std::string{"\x01\x02"}, untouched);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), static_cast<uint8_t>(runtime_errc::restore_failed));
  EXPECT_EQ(untouched.a, 7u);
  EXPECT_EQ(untouched.b, "keep");
}
