// What a node checks of its CAF ports before it starts: with [tls], that
// the files are good and the certificate is a node's; without, that no CAF
// port is open to, or connects to, anything beyond loopback (CAF's plain
// BASP trusts its peers: a header alone makes it allocate any size).
// Stateless; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include <caf/error.hpp>

#include "config/farm_config.hpp"

namespace tfarm::net {

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

/// The CAF endpoints of `farm` beyond loopback, described for people
/// ("the console on 0.0.0.0:7300", "remote venue v1 at 10.0.0.2:7400").
std::vector<std::string> exposed_caf_endpoints(const config::farm_config& farm);

/// Refuses what must not start (net_errc::tls_invalid, insecure_bind);
/// adds to `warnings` what may start but must be said at every start (a
/// certificate about to expire; each exposed endpoint when `insecure`).
caf::error check_transport(const config::farm_config& farm, bool insecure,
                           std::vector<std::string>& warnings);

/// Refuses the example farm's admin token (config::demo_admin_token) as
/// `token` when the HTTP API or the console listens beyond loopback: it is
/// published with the sources (net_errc::insecure_bind).
caf::error check_admin_token(const config::farm_config& farm, const std::string& token);

} // namespace tfarm::net
