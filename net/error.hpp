// Error codes of the network layer (category "tfnet").
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::net {

enum class net_errc : uint8_t {
  none = 0,
  /// A "host:port" that does not parse.
  bad_endpoint,
  /// Publishing an actor on a port failed (in use, no permission).
  publish_failed,
  /// Connecting to another node failed.
  connect_failed,
  /// The HTTP server could not bind its address.
  http_bind_failed,
  /// A TLS file (CA, certificate, key) is missing, unreadable, open to
  /// other users, expired or does not fit the others.
  tls_invalid,
  /// Making a CA or a certificate failed (a file exists, no permission).
  certificate_failed,
  /// A CAF port would be open beyond loopback without TLS.
  insecure_bind,
  /// OpenSSL could not draw random bytes (an admin token).
  crypto_failed,
  /// A cluster member could not join, or a part of the node it needs (the
  /// store, a supervisor, the vault gateway) is not running.
  cluster_failed,
};

std::string to_string(net_errc x);

/// Registers the "tfnet" category with runtime::to_text() (idempotent).
void register_net_error_names();

} // namespace tfarm::net

CAF_ERROR_CODE_ENUM(tfarm::net::net_errc, "tfnet")
