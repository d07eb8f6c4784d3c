#include "net/operator_proof.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "config/limits.hpp"
#include "net/cert_authority.hpp"
#include "net/detail/pem_files.hpp"
#include "net/error.hpp"

namespace tfarm::net {

namespace {

caf::error invalid(const std::string& why) {
  return caf::error{net_errc::tls_invalid, why};
}

struct md_ctx_free {
  void operator()(EVP_MD_CTX* x) const noexcept { EVP_MD_CTX_free(x); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

detail::x509_ptr parse_certificate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  if (!bio)
    return nullptr;
  return detail::x509_ptr{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
}

} // namespace

std::string signed_bytes(const console_request& x) {
  std::string out = "tfarm console request 1\n" + std::to_string(x.signed_at_ms) + "\n";
  auto add = [&out](const std::string& s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
  };
  add(x.token);
  for (auto& w : x.args)
    add(w);
  return out;
}

// -- operator_signer ------------------------------------------------------------------------

struct operator_signer::state {
  std::string certificate;
  detail::pkey_ptr key;
};

caf::expected<operator_signer> operator_signer::load(const config::tls_settings& x) {
  std::ifstream in{x.cert};
  std::stringstream text;
  text << in.rdbuf();
  if (!in)
    return invalid(x.cert + ": cannot read it");
  std::string why;
  auto key = detail::read_private_key(x.key, why);
  if (!key)
    return invalid(x.key + ": " + why);
  auto s = std::make_shared<state>();
  s->certificate = text.str();
  s->key = std::move(key);
  operator_signer result;
  result.state_ = std::move(s);
  return result;
}

void operator_signer::sign(console_request& x, int64_t now_ms) const {
  x.certificate = state_->certificate;
  x.signed_at_ms = now_ms;
  x.signature.clear();
  auto data = signed_bytes(x);
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, state_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    ERR_clear_error();
    return; // unsigned: the node refuses it and says why
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    ERR_clear_error();
    return;
  }
  sig.resize(len);
  x.signature = std::move(sig);
}

// -- operator_verifier ----------------------------------------------------------------------

struct operator_verifier::state {
  detail::x509_ptr ca;
};

caf::expected<operator_verifier> operator_verifier::load(const std::string& ca_file) {
  std::string why;
  auto ca = detail::read_certificate(ca_file, why);
  if (!ca)
    return invalid(ca_file + ": " + why);
  auto s = std::make_shared<state>();
  s->ca = std::move(ca);
  operator_verifier result;
  result.state_ = std::move(s);
  return result;
}

caf::expected<std::string> operator_verifier::verify(const console_request& x,
                                                     int64_t now_ms) const {
  if (x.certificate.empty() || x.signature.empty())
    return invalid("this node requires a signed request from an operator certificate of its CA "
                   "(tfarm console --ca --cert --key)");
  if (x.certificate.size() > config::console_certificate_bytes_max ||
      x.signature.size() > config::console_signature_bytes_max)
    return invalid("the certificate or the signature is larger than a console accepts");
  // Compared without subtracting the peer's value, which may be anything
  // (INT64_MIN minus a time overflows).
  if (x.signed_at_ms > now_ms + config::console_signature_skew_ms ||
      x.signed_at_ms < now_ms - config::console_signature_skew_ms)
    return invalid(
        "the request was signed " +
        std::to_string(std::llround((static_cast<long double>(x.signed_at_ms) - now_ms) / 1000)) +
        " s from this node's time (at most " +
        std::to_string(config::console_signature_skew_ms / 1000) + " s apart: check both clocks)");
  auto cert = parse_certificate(x.certificate);
  if (!cert) {
    ERR_clear_error();
    return invalid("the certificate sent is no PEM certificate");
  }
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store{X509_STORE_new(), &X509_STORE_free};
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx{X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free};
  if (!store || !ctx || X509_STORE_add_cert(store.get(), state_->ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1)
    return invalid(detail::openssl_error("cannot check the certificate"));
  if (X509_verify_cert(ctx.get()) != 1) {
    auto code = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return invalid(std::string{"the certificate is not one of this node's CA: "} +
                   X509_verify_cert_error_string(code));
  }
  auto name = detail::subject_field(cert.get(), NID_commonName);
  if (detail::subject_field(cert.get(), NID_organizationalUnitName) != operator_role ||
      name.empty())
    return invalid("the certificate of '" + name + "' is not an operator's");
  auto data = signed_bytes(x);
  md_ctx_ptr md{EVP_MD_CTX_new()};
  auto ok = md &&
            EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr,
                                 X509_get0_pubkey(cert.get())) == 1 &&
            EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(x.signature.data()),
                             x.signature.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  ERR_clear_error();
  if (!ok)
    return invalid("the signature does not match the request and the certificate of '" + name +
                   "'");
  return name;
}

} // namespace tfarm::net
