#include "actors/exchange/secret_box.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "actors/exchange/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

namespace {

using ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

caf::error crypto_failure(const char* what) {
  return caf::error{exchange_errc::crypto_failed, std::string{"OpenSSL failed to "} + what};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string to_hex(const uint8_t* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

const uint8_t* bytes(const std::string& x) {
  return reinterpret_cast<const uint8_t*>(x.data());
}

} // namespace

caf::expected<secret_box> secret_box::from_hex(const std::string& hex) {
  auto first = hex.find_first_not_of(" \t\r\n");
  auto last = hex.find_last_not_of(" \t\r\n");
  auto digits = first == std::string::npos ? std::string{} : hex.substr(first, last - first + 1);
  if (digits.size() != 2 * key_bytes)
    return caf::error{exchange_errc::bad_master_key,
                      "the master key must be " + std::to_string(2 * key_bytes) +
                          " hex digits (256 bits), got " + std::to_string(digits.size()) +
                          " characters"};
  secret_box box;
  for (size_t i = 0; i < key_bytes; ++i) {
    auto hi = hex_value(digits[2 * i]);
    auto lo = hex_value(digits[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return caf::error{exchange_errc::bad_master_key,
                        "the master key must be hex digits only (0-9, a-f)"};
    box.key_[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  std::array<uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(box.key_.data(), box.key_.size(), digest.data());
  std::copy_n(digest.begin(), fingerprint_bytes, box.fingerprint_.begin());
  return box;
}

caf::expected<secret_box> secret_box::from_file(const std::string& path) {
  // The key opens every stored secret: a file others may read (or write)
  // has leaked it, or could swap it; refuse it rather than use it.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return caf::error{exchange_errc::bad_master_key, "the master key file " + path +
                                                         " is open to other users (mode " + mode +
                                                         "): chmod 600 " + path};
  }
  std::ifstream in{path};
  if (!in)
    return caf::error{exchange_errc::bad_master_key, "cannot read the master key file " + path};
  std::stringstream text;
  text << in.rdbuf();
  auto hex = text.str();
  auto box = from_hex(hex);
  OPENSSL_cleanse(hex.data(), hex.size());
  if (!box)
    return caf::error{exchange_errc::bad_master_key,
                      path + ": " + runtime::message_of(box.error())};
  return box;
}

caf::expected<secret_box> secret_box::create_file(const std::string& path) {
  auto hex = random_hex(key_bytes);
  if (!hex)
    return hex.error();
  auto fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    auto why = errno == EEXIST ? std::string{"it exists (a master key is never overwritten)"}
                               : std::string{std::strerror(errno)};
    OPENSSL_cleanse(hex->data(), hex->size());
    return caf::error{exchange_errc::bad_master_key,
                      "cannot create the master key file " + path + ": " + why};
  }
  auto line = *hex + "\n";
  auto written = ::write(fd, line.data(), line.size());
  auto synced = ::fsync(fd) == 0;
  ::close(fd);
  auto box = from_hex(*hex);
  OPENSSL_cleanse(hex->data(), hex->size());
  OPENSSL_cleanse(line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size()) || !synced) {
    ::unlink(path.c_str());
    return caf::error{exchange_errc::bad_master_key,
                      "cannot write the master key file " + path + ": " + std::strerror(errno)};
  }
  return box;
}

std::string secret_box::sign(const std::string& secret, const std::string& message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len);
  return to_hex(out, len);
}

std::string secret_box::logon_proof(const std::string& secret, const std::string& account,
                                    const std::string& key_id, const std::string& nonce) {
  return sign(secret, "logon/" + credential_context(account, key_id, nonce));
}

caf::expected<std::string> secret_box::random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  auto* p = reinterpret_cast<uint8_t*>(raw.data());
  if (RAND_bytes(p, static_cast<int>(bytes)) != 1)
    return crypto_failure("draw random bytes");
  auto hex = to_hex(p, raw.size());
  OPENSSL_cleanse(raw.data(), raw.size());
  return hex;
}

caf::expected<secret_box> secret_box::configured(const std::string& file) {
  if (auto env = std::getenv(master_key_env); env != nullptr && *env != '\0') {
    std::string hex = env;
    auto box = from_hex(hex);
    OPENSSL_cleanse(hex.data(), hex.size());
    return box;
  }
  if (file.empty())
    return caf::error{exchange_errc::bad_master_key, std::string{"no master key is given ("} +
                                                         master_key_env +
                                                         " or [exchange] master_key_file)"};
  return from_file(file);
}

secret_box::~secret_box() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string secret_box::credential_context(const std::string& venue, const std::string& account,
                                           const std::string& key_id) {
  std::string out;
  for (auto* part : {&venue, &account, &key_id}) {
    if (!out.empty())
      out += '/';
    for (char c : *part) {
      if (c == '%')
        out += "%25";
      else if (c == '/')
        out += "%2F";
      else
        out += c;
    }
  }
  return out;
}

std::string secret_box::fingerprint() const {
  return to_hex(fingerprint_.data(), fingerprint_.size());
}

caf::expected<std::string> secret_box::seal(const std::string& plaintext,
                                            const std::string& context) const {
  std::array<uint8_t, nonce_bytes> nonce{};
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
    return crypto_failure("draw a random nonce");
  ctx_ptr ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  if (!ctx)
    return crypto_failure("allocate a cipher context");
  std::string out;
  out.reserve(1 + fingerprint_bytes + nonce_bytes + plaintext.size() + tag_bytes);
  out += static_cast<char>(format_version);
  out.append(reinterpret_cast<const char*>(fingerprint_.data()), fingerprint_.size());
  out.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  auto header = out.size();
  out.resize(header + plaintext.size() + tag_bytes);
  auto* cipher = reinterpret_cast<uint8_t*>(&out[header]);
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_bytes),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_bytes),
                          cipher + plaintext.size()) != 1)
    return crypto_failure("encrypt");
  return out;
}

caf::expected<std::string> secret_box::open(const std::string& sealed,
                                            const std::string& context) const {
  auto header = 1 + fingerprint_bytes + nonce_bytes;
  if (sealed.size() < header + tag_bytes || static_cast<uint8_t>(sealed[0]) != format_version)
    return caf::error{exchange_errc::corrupt_secret,
                      "the sealed secret of " + context + " is malformed"};
  auto* fp = bytes(sealed) + 1;
  if (CRYPTO_memcmp(fp, fingerprint_.data(), fingerprint_bytes) != 0)
    return caf::error{exchange_errc::wrong_master_key,
                      "the secret of " + context + " was sealed under master key " +
                          to_hex(fp, fingerprint_bytes) + ", not the configured " + fingerprint() +
                          " (wrong master key)"};
  auto* nonce = fp + fingerprint_bytes;
  auto size = sealed.size() - header - tag_bytes;
  auto* cipher = bytes(sealed) + header;
  std::string out(size, '\0');
  std::array<uint8_t, tag_bytes> tag{};
  std::copy_n(cipher + size, tag_bytes, tag.begin());
  ctx_ptr ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  if (!ctx)
    return crypto_failure("allocate a cipher context");
  int len = 0;
  auto* plain = reinterpret_cast<uint8_t*>(out.data());
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_bytes),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain, &len, cipher, static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_bytes),
                          tag.data()) != 1)
    return crypto_failure("decrypt");
  if (EVP_DecryptFinal_ex(ctx.get(), plain + len, &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return caf::error{exchange_errc::corrupt_secret,
                      "the secret of " + context +
                          " fails authentication (altered, or sealed for another row)"};
  }
  return out;
}

} // namespace tfarm::actors
