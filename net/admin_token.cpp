#include "net/admin_token.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "net/error.hpp"

namespace tfarm::net {

namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

bool is_digest(const std::string& x) {
  return x.size() == 2 * SHA256_DIGEST_LENGTH && std::all_of(x.begin(), x.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

} // namespace

admin_token::admin_token(const std::string& configured)
    : digest_(configured.empty() ? std::string{} : digest(configured)) {
  // nop
}

bool admin_token::configured() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return !digest_.empty();
}

bool admin_token::matches(const std::string& presented) const {
  auto d = digest(presented);
  std::lock_guard<std::mutex> guard{mtx_};
  return !digest_.empty() && d.size() == digest_.size() &&
         CRYPTO_memcmp(d.data(), digest_.data(), d.size()) == 0;
}

bool admin_token::adopt(const std::string& digest) {
  if (!is_digest(digest))
    return false;
  std::lock_guard<std::mutex> guard{mtx_};
  digest_ = digest;
  return true;
}

bool admin_token::holds(const std::string& digest) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return digest_ == digest;
}

std::string admin_token::digest(const std::string& token) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), out);
  return to_hex(out, sizeof(out));
}

caf::expected<std::string> admin_token::generate() {
  unsigned char raw[admin_token_random_bytes];
  if (RAND_bytes(raw, sizeof(raw)) != 1)
    return caf::error{net_errc::crypto_failed, "OpenSSL's random generator failed"};
  auto token = "tfarm_" + to_hex(raw, sizeof(raw));
  OPENSSL_cleanse(raw, sizeof(raw));
  return token;
}

} // namespace tfarm::net
