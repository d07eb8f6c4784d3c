#include "net/transport_check.hpp"

#include "config/endpoint.hpp"
#include "config/limits.hpp"
#include "net/cert_authority.hpp"
#include "net/error.hpp"
#include "net/tls_identity.hpp"

namespace tfarm::net {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.compare(0, 4, "127.") == 0;
}

std::vector<std::string> exposed_caf_endpoints(const config::farm_config& farm) {
  std::vector<std::string> out;
  if (farm.console.port != 0 && !is_loopback(farm.console.bind))
    out.push_back("the console on " + farm.console.bind + ":" + std::to_string(farm.console.port));
  std::string why;
  if (auto ep = config::parse_endpoint(farm.exchange.listen, true, why);
      ep && !is_loopback(ep->host))
    out.push_back("the venue directory ([exchange] listen) on " + farm.exchange.listen);
  for (auto& v : farm.exchange.venues) {
    if (v.kind != "remote")
      continue;
    if (auto ep = config::parse_endpoint(v.endpoint, false, why); ep && !is_loopback(ep->host))
      out.push_back("remote venue " + v.name + " at " + v.endpoint);
  }
  return out;
}

caf::error check_transport(const config::farm_config& farm, bool insecure,
                           std::vector<std::string>& warnings) {
  if (farm.tls.enabled()) {
    auto id = check_tls(farm.tls, node_role, "[tls] at " + farm.tls.origin);
    if (!id)
      return std::move(id.error());
    if (id->days_left < certificate_warn_days)
      warnings.push_back("the node certificate " + farm.tls.cert + " expires in " +
                         std::to_string(id->days_left) +
                         " days: issue a new one (tfarm certs issue, docs/security.md)");
    return {};
  }
  auto exposed = exposed_caf_endpoints(farm);
  if (exposed.empty())
    return {};
  if (!insecure)
    return caf::error{net_errc::insecure_bind,
                      exposed.front() +
                          " would be beyond loopback without TLS: set [tls] ca, cert and key "
                          "(tfarm certs, docs/security.md), bind it to 127.0.0.1, or pass "
                          "--insecure on a network you trust entirely"};
  for (auto& e : exposed)
    warnings.push_back("--insecure: " + e +
                       " is plain CAF without TLS: anyone who reaches it can send any actor "
                       "of this node a message and exhaust its memory");
  return {};
}

caf::error check_admin_token(const config::farm_config& farm, const std::string& token) {
  if (token != config::demo_admin_token)
    return {};
  std::string where;
  if (farm.http.port != 0 && !is_loopback(farm.http.bind))
    where = "the HTTP API on " + farm.http.bind + ":" + std::to_string(farm.http.port);
  else if (farm.console.port != 0 && !is_loopback(farm.console.bind))
    where = "the console on " + farm.console.bind + ":" + std::to_string(farm.console.port);
  if (where.empty())
    return {};
  return caf::error{net_errc::insecure_bind,
                    "the example farm's admin token guards " + where +
                        ", beyond loopback: everyone can read it in the sources; set "
                        "TFARM_ADMIN_TOKEN (or [http] admin_token) to a secret of your own"};
}

} // namespace tfarm::net
