#include "net/tls_identity.hpp"

#include <sys/stat.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/openssl/manager.hpp>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <spdlog/logger.h>

#include "net/cert_authority.hpp"
#include "net/detail/pem_files.hpp"
#include "net/detail/ssl_error_queue.hpp"
#include "net/error.hpp"
#include "net/logger.hpp"

namespace tfarm::net {

namespace {

caf::error invalid(const std::string& file, const std::string& setting, const std::string& why) {
  return caf::error{net_errc::tls_invalid, file + " (" + setting + "): " + why};
}

} // namespace

caf::expected<tls_identity> check_tls(const config::tls_settings& x, const std::string& role,
                                      const std::string& setting) {
  std::string why;
  auto ca = detail::read_certificate(x.ca, why);
  if (!ca)
    return invalid(x.ca, setting, why);
  auto cert = detail::read_certificate(x.cert, why);
  if (!cert)
    return invalid(x.cert, setting, why);
  struct stat st {};
  if (::stat(x.key.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return invalid(x.key, setting,
                   std::string{"the key is open to other users (mode "} + mode + "): chmod 600 " +
                       x.key);
  }
  auto key = detail::read_private_key(x.key, why);
  if (!key)
    return invalid(x.key, setting, why);
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return invalid(x.key, setting, "not the key of the certificate " + x.cert);
  }
  // The chain: the certificate is the CA's, and current.
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store{X509_STORE_new(), &X509_STORE_free};
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx{X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free};
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1)
    return invalid(x.cert, setting, detail::openssl_error("cannot check the certificate"));
  if (X509_verify_cert(ctx.get()) != 1) {
    auto code = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return invalid(x.cert, setting,
                   std::string{"not a valid certificate of the CA "} + x.ca + ": " +
                       X509_verify_cert_error_string(code));
  }
  tls_identity id;
  id.name = detail::subject_field(cert.get(), NID_commonName);
  id.role = detail::subject_field(cert.get(), NID_organizationalUnitName);
  id.days_left = detail::seconds_left(cert.get()) / 86'400;
  if (!role.empty() && id.role != role)
    return invalid(x.cert, setting,
                   "a certificate of role '" + id.role + "', where one of role '" + role +
                       "' is needed (tfarm certs issue --role " + role + ")");
  return id;
}

void use_tls(caf::actor_system_config& cfg, const config::tls_settings& x) {
  if (!detail::ssl_error_queue_guarded())
    log().warn("TLS: OpenSSL's error queue is not cleared before CAF's TLS calls: a peer that "
               "fails or leaves uncleanly may drop other connections");
  cfg.load<caf::openssl::manager>();
  cfg.openssl_cafile = x.ca;
  cfg.openssl_certificate = x.cert;
  cfg.openssl_key = x.key;
}

bool uses_tls(const caf::actor_system& sys) {
  return sys.has_openssl_manager();
}

} // namespace tfarm::net
