// The admin token in force on a node, shared by its HTTP API and console.
//
// Only the token's SHA-256 is kept: from the configured token
// (TFARM_ADMIN_TOKEN or [http] admin_token) at start, replaced by the one a
// security lockdown issues (and made durable in the database's
// security_state, so that a restart does not bring the old one back).
// Comparison is constant-time over the digests.
// Thread-safe: every member may be called from any thread.
#pragma once

#include <mutex>
#include <string>

#include <caf/expected.hpp>

namespace tfarm::net {

/// Random bytes in an issued admin token (256 bits).
constexpr std::size_t admin_token_random_bytes = 32;

class admin_token {
public:
  /// `configured` empty: no token (every admin request is refused).
  explicit admin_token(const std::string& configured);

  /// True if some token is in force.
  bool configured() const;

  /// True if `presented` is the token in force.
  bool matches(const std::string& presented) const;

  /// Puts the token whose SHA-256 (64 lowercase hex digits) is `digest` in
  /// force; false (and nothing changes) for anything else.
  bool adopt(const std::string& digest);

  /// True if the token in force is the one whose SHA-256 is `digest`.
  bool holds(const std::string& digest) const;

  /// The SHA-256 of `token`, in lowercase hex.
  static std::string digest(const std::string& token);

  /// A new random token ("tfarm_" and 64 hex digits).
  static caf::expected<std::string> generate();

private:
  mutable std::mutex mtx_;
  std::string digest_;
};

} // namespace tfarm::net
