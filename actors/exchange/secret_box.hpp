// Sealing exchange credentials at rest: AES-256-GCM (OpenSSL) under a
// master key that never touches the database.
//
// A sealed secret is: format byte (1) | master-key fingerprint (8) |
// nonce (12, random per seal) | ciphertext | tag (16). The fingerprint
// (first bytes of SHA-256 of the key) tells "wrong master key" apart from
// "altered data"; the associated data (e.g. "venue/account/key_id") binds a
// secret to its row, so a sealed secret copied onto another row does not
// open. Thread-safe: immutable after construction. Plaintext never goes to
// logs: errors name rows and fingerprints only. The key is wiped from
// memory when a box is destroyed; callers wipe what they opened
// (OPENSSL_cleanse) once used.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>

namespace tfarm::actors {

/// The environment variable that holds the master key (64 hex digits).
inline constexpr const char* master_key_env = "TFARM_MASTER_KEY";

class secret_box {
public:
  static constexpr size_t key_bytes = 32;
  static constexpr size_t nonce_bytes = 12;
  static constexpr size_t tag_bytes = 16;
  static constexpr size_t fingerprint_bytes = 8;
  static constexpr uint8_t format_version = 1;

  /// From 64 hex digits (surrounding whitespace ignored).
  static caf::expected<secret_box> from_hex(const std::string& hex);

  /// From a file holding 64 hex digits (errors name the file). A file that
  /// its group or others may read or write is refused, naming the chmod.
  static caf::expected<secret_box> from_file(const std::string& path);

  /// A new random master key, written to `path` (created 0600; an existing
  /// file is refused, never overwritten).
  static caf::expected<secret_box> create_file(const std::string& path);

  /// The node's master key: TFARM_MASTER_KEY (64 hex digits) if set, else
  /// `file` ([exchange] master_key_file); an error naming both if neither.
  static caf::expected<secret_box> configured(const std::string& file);

  /// Seals `plaintext` bound to `context` (any later open must name it).
  caf::expected<std::string> seal(const std::string& plaintext, const std::string& context) const;

  /// Opens what seal() made with the same key and context.
  caf::expected<std::string> open(const std::string& sealed, const std::string& context) const;

  /// The context a credential is sealed under: "venue/account/key_id" with
  /// '%' and '/' in each part escaped (%25, %2F), so that no two rows share
  /// one (venue "a/b" with account "c" is not venue "a" with account
  /// "b/c"). Names without those characters read as before.
  static std::string credential_context(const std::string& venue, const std::string& account,
                                        const std::string& key_id);

  ~secret_box();
  secret_box(const secret_box&) = default;
  secret_box& operator=(const secret_box&) = default;

  /// HMAC-SHA256 of `message` under `secret`, in hex: how a session proves
  /// to a venue that it holds an API secret without sending it.
  static std::string sign(const std::string& secret, const std::string& message);

  /// The answer to a venue's logon challenge: sign() over the account, the
  /// key id and the venue's nonce (credential_context escaping), so that a
  /// proof is good for one logon only.
  static std::string logon_proof(const std::string& secret, const std::string& account,
                                 const std::string& key_id, const std::string& nonce);

  /// `bytes` random bytes (OpenSSL's CSPRNG) in hex: nonces, tokens.
  static caf::expected<std::string> random_hex(size_t bytes);

  /// Hex of the key's fingerprint (safe to log).
  std::string fingerprint() const;

private:
  secret_box() = default;

  std::array<uint8_t, key_bytes> key_{};
  std::array<uint8_t, fingerprint_bytes> fingerprint_{};
};

} // namespace tfarm::actors
