#include "net/detail/pem_files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace tfarm::net::detail {

namespace {

struct file_close {
  void operator()(FILE* f) const noexcept { std::fclose(f); }
};

std::unique_ptr<FILE, file_close> open_file(const std::string& path, std::string& why) {
  std::unique_ptr<FILE, file_close> f{std::fopen(path.c_str(), "rb")};
  if (!f)
    why = std::string{"cannot read it: "} + std::strerror(errno);
  return f;
}

} // namespace

std::string openssl_error(const std::string& fallback) {
  std::string msg;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!msg.empty())
      msg += "; ";
    msg += buf;
  }
  return msg.empty() ? fallback : msg;
}

x509_ptr read_certificate(const std::string& path, std::string& why) {
  auto f = open_file(path, why);
  if (!f)
    return nullptr;
  x509_ptr x{PEM_read_X509(f.get(), nullptr, nullptr, nullptr)};
  if (!x)
    why = "no PEM certificate in it (" + openssl_error("unreadable") + ")";
  return x;
}

pkey_ptr read_private_key(const std::string& path, std::string& why) {
  auto f = open_file(path, why);
  if (!f)
    return nullptr;
  // No passphrase callback: an encrypted key is refused, not prompted for
  // (a node starts unattended).
  static constexpr auto no_passphrase = [](char*, int, int, void*) { return 0; };
  pkey_ptr k{PEM_read_PrivateKey(f.get(), nullptr, no_passphrase, nullptr)};
  if (!k)
    why = "no unencrypted PEM private key in it (" + openssl_error("unreadable") + ")";
  return k;
}

std::string subject_field(const X509* x, int nid) {
  auto name = X509_get_subject_name(x);
  auto i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0)
    return {};
  auto data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  auto n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0)
    return {};
  std::string result{reinterpret_cast<char*>(utf8), static_cast<size_t>(n)};
  OPENSSL_free(utf8);
  return result;
}

int64_t seconds_left(const X509* x) {
  int days = 0;
  int secs = 0;
  if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(x)) != 1)
    return -1;
  return int64_t{days} * 86'400 + secs;
}

} // namespace tfarm::net::detail
