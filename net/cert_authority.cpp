#include "net/cert_authority.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "net/detail/pem_files.hpp"
#include "net/error.hpp"

namespace tfarm::net {

namespace {

using detail::openssl_error;
using detail::pkey_ptr;
using detail::x509_ptr;

constexpr size_t name_chars_max = 64;
constexpr int serial_bits = 127;

caf::error failed(std::string why) {
  return caf::error{net_errc::certificate_failed, std::move(why)};
}

bool valid_name(const std::string& x) {
  if (x.empty() || x.size() > name_chars_max)
    return false;
  for (char c : x)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  return true;
}

// Refuses an existing file: a CA or a key is never replaced by accident.
caf::error refuse_existing(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    return failed(path + " exists already: remove it first if you mean to replace it");
  return {};
}

// Writes `pem` through `write` into a new file of mode `mode` (O_EXCL).
template <class F>
caf::error write_new(const std::string& path, mode_t mode, F write) {
  auto fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return failed("cannot create " + path + ": " + std::strerror(errno));
  auto bio = BIO_new_fd(fd, BIO_CLOSE);
  if (bio == nullptr) {
    ::close(fd);
    return failed("cannot write " + path + ": " + openssl_error("out of memory"));
  }
  auto ok = write(bio) == 1 && BIO_flush(bio) == 1;
  if (ok)
    ok = ::fsync(fd) == 0;
  BIO_free_all(bio);
  if (!ok) {
    ::unlink(path.c_str());
    return failed("cannot write " + path + ": " + openssl_error(std::strerror(errno)));
  }
  return {};
}

caf::error write_key(const std::string& path, EVP_PKEY* key) {
  return write_new(path, 0600, [key](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

caf::error write_cert(const std::string& path, X509* x) {
  return write_new(path, 0644, [x](BIO* b) { return PEM_write_bio_X509(b, x); });
}

caf::error add_ext(X509* issuer, X509* x, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  auto ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr)
    return failed(std::string{"cannot add extension "} + value + ": " + openssl_error("?"));
  auto ok = X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok ? caf::error{} : failed("cannot add extension: " + openssl_error("?"));
}

// A certificate for `key` named (cn, ou), valid for `days` (from five
// minutes ago: clocks of a cluster differ a little), without extensions
// and unsigned.
caf::expected<x509_ptr> make_cert(EVP_PKEY* key, const std::string& cn, const std::string& ou,
                                  int64_t days) {
  x509_ptr x{X509_new()};
  if (!x)
    return failed("out of memory");
  X509_set_version(x.get(), 2);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial{BN_new(), &BN_free};
  if (!serial || BN_rand(serial.get(), serial_bits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())) == nullptr)
    return failed("cannot make a serial number: " + openssl_error("?"));
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), static_cast<long>(days * 86'400));
  X509_set_pubkey(x.get(), key);
  auto name = X509_get_subject_name(x.get());
  auto add = [name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!add("O", "tfarm") || !add("OU", ou) || !add("CN", cn))
    return failed("cannot name the certificate: " + openssl_error("?"));
  return x;
}

// Signs `cert` with `signer` and writes `key` and `cert` to `out`. The key
// first: a certificate without its key is useless, a key without its
// certificate is only a file to remove.
caf::error sign_and_write(X509* cert, EVP_PKEY* signer, EVP_PKEY* key, const issued_files& out) {
  if (X509_sign(cert, signer, EVP_sha256()) == 0)
    return failed("cannot sign: " + openssl_error("?"));
  if (auto err = write_key(out.key, key))
    return err;
  if (auto err = write_cert(out.cert, cert)) {
    ::unlink(out.key.c_str());
    return err;
  }
  return {};
}

caf::error check_days(int64_t days) {
  if (days < 1 || days > certificate_days_max)
    return failed("--days must be 1 to " + std::to_string(certificate_days_max) + ", got " +
                  std::to_string(days));
  return {};
}

} // namespace

caf::expected<issued_files> cert_authority::init(const std::string& dir, int64_t days) {
  if (auto err = check_days(days))
    return err;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    if (::mkdir(dir.c_str(), 0700) != 0)
      return failed("cannot create " + dir + ": " + std::strerror(errno));
  }
  issued_files out{dir + "/ca.crt", dir + "/ca.key"};
  for (auto& f : {out.cert, out.key})
    if (auto err = refuse_existing(f))
      return err;
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key)
    return failed("cannot make a key: " + openssl_error("?"));
  auto x = make_cert(key.get(), "tfarm cluster CA", "ca", days);
  if (!x)
    return x.error();
  auto cert = x->get();
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            {NID_key_usage, "critical,keyCertSign,cRLSign"},
                            {NID_subject_key_identifier, "hash"}})
    if (auto err = add_ext(cert, cert, nid, value))
      return err;
  if (auto err = sign_and_write(cert, key.get(), key.get(), out))
    return err;
  return out;
}

caf::expected<issued_files> cert_authority::issue(const certificate_request& x) {
  if (!valid_name(x.name))
    return failed("--name '" + x.name + "' must be 1 to " + std::to_string(name_chars_max) +
                  " characters of A-Z a-z 0-9 _ . -");
  if (x.role != node_role && x.role != operator_role)
    return failed("--role must be node or operator, got '" + x.role + "'");
  if (x.name == "ca")
    return failed("--name ca is the authority's own");
  if (auto err = check_days(x.days))
    return err;
  issued_files out{x.dir + "/" + x.name + ".crt", x.dir + "/" + x.name + ".key"};
  for (auto& f : {out.cert, out.key})
    if (auto err = refuse_existing(f))
      return err;
  std::string why;
  auto ca_cert_file = x.dir + "/ca.crt";
  auto ca_key_file = x.ca_key.empty() ? x.dir + "/ca.key" : x.ca_key;
  auto ca = detail::read_certificate(ca_cert_file, why);
  if (!ca)
    return failed(ca_cert_file + ": " + why + " (make a CA with `tfarm certs init --dir " + x.dir +
                  "`)");
  auto ca_key = detail::read_private_key(ca_key_file, why);
  if (!ca_key)
    return failed(ca_key_file + ": " + why);
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
    ERR_clear_error();
    return failed(ca_key_file + " is not the key of " + ca_cert_file);
  }
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key)
    return failed("cannot make a key: " + openssl_error("?"));
  auto made = make_cert(key.get(), x.name, x.role, x.days);
  if (!made)
    return made.error();
  auto cert = made->get();
  X509_set_issuer_name(cert, X509_get_subject_name(ca.get()));
  auto usage = x.role == node_role ? "serverAuth,clientAuth" : "clientAuth";
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_ext_key_usage, usage},
                            {NID_subject_key_identifier, "hash"},
                            {NID_authority_key_identifier, "keyid:always"}})
    if (auto err = add_ext(ca.get(), cert, nid, value))
      return err;
  if (auto err = sign_and_write(cert, ca_key.get(), key.get(), out))
    return err;
  return out;
}

} // namespace tfarm::net
