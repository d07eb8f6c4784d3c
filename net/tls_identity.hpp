// Mutual TLS for the CAF ports: checking the files before CAF sees them,
// and loading CAF's openssl module with them.
//
// Why check first: CAF's openssl module loads the files when the first
// connection is made and has no way to report a bad one but to abort. So a
// node (or a console client) checks everything at start and refuses to
// start with a message naming the file, what is wrong, and the setting.
// Stateless functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "config/farm_config.hpp"

namespace tfarm::net {

/// Fewer days than this before a certificate expires: a warning at start.
constexpr int64_t certificate_warn_days = 30;

/// Who the checked files say this process is.
struct tls_identity {
  /// Subject CN and OU ("node" or "operator") of the certificate.
  std::string name;
  std::string role;
  /// Whole days until the certificate expires.
  int64_t days_left = 0;
};

/// Checks `x` (all three files set): each file readable and PEM; the key
/// not open to other users and the certificate's own; the certificate
/// signed by the CA, current, and of `role` (node_role or operator_role,
/// net/cert_authority.hpp; empty: any). `setting` names where the files
/// were given ("[tls] in farm.toml:40:1", "--cert") for the messages.
caf::expected<tls_identity> check_tls(const config::tls_settings& x, const std::string& role,
                                      const std::string& setting);

/// Loads CAF's openssl module into `cfg` (after its middleman) with `x`:
/// from then on the system's publish and connect go through TLS with a
/// certificate required on both sides.
void use_tls(caf::actor_system_config& cfg, const config::tls_settings& x);

/// True if `sys` was configured by use_tls.
bool uses_tls(const caf::actor_system& sys);

} // namespace tfarm::net
