// A console request signed with an operator key proves who sent it to a
// node of the same CA, and nothing else does (net/operator_proof.hpp).
#include <filesystem>
#include <limits>
#include <tuple>

#include <gtest/gtest.h>

#include "config/limits.hpp"
#include "net/cert_authority.hpp"
#include "net/error.hpp"
#include "net/operator_proof.hpp"
#include "runtime/error_text.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

namespace tfarm::test {
namespace {

class operator_proof_test : public testing::Test {
protected:
  void SetUp() override {
    net::register_net_error_names();
    for (auto [dir, name, role] : {std::tuple{"pki", "alice", net::operator_role},
                                   {"pki", "n1", net::node_role},
                                   {"other", "mallory", net::operator_role}}) {
      auto path = dir_.file(dir);
      if (!net::cert_authority::init(path, 30) && !std::filesystem::exists(path + "/ca.crt"))
        FAIL() << "no CA in " << path;
      ASSERT_TRUE(net::cert_authority::issue({path, name, role, 30, ""}));
    }
  }

  net::operator_signer signer(const std::string& dir, const std::string& name) {
    auto path = dir_.file(dir);
    auto s = net::operator_signer::load(
        {path + "/ca.crt", path + "/" + name + ".crt", path + "/" + name + ".key", ""});
    EXPECT_TRUE(s) << runtime::to_text(s.error());
    return *s;
  }

  std::string verify(const net::console_request& r, int64_t now = now_ms) {
    auto v = net::operator_verifier::load(dir_.file("pki") + "/ca.crt");
    EXPECT_TRUE(v);
    auto who = v->verify(r, now);
    return who ? "ok " + *who : runtime::message_of(who.error());
  }

  static net::console_request request() {
    return {"token-0123456789ab", "claims-to-be-root", {"halt", "--farm"}, {}, 0, {}};
  }

  static constexpr int64_t now_ms = 1'800'000'000'000;
  temp_dir dir_;
};

TEST_F(operator_proof_test, the_certificate_names_the_operator_not_the_request) {
  auto r = request();
  signer("pki", "alice").sign(r, now_ms);
  EXPECT_EQ(verify(r), "ok alice");
  // Within the clocks' skew either way.
  EXPECT_EQ(verify(r, now_ms + config::console_signature_skew_ms), "ok alice");
  EXPECT_EQ(verify(r, now_ms - config::console_signature_skew_ms), "ok alice");
}

TEST_F(operator_proof_test, anything_changed_or_missing_proves_nobody) {
  auto signed_request = request();
  signer("pki", "alice").sign(signed_request, now_ms);
  auto r = signed_request;
  r.args.back() = "--user";
  EXPECT_EQ(verify(r), "the signature does not match the request and the certificate of 'alice'");
  r = signed_request;
  r.token += "x";
  EXPECT_EQ(verify(r), "the signature does not match the request and the certificate of 'alice'");
  r = signed_request;
  r.args = {"halt", "--", "farm"}; // the same characters, other words
  EXPECT_NE(verify(r).substr(0, 2), "ok");
  EXPECT_EQ(verify(signed_request, now_ms + config::console_signature_skew_ms + 1'000),
            "the request was signed -61 s from this node's time (at most 60 s apart: check both "
            "clocks)");
  // A time at either end of the range (a peer sends whatever it likes).
  for (auto at : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    r = signed_request;
    r.signed_at_ms = at;
    auto why = verify(r);
    EXPECT_EQ(why.rfind(at < 0 ? "the request was signed -9223" : "the request was signed 9223", 0),
              0u)
        << why;
  }
  r = request();
  EXPECT_EQ(verify(r), "this node requires a signed request from an operator certificate of its "
                       "CA (tfarm console --ca --cert --key)");
  r = request();
  signer("other", "mallory").sign(r, now_ms);
  EXPECT_EQ(verify(r), "the certificate is not one of this node's CA: unable to get local issuer "
                       "certificate");
  r = request();
  signer("pki", "n1").sign(r, now_ms);
  EXPECT_EQ(verify(r), "the certificate of 'n1' is not an operator's");
  // Alice's certificate with mallory's signature.
  r = request();
  signer("other", "mallory").sign(r, now_ms);
  r.certificate = signed_request.certificate;
  EXPECT_EQ(verify(r), "the signature does not match the request and the certificate of 'alice'");
}

} // namespace
} // namespace tfarm::test
