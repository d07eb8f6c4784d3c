// Credentials at rest: a sealed secret opens only with its master key and
// its row, says which of the two is wrong, and never shows its plaintext.
#include <fstream>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "actors/exchange/secret_box.hpp"
#include "runtime/error_text.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

using tfarm::actors::secret_box;
using tfarm::runtime::to_text;

namespace {

const std::string key_a = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string key_b = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

TEST(secret_box, a_secret_round_trips_and_each_seal_differs) {
  auto box = secret_box::from_hex(key_a);
  ASSERT_TRUE(box);
  auto s1 = box->seal("api-secret-123", "sim/alice-main/k1");
  auto s2 = box->seal("api-secret-123", "sim/alice-main/k1");
  ASSERT_TRUE(s1 && s2);
  EXPECT_NE(*s1, *s2) << "a fresh nonce per seal";
  EXPECT_EQ(s1->find("api-secret-123"), std::string::npos) << "no plaintext in the blob";
  auto opened = box->open(*s1, "sim/alice-main/k1");
  ASSERT_TRUE(opened) << to_text(opened.error());
  EXPECT_EQ(*opened, "api-secret-123");
  EXPECT_EQ(box->fingerprint().size(), 16u);
}

TEST(secret_box, a_credential_is_bound_to_its_row_however_its_names_are_cut) {
  auto box = secret_box::from_hex(key_a);
  ASSERT_TRUE(box);
  // venue "a/b" + account "c" and venue "a" + account "b/c" would both read
  // "a/b/c/k1" unescaped.
  auto one = secret_box::credential_context("a/b", "c", "k1");
  auto two = secret_box::credential_context("a", "b/c", "k1");
  EXPECT_EQ(one, "a%2Fb/c/k1");
  EXPECT_EQ(two, "a/b%2Fc/k1");
  EXPECT_EQ(secret_box::credential_context("a%2Fb", "c", "k1"), "a%252Fb/c/k1");
  auto sealed = box->seal("s3cr3t", one);
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(box->open(*sealed, one));
  EXPECT_FALSE(box->open(*sealed, two));
  // Plain names read as they always did: secrets sealed before still open.
  EXPECT_EQ(secret_box::credential_context("sim", "alice-main", "k1"), "sim/alice-main/k1");
}

TEST(secret_box, the_wrong_master_key_is_named_as_such) {
  auto a = secret_box::from_hex(key_a);
  auto b = secret_box::from_hex(key_b);
  auto sealed = a->seal("s3cr3t", "sim/alice-main/k1");
  auto opened = b->open(*sealed, "sim/alice-main/k1");
  ASSERT_FALSE(opened);
  EXPECT_EQ(to_text(opened.error()),
            "wrong_master_key: the secret of sim/alice-main/k1 was sealed under master key " +
                a->fingerprint() + ", not the configured " + b->fingerprint() +
                " (wrong master key)");
  EXPECT_EQ(to_text(opened.error()).find("s3cr3t"), std::string::npos);
}

TEST(secret_box, an_altered_or_moved_secret_does_not_open) {
  auto box = secret_box::from_hex(key_a);
  auto sealed = *box->seal("s3cr3t", "sim/alice-main/k1");
  EXPECT_EQ(to_text(box->open(sealed, "sim/bob-main/k1").error()),
            "corrupt_secret: the secret of sim/bob-main/k1 fails authentication (altered, or "
            "sealed for another row)");
  auto flipped = sealed;
  flipped[flipped.size() - 20] ^= 1;
  EXPECT_FALSE(box->open(flipped, "sim/alice-main/k1"));
  EXPECT_EQ(to_text(box->open("x", "sim/alice-main/k1").error()),
            "corrupt_secret: the sealed secret of sim/alice-main/k1 is malformed");
}

TEST(secret_box, a_bad_master_key_is_refused_with_what_was_expected) {
  EXPECT_EQ(to_text(secret_box::from_hex("abc").error()),
            "bad_master_key: the master key must be 64 hex digits (256 bits), got 3 characters");
  EXPECT_EQ(to_text(secret_box::from_hex(std::string(64, 'g')).error()),
            "bad_master_key: the master key must be hex digits only (0-9, a-f)");
  tfarm::test::temp_dir dir;
  auto file = dir.file("master.key");
  std::ofstream{file} << key_a << "\n";
  // Readable by others: refused, naming the fix.
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  EXPECT_EQ(to_text(secret_box::from_file(file).error()),
            "bad_master_key: the master key file " + file +
                " is open to other users (mode 0644): chmod 600 " + file);
  ASSERT_EQ(::chmod(file.c_str(), 0620), 0);
  EXPECT_FALSE(secret_box::from_file(file));
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  auto box = secret_box::from_file(file);
  ASSERT_TRUE(box);
  EXPECT_EQ(box->fingerprint(), secret_box::from_hex(key_a)->fingerprint());
  EXPECT_EQ(to_text(secret_box::from_file(dir.file("none.key")).error()),
            "bad_master_key: cannot read the master key file " + dir.file("none.key"));
}

} // namespace
