// A plain TCP look at a peer before CAF's TLS connect is asked to reach it.
//
// CAF 0.17.6's TLS connect (libcaf_openssl middleman_actor::connect) leaks
// the socket when the peer resets the connection before the first TLS
// record is written: make_session fails and the descriptor is never
// closed. A peer that accepts and drops every connection at once (a proxy
// whose backend is down, a node shutting down) would cost a descriptor per
// attempt. The probe opens a connection of its own, waits `hold` for the
// peer to drop it, and always closes it: only a peer that kept it open is
// handed to CAF. A peer that drops CAF's connection but not the probe's
// can still cost one descriptor; that takes a peer that changes its mind
// within milliseconds, not one that is down.
//
// Under TLS the probe also sends a TLS ClientHello and waits for the
// peer's first answer: a peer whose socket accepts but whose process does
// not answer (stopped, hung, overloaded: the kernel's backlog takes the
// connection) would otherwise hold CAF's connection until the heartbeat's
// connection timeout closes it, and CAF 0.17.6 never frees a TLS
// connection closed with its handshake unfinished (the BASP handshake it
// queued is never written, so the graceful close never completes): the
// descriptor and the session stay, and the multiplexer polls them for
// ever, a core at 100 % after a few hundred attempts.
//
// Blocking (up to connect_timeout + hold): call it off the actor threads.
// Internal to net.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tfarm::net::detail {

/// How long the probe waits for a peer to drop a fresh connection: a
/// reset reaches a peer on the same host or LAN within a millisecond, and
/// CAF's first TLS record leaves microseconds after its connect, so a peer
/// slower than this to drop cannot make CAF leak.
constexpr auto peer_probe_hold = std::chrono::milliseconds{20};

/// Connects to host:port (waiting at most `connect_timeout`), waits `hold`
/// and, with `tls_hello`, sends a TLS ClientHello and waits at most
/// `connect_timeout` for any answer; then closes. Empty if the peer took
/// the connection and kept it open for `hold` (or sent something) and
/// answered the hello; otherwise why not, in words.
std::string probe_peer(const std::string& host, uint16_t port,
                       std::chrono::milliseconds connect_timeout, bool tls_hello = false,
                       std::chrono::milliseconds hold = peer_probe_hold);

} // namespace tfarm::net::detail
