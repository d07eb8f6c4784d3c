// The cluster's certificate authority (`tfarm certs`): a CA of its own that
// signs the certificates of nodes and operators, which every CAF port of
// the farm then requires (mutual TLS, docs/security.md). OpenSSL's
// libcrypto, EC P-256 keys, SHA-256 signatures.
//
// Files: DIR/ca.crt and DIR/ca.key (init); DIR/NAME.crt and DIR/NAME.key
// (issue). Keys are written 0600; nothing is ever overwritten. The CA's
// key may live elsewhere (offline): issue takes its path.
//
// A certificate names its holder (subject CN) and its role (subject OU:
// "node" or "operator"). A node's may serve and connect (extended key
// usage serverAuth and clientAuth); an operator's may only connect
// (clientAuth), so no operator certificate can pose as a node.
//
// Stateless functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace tfarm::net {

/// Default lifetimes, in days.
constexpr int64_t ca_days_default = 3'650;
constexpr int64_t certificate_days_default = 365;
constexpr int64_t certificate_days_max = 36'500;

/// The roles a certificate can have (subject OU).
inline constexpr const char* node_role = "node";
inline constexpr const char* operator_role = "operator";

struct certificate_request {
  /// Where ca.crt is and NAME.crt / NAME.key go.
  std::string dir;
  /// The holder: 1 to 64 characters of A-Z a-z 0-9 _ . -
  std::string name;
  /// node_role or operator_role.
  std::string role;
  int64_t days = certificate_days_default;
  /// The CA's key (empty: DIR/ca.key).
  std::string ca_key;
};

/// What was written.
struct issued_files {
  std::string cert;
  std::string key;
};

class cert_authority {
public:
  /// Makes a new CA in `dir` (created 0700 if missing): ca.crt, ca.key.
  /// Refuses if either exists.
  static caf::expected<issued_files> init(const std::string& dir, int64_t days);

  /// Issues a certificate for `x.name` signed by the CA of `x.dir`.
  /// Refuses if NAME.crt or NAME.key exists, or the CA's key does not
  /// belong to its certificate.
  static caf::expected<issued_files> issue(const certificate_request& x);
};

} // namespace tfarm::net
