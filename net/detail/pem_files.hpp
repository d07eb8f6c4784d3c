// Small RAII and file helpers over OpenSSL's libcrypto, shared by the
// certificate authority and the TLS checks (not part of net's interface).
#pragma once

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace tfarm::net::detail {

struct x509_free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct pkey_free {
  void operator()(EVP_PKEY* x) const noexcept { EVP_PKEY_free(x); }
};

using x509_ptr = std::unique_ptr<X509, x509_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

/// OpenSSL's queued errors as one line (and clears the queue); `fallback`
/// when there are none.
std::string openssl_error(const std::string& fallback);

/// The first PEM certificate of `path`, or null with `why` set.
x509_ptr read_certificate(const std::string& path, std::string& why);

/// The PEM private key of `path`, or null with `why` set.
pkey_ptr read_private_key(const std::string& path, std::string& why);

/// A field of the certificate's subject (NID_commonName,
/// NID_organizationalUnitName), empty if absent.
std::string subject_field(const X509* x, int nid);

/// Seconds from now until the certificate expires (negative: expired).
int64_t seconds_left(const X509* x);

} // namespace tfarm::net::detail
