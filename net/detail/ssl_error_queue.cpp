#include "net/detail/ssl_error_queue.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

/// OpenSSL's definition of `name` (the next one after this executable's).
template <class F>
F openssl_own(const char* name) {
  auto f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (f == nullptr) {
    // The process cannot do TLS I/O at all: nothing sensible to go on with.
    std::fprintf(stderr, "tfarm: OpenSSL's %s not found (libssl must be linked dynamically)\n",
                 name);
    std::abort();
  }
  return f;
}

} // namespace

// The executable exports these (net/detail/ssl_error_queue.list), so that
// the dynamic linker binds libcaf_openssl's calls to them.
extern "C" {

int SSL_read(SSL* s, void* buf, int num) {
  static const auto f = openssl_own<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return f(s, buf, num);
}

int SSL_write(SSL* s, const void* buf, int num) {
  static const auto f = openssl_own<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return f(s, buf, num);
}

int SSL_accept(SSL* s) {
  static const auto f = openssl_own<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return f(s);
}

int SSL_connect(SSL* s) {
  static const auto f = openssl_own<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return f(s);
}

} // extern "C"

namespace tfarm::net::detail {

bool ssl_error_queue_guarded() {
  // What libcaf_openssl binds to: ours only if the executable exports it.
  return dlsym(RTLD_DEFAULT, "SSL_read") == reinterpret_cast<void*>(&SSL_read);
}

} // namespace tfarm::net::detail
