// Opening and reaching CAF ports the same way whether the node uses TLS or
// not (net/tls_identity.hpp): with CAF's openssl module loaded, every port
// goes through it. Internal to net (pulls in CAF's io and openssl headers).
#pragma once

#include <cstdint>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

namespace tfarm::net::detail {

/// Publishes `h` on `port` of `in` (nullptr: every address) with
/// SO_REUSEADDR; the bound port.
template <class Handle>
caf::expected<uint16_t> publish_on(caf::actor_system& sys, const Handle& h, uint16_t port,
                                   const char* in) {
  if (sys.has_openssl_manager())
    return caf::openssl::publish(h, port, in, true);
  return sys.middleman().publish(h, port, in, true);
}

/// The middleman actor to connect through (asynchronously, with a timeout:
/// connect_atom, host, port).
inline caf::io::middleman_actor connector(caf::actor_system& sys) {
  return sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                   : sys.middleman().actor_handle();
}

} // namespace tfarm::net::detail
