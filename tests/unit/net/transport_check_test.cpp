// What a node checks of its CAF ports before it starts (net/transport_check.hpp).
#include <gtest/gtest.h>

#include "net/cert_authority.hpp"
#include "net/error.hpp"
#include "net/transport_check.hpp"
#include "runtime/error_text.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

namespace tfarm::test {
namespace {

config::farm_config exposed_farm() {
  config::farm_config farm;
  farm.console.port = 4242;
  farm.console.bind = "0.0.0.0";
  farm.exchange.listen = "10.1.2.3:7400";
  config::venue_settings v;
  v.name = "far";
  v.kind = "remote";
  v.endpoint = "192.0.2.7:7400";
  farm.exchange.venues.push_back(v);
  return farm;
}

TEST(transport_check, loopback_is_127_slash_8_localhost_and_v6_one) {
  for (auto host : {"127.0.0.1", "127.3.4.5", "localhost", "::1"})
    EXPECT_TRUE(net::is_loopback(host)) << host;
  for (auto host : {"0.0.0.0", "10.0.0.1", "128.0.0.1", "example.org", ""})
    EXPECT_FALSE(net::is_loopback(host)) << host;
}

TEST(transport_check, every_caf_port_beyond_loopback_is_named) {
  auto xs = net::exposed_caf_endpoints(exposed_farm());
  ASSERT_EQ(xs.size(), 3u);
  EXPECT_EQ(xs[0], "the console on 0.0.0.0:4242");
  EXPECT_EQ(xs[1], "the venue directory ([exchange] listen) on 10.1.2.3:7400");
  EXPECT_EQ(xs[2], "remote venue far at 192.0.2.7:7400");
  config::farm_config local;
  local.exchange.listen = "127.0.0.1:0";
  EXPECT_TRUE(net::exposed_caf_endpoints(local).empty());
  local.console.bind = "0.0.0.0";
  local.console.port = 0; // off: nothing listens
  EXPECT_TRUE(net::exposed_caf_endpoints(local).empty());
}

TEST(transport_check, without_tls_an_exposed_port_is_refused_unless_insecure_which_warns) {
  net::register_net_error_names();
  std::vector<std::string> warnings;
  auto err = net::check_transport(exposed_farm(), false, warnings);
  EXPECT_EQ(runtime::to_text(err),
            "insecure_bind: the console on 0.0.0.0:4242 would be beyond loopback without TLS: "
            "set [tls] ca, cert and key (tfarm certs, docs/security.md), bind it to 127.0.0.1, "
            "or pass --insecure on a network you trust entirely");
  EXPECT_TRUE(warnings.empty());
  EXPECT_FALSE(net::check_transport(exposed_farm(), true, warnings));
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0].substr(0, 60),
            "--insecure: the console on 0.0.0.0:4242 is plain CAF without");
}

TEST(transport_check, with_tls_the_files_decide_and_a_near_expiry_is_warned) {
  temp_dir dir;
  auto pki = dir.file("pki");
  ASSERT_TRUE(net::cert_authority::init(pki, 365));
  ASSERT_TRUE(net::cert_authority::issue({pki, "n1", net::node_role, 10, ""}));
  ASSERT_TRUE(net::cert_authority::issue({pki, "n2", net::node_role, 200, ""}));
  auto farm = exposed_farm();
  farm.tls = {pki + "/ca.crt", pki + "/n2.crt", pki + "/n2.key", "farm.toml:9:1"};
  std::vector<std::string> warnings;
  EXPECT_FALSE(net::check_transport(farm, false, warnings));
  EXPECT_TRUE(warnings.empty());
  farm.tls.cert = pki + "/n1.crt";
  farm.tls.key = pki + "/n1.key";
  EXPECT_FALSE(net::check_transport(farm, false, warnings));
  ASSERT_EQ(warnings.size(), 1u);
  // 10 days from the second it was issued: 10, or 9 and some hours.
  EXPECT_TRUE(warnings[0].find("n1.crt expires in 10 days") != std::string::npos ||
              warnings[0].find("n1.crt expires in 9 days") != std::string::npos)
      << warnings[0];
  net::register_net_error_names();
  farm.tls.key = pki + "/n2.key";
  auto err = net::check_transport(farm, false, warnings);
  EXPECT_EQ(runtime::to_text(err), "tls_invalid: " + pki +
                                       "/n2.key ([tls] at farm.toml:9:1): not "
                                       "the key of the certificate " +
                                       pki + "/n1.crt");
}

} // namespace
} // namespace tfarm::test

namespace tfarm::test {
namespace {

TEST(transport_check, the_example_farms_token_guards_nothing_beyond_loopback) {
  net::register_net_error_names();
  config::farm_config farm;
  farm.http.port = 8080;
  farm.http.bind = "127.0.0.1";
  EXPECT_FALSE(net::check_admin_token(farm, config::demo_admin_token));
  farm.http.bind = "0.0.0.0";
  EXPECT_EQ(runtime::to_text(net::check_admin_token(farm, config::demo_admin_token)),
            "insecure_bind: the example farm's admin token guards the HTTP API on 0.0.0.0:8080, "
            "beyond loopback: everyone can read it in the sources; set TFARM_ADMIN_TOKEN (or "
            "[http] admin_token) to a secret of your own");
  EXPECT_FALSE(net::check_admin_token(farm, "a-secret-of-our-own-42"));
  farm.http.port = 0; // off: nothing to guard there
  farm.console.bind = "10.0.0.5";
  EXPECT_NE(runtime::to_text(net::check_admin_token(farm, config::demo_admin_token))
                .find("guards the console on 10.0.0.5:4242"),
            std::string::npos);
}

} // namespace
} // namespace tfarm::test
