// Who sent a console command, proven by a certificate of the cluster CA.
//
// Why not the TLS peer's certificate: CAF 0.17's openssl module keeps the
// TLS session to itself (no actor sees the peer's certificate), and a
// request may be forwarded by one node to another (`--node`). So on a node
// with [tls] the client signs each request with its operator key (ECDSA
// over SHA-256 of the token, the time and the words) and sends its
// certificate along; the node checks the certificate against the CA (an
// operator's, current), the signature, and that the time is within
// console_signature_skew_ms of its own. The certificate's common name is
// then the operator in the audit log. TLS around it keeps the request from
// being read or replayed by anyone outside the cluster's certificates.
//
// Thread-safety: a signer or a verifier may be used from any thread after
// it was made (OpenSSL objects are read only).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "config/farm_config.hpp"
#include "net/console_protocol.hpp"

namespace tfarm::net {

/// The client side: signs requests with an operator's key.
class operator_signer {
public:
  /// Loads the certificate and key of `x` (check_tls them first).
  static caf::expected<operator_signer> load(const config::tls_settings& x);

  /// Fills in x.certificate, x.signed_at_ms and x.signature.
  void sign(console_request& x, int64_t now_ms) const;

private:
  struct state;
  std::shared_ptr<const state> state_;
};

/// The node side: checks a request's proof against the cluster CA.
class operator_verifier {
public:
  /// Loads the CA certificate `ca_file`.
  static caf::expected<operator_verifier> load(const std::string& ca_file);

  /// The operator's name (the certificate's common name), or why the
  /// request proves nobody.
  caf::expected<std::string> verify(const console_request& x, int64_t now_ms) const;

private:
  struct state;
  std::shared_ptr<const state> state_;
};

/// The bytes a proof signs: a version tag, the time, the token and each
/// word, each with its length (no two requests share them).
std::string signed_bytes(const console_request& x);

} // namespace tfarm::net
